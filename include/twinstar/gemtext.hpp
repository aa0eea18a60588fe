#pragma once
// Gemtext (text/gemini) line model. Spec: gemtext specification v0.24.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace twinstar::gemtext {

enum class line_kind {
  text,
  link,
  preformat_toggle,  // ``` line; text = alt text
  preformatted,      // a line inside a preformatted block, verbatim
  heading1,
  heading2,
  heading3,
  list_item,
  quote,
};

struct line {
  line_kind kind;
  std::string text;  // text / label / heading / item / quote content, trimmed
  std::string url;   // links only
};

// Accepts CRLF or LF line ends; never fails.
std::vector<line> parse(std::string_view document);

// The text of the first heading (any level), if any.
std::optional<std::string> first_heading(std::string_view document);

// `text` with every control character (below 0x20, and 0x7f) replaced by
// '?', so a file name or a heading cannot end or corrupt the line it is put in.
std::string printable(std::string_view text);

}  // namespace twinstar::gemtext
