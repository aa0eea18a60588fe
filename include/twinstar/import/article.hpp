#pragma once
// The article model every importer produces (plain text, Markdown, HTML, feed
// items), its gemtext form, its file-name slug and its identity for
// update-in-place.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/gemtext.hpp"

namespace twinstar::news {

// A problem with an input; line/column 0 = no position.
struct import_error {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
  // "file:line:column: message", or "file: message" without a position.
  std::string to_string() const;
};

struct article {
  std::string title;  // one line, whitespace normalised
  std::string date;   // YYYY-MM-DD
  // The source's publication instant (seconds since the epoch) when it
  // states a time of day; a new file is given it as its modification time.
  std::optional<std::int64_t> published;
  std::string author;       // "" = none
  std::string source_name;  // "RT", a feed's title; "" = none
  std::string source_url;   // link back to the original; "" = none
  // source_url is a link the article shares with others (a feed's own link
  // standing in for an item without one): it does not identify the article.
  bool shared_source_url = false;
  // Body lines. A text line with empty text is a paragraph break; runs of
  // them collapse to one blank line when rendered.
  std::vector<gemtext::line> body;
};

// The whole .gmi file, LF line ends, ending with a newline:
//   # TITLE
//
//   DATE[ · By AUTHOR][ · Source: NAME]
//
//   BODY
//
//   => SOURCE_URL Source: NAME     ("Source" without a name; a plain
//                                   "Source: NAME" text line without a URL)
//   => ./ More news
//   => / Home
// Text lines that would read as another line type (starting with "=>", "#",
// "* ", ">" or "```") get one leading space. Deterministic: the same article
// always renders to the same bytes.
std::string render_gemtext(const article& a);

// How an article already on disk is recognised (the rules are in store.hpp).
// by_url is "url U" when the source URL U names this one article: not
// empty, not a site's front page (empty path or "/", no query), not
// shared_source_url; else "". by_title, from the title, the date and the
// source URL, is never empty for a non-empty title.
struct article_identity {
  std::string by_url;
  std::string by_title;
};
article_identity identify(const article& a);

// Identity of an article file: the first `# ` heading is the title, the
// first line after it the byline (its leading YYYY-MM-DD the date), the last
// link line labelled "Source" or "Source: ..." the source URL. A file cannot
// say whether its URL was shared, so by_url is set whenever the URL is not
// a front page. Both empty when the file has no `# ` heading.
article_identity identify_gemtext(std::string_view document);

inline constexpr std::size_t max_slug_bytes = 60;

// File-name slug of a title: ASCII lower case, Latin accents and Cyrillic
// transliterated ("é" -> "e", "ß" -> "ss", "ж" -> "zh"), apostrophes dropped,
// every other run of non-alphanumerics -> one '-', trimmed, cut at a word
// boundary to at most max_slug_bytes. "article" when nothing is left.
std::string make_slug(std::string_view title);

}  // namespace twinstar::news
