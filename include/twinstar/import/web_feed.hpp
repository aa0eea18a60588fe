#pragma once
// RSS 0.9x / 1.0 (RDF) / 2.0 and Atom 0.3 / 1.0 feeds -> items (libxml2).
//
// Parsing is safe for untrusted input: no network access, no DTD or external
// entity is ever loaded (internal entity declarations are expanded), and
// libxml2's entity-expansion limits stay on. A document that is not
// well-formed XML is an error naming file:line:column (libxml2's first
// error). Namespace errors (an undeclared prefix) are not fatal: such
// elements are simply not recognised.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/import/article.hpp"
#include "twinstar/result.hpp"

namespace twinstar::news {

struct web_feed_item {
  std::string title;  // plain text ("" when the item has none)
  std::string link;   // absolute when a base was known; "" when none
  std::string guid;   // <guid> / <id>; "" when none
  std::string date;   // YYYY-MM-DD, "" when missing or unparseable
  // The same date as an instant (seconds since the epoch) when it states a
  // time of day.
  std::optional<std::int64_t> published;
  std::string author;  // a name ("" when none)
  std::vector<gemtext::line> body;
};

struct web_feed {
  std::string title;                   // plain text
  std::string link;                    // the site
  std::string date;                    // YYYY-MM-DD of the channel/feed, "" when none
  std::vector<web_feed_item> items;    // document order
  std::vector<import_error> warnings;  // repairs made (HTML entities without a DTD)
};

// Per item: title from <title> (HTML titles reduced to text); link from
// <link> (RSS), rel="alternate" or rel-less <link href> (Atom), else a
// permalink <guid>; date from pubDate, dc:date, dcterms, published, updated,
// issued, modified or created (first that parses); author from <author>
// ("email (Name)" -> Name), dc:creator or atom author/name; body from
// content:encoded, xhtml:body, Atom content (html, xhtml, text; out-of-line
// src -> one link line; other media types skipped), else description /
// summary, through html_to_gemtext. Relative links resolve against xml:base
// (unsafe bases ignored), then `base_url` (the feed's own URL, may be ""),
// then the feed's self/alternate link.
// Repairs: HTML named entities (&hellip;) in a feed without a DTD are read
// as their characters, with one warning naming them; Atom 0.3 base64
// content (mode="base64") is decoded; a content:encoded that is a stub
// ("...", "…", the title again, or under half the description's length)
// gives way to the description.
// Errors: not well-formed XML; a root element that is not rss, rdf:RDF or
// feed.
result<web_feed, import_error> parse_web_feed(std::string_view bytes, std::string_view file_name,
                                              std::string_view base_url);

// Whether `bytes` looks like a feed: its first element is rss, RDF or feed.
bool looks_like_web_feed(std::string_view bytes);

// Items -> articles. Title falls back to the first words of the body, then
// "Untitled"; date to the feed's date, then `fallback_date`; source_name is
// the feed's title; source_url the item's link, else a URL-shaped guid, else
// the feed's link (then shared_source_url: it names no one item).
std::vector<article> web_feed_articles(const web_feed& f, std::string_view fallback_date);

}  // namespace twinstar::news
