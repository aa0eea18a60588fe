#pragma once
// The article model every importer produces (plain text, Markdown, HTML, feed
// items), its gemtext form, its file-name slug and its identity for
// update-in-place.
#include <cstddef>
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
  std::string title;        // one line, whitespace normalised
  std::string date;         // YYYY-MM-DD
  std::string author;       // "" = none
  std::string source_name;  // "RT", a feed's title; "" = none
  std::string source_url;   // link back to the original; "" = none
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

// The identity used to recognise an article already on disk. A source URL
// names one article unless it is a site's front page (empty path or "/", no
// query): then the title is part of the identity too. Without a URL the
// title alone identifies it. Never empty for a non-empty title.
std::string identity_of(std::string_view source_url, std::string_view title);
std::string identity_of(const article& a);

// Identity of an article file: the first `# ` heading is the title, the last
// link line labelled "Source" or "Source: ..." the source URL. "" when the
// file has no `# ` heading.
std::string identity_of_gemtext(std::string_view document);

inline constexpr std::size_t max_slug_bytes = 60;

// File-name slug of a title: ASCII lower case, Latin accents and Cyrillic
// transliterated ("é" -> "e", "ß" -> "ss", "ж" -> "zh"), apostrophes dropped,
// every other run of non-alphanumerics -> one '-', trimmed, cut at a word
// boundary to at most max_slug_bytes. "article" when nothing is left.
std::string make_slug(std::string_view title);

}  // namespace twinstar::news
