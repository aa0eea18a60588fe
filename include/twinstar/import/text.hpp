#pragma once
// Plain-text news articles -> article. The rules, applied to the lines of the
// file (UTF-8; CRLF, a BOM and trailing spaces tolerated):
// 1. The first non-blank line is the title.
// 2. The next non-blank line is the standfirst: the first paragraph.
// 3. A last line "Source: NAME" names the source (the byline); it is not
//    part of the body.
// 4. Paragraphs: when the body has blank lines, blank lines separate
//    paragraphs and the hard-wrapped lines of one paragraph are joined with
//    spaces; otherwise every line is a paragraph.
// 5. A paragraph of one line under 60 characters with no final punctuation
//    (. , ; : ! ? … quotes, closing brackets), starting with an upper-case
//    letter or a digit, in which every word except the small title-case
//    words (a, an, and, as, at, but, by, for, from, in, into, nor, of, on,
//    or, over, per, the, to, up, via, vs, with) starts with an upper-case
//    letter or a digit, is a `##` section heading. The standfirst and the
//    dateline never are.
// 6. A paragraph wholly inside one pair of quotation marks (“...” or "...",
//    no closing mark before the end) is kept as a `>` quote line.
// 7. The dateline is the paragraph after the standfirst when it reads
//    "PLACE, AGENCY - text" (" - ", " – " or " — " within its first 80
//    bytes); it stays an ordinary paragraph.
// 8. Everything else is a paragraph, whitespace collapsed.
#include <string>
#include <string_view>

#include "twinstar/import/article.hpp"
#include "twinstar/result.hpp"

namespace twinstar::news {

// Errors: invalid UTF-8 or NUL bytes (file:line:column), no title.
// The caller fills in date and source_url; `source_name` comes from rule 3.
result<article, import_error> parse_plain_text(std::string_view text, std::string_view file_name);

}  // namespace twinstar::news
