#pragma once
// Documents -> gemtext lines. HTML (gumbo, a full HTML5 parser) and Markdown
// (md4c, CommonMark + GitHub tables) share one set of rules:
// - headings: the page's first <h1> / the Markdown's first `#` heading
//   becomes the title when asked for; other h1/h2 -> `##`, h3-h6 -> `###`;
// - paragraphs and other blocks -> one text line each, whitespace collapsed,
//   entities decoded, inline markup dropped, <br> starts a new line;
// - lists -> `* ` items (ordered ones numbered "1. ", from start=), nesting
//   flattened;
// - block quotes -> `> ` lines; <pre> / code blocks -> ``` blocks, verbatim;
// - data tables -> a ``` block (alt text: the <caption>), one line per row,
//   columns padded to the widest cell and joined by " | ", a "---+---" rule
//   under the header row (<th> cells, <thead>, Markdown's header row),
//   cells flattened to text (a nested table too), their links listed after
//   the block; see twinstar/import/text_table.hpp, which also says what a
//   table too wide for a block (> 100 characters) becomes. HTML tables of
//   one row or one column, or with role=presentation, are layout: their
//   cells are read as ordinary blocks;
// - links and images -> `=> URL label` lines collected after the paragraph
//   (or list, quote, table) they appear in, resolved against the base URL,
//   duplicates dropped; images are labelled "Image: ALT", else "Image:
//   CAPTION" (their <figure>'s <figcaption>, then not repeated as text),
//   else "Image"; a lazy-loaded image's data-src / data-original / first
//   srcset URL stands for its data: placeholder; 1x1 tracking images and
//   javascript:/data: links dropped;
// - script, style, nav, forms, embedded objects, comments, and elements hidden
//   (hidden, aria-hidden="true" but not a fallback image, an inline style's
//   display:none / visibility:hidden): dropped entirely; a formula's fallback
//   image (MediaWiki: alt is "{\displaystyle TeX}") is its TeX, inline.
// Windows-1252 characters smuggled in as C1 controls (U+0080-U+009F) are
// mapped back ("U+0092" -> "’"); other control characters are dropped.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/import/article.hpp"
#include "twinstar/result.hpp"

namespace twinstar::news {

struct converted {
  std::string title;                // "" unless asked for / when none
  std::vector<gemtext::line> body;  // see article::body
  // Pages only (title_mode::extract), "" when the page does not say:
  std::string author;                     // "A One, B Two"
  std::string date;                       // YYYY-MM-DD (UTC) of publication
  std::optional<std::int64_t> published;  // its instant, when a time of day is stated
  std::string canonical_url;              // <link rel=canonical>, else og:url; absolute
};

enum class title_mode {
  none,     // feed content: every heading stays in the body
  extract,  // a page: take the title out of the document
};

// HTML -> gemtext. HTML5 parsing never fails. With title_mode::extract the
// page is read the way a reader view reads it:
// - the part converted is the article found by scoring (readability.hpp:
//   paragraph text, link density, class/id hints, sibling merging), with
//   share bars, related lists, comments and asides inside it left out;
//   the first <main>, else <article>, else <body> when no block has text;
// - the title is og:title / twitter:title (minus " | SITE" when SITE is
//   og:site_name or <title>'s suffix), else the JSON-LD headline, else the
//   content's first <h1>, else the first <h1> of the enclosing <article> /
//   <main>, else <title> minus its site-name suffix; a heading repeating
//   the title is left out of the body;
// - author: JSON-LD author names, else <meta name=author> and the like,
//   else a byline (rel=author, itemprop=author, class *byline* / *author*),
//   which is then left out of the body;
//   date: article:published_time and the like, else JSON-LD datePublished,
//   else the article's first <time datetime>.
// `base_url` may be "" (links stay as written); a <base href> in the
// document takes precedence, and without either the page's canonical URL
// (<link rel=canonical>, else og:url) resolves links.
converted html_to_gemtext(std::string_view html, std::string_view base_url,
                          title_mode mode = title_mode::none);

// The text of an HTML fragment on one line: tags dropped, entities decoded,
// whitespace collapsed. For titles that feeds mark as HTML.
std::string html_to_text(std::string_view html);

// Markdown -> gemtext. With title_mode::extract the first level-1 heading
// (else the first heading) is the title. Raw HTML blocks go through
// html_to_gemtext; inline raw HTML tags are dropped.
// Errors: invalid UTF-8 (file:line:column), no heading to take the title
// from, a parser failure.
result<converted, import_error> markdown_to_gemtext(std::string_view markdown, std::string_view file_name,
                                                    std::string_view base_url,
                                                    title_mode mode = title_mode::extract);

// Decodes one HTML character reference ("&amp;", "&#8217;", "&hellip;"),
// all HTML5 names included. Returns `reference` unchanged when unknown.
std::string decode_entity(std::string_view reference);

// Replaces C1 controls (U+0080-U+009F) with their Windows-1252 characters;
// undefined ones (U+0081, U+008D, U+008F, U+0090, U+009D) are dropped.
std::string map_c1_controls(std::string_view text);

// Collapses whitespace runs (ASCII and no-break spaces) to one space, trims,
// maps C1 controls as Windows-1252 and drops other control characters.
std::string normalize_space(std::string_view text);

// The charset an HTML page declares in a <meta charset> or <meta
// http-equiv content="...; charset=X"> within its first 4 KB, lower case;
// "" when none.
std::string declared_charset(std::string_view html);

// An HTML page's bytes as UTF-8: a BOM (UTF-8, UTF-16LE/BE) decides, else
// the declared charset (ISO-8859-1 and US-ASCII read as windows-1252, as
// browsers do), through iconv. Errors: undeclared or UTF-8 text that is not
// valid UTF-8 (file:line:column), an unknown charset, bytes invalid in it.
result<std::string, import_error> html_to_utf8(std::string_view bytes, std::string_view file_name);

// First position of invalid UTF-8 (or a NUL byte) in `text` as 1-based
// line:column (columns count bytes); {0, 0} when the text is valid.
struct text_position {
  int line = 0;
  int column = 0;
};
text_position find_invalid_utf8(std::string_view text);

}  // namespace twinstar::news
