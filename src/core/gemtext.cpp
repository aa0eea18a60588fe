#include "twinstar/gemtext.hpp"

namespace twinstar::gemtext {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_left(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  return text;
}

std::string_view trim(std::string_view text) {
  text = trim_left(text);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Calls `visit(line)` for each line, CR before LF stripped. A final line end
// does not start another (empty) line.
template <class Visit>
void for_each_line(std::string_view document, Visit&& visit) {
  while (!document.empty()) {
    const auto lf = document.find('\n');
    auto text = document.substr(0, lf);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (!visit(text)) return;
    if (lf == std::string_view::npos) return;
    document.remove_prefix(lf + 1);
  }
}

// `=>[ws]URL[ws label]`; a "=>" without URL is plain text (spec: link lines
// need a URL).
line parse_link(std::string_view raw) {
  auto rest = trim_left(raw.substr(2));
  std::size_t end = 0;
  while (end < rest.size() && !is_space(rest[end])) ++end;
  if (end == 0) return {line_kind::text, std::string(raw), {}};
  return {line_kind::link, std::string(trim(rest.substr(end))), std::string(rest.substr(0, end))};
}

// Classifies one line outside a preformatted block. Longer heading markers
// are tried first; "####" is a level-3 heading whose text starts with '#'.
line parse_line(std::string_view raw) {
  if (starts_with(raw, "=>")) return parse_link(raw);
  if (starts_with(raw, "###")) return {line_kind::heading3, std::string(trim(raw.substr(3))), {}};
  if (starts_with(raw, "##")) return {line_kind::heading2, std::string(trim(raw.substr(2))), {}};
  if (starts_with(raw, "#")) return {line_kind::heading1, std::string(trim(raw.substr(1))), {}};
  if (starts_with(raw, "* ")) return {line_kind::list_item, std::string(trim(raw.substr(2))), {}};
  if (starts_with(raw, ">")) return {line_kind::quote, std::string(trim(raw.substr(1))), {}};
  // Text lines keep their spacing: indentation can be meaningful to readers.
  return {line_kind::text, std::string(raw), {}};
}

bool is_toggle(std::string_view raw) { return starts_with(raw, "```"); }

}  // namespace

std::vector<line> parse(std::string_view document) {
  std::vector<line> lines;
  bool preformatted = false;
  for_each_line(document, [&](std::string_view raw) {
    if (is_toggle(raw)) {
      preformatted = !preformatted;
      lines.push_back({line_kind::preformat_toggle, std::string(trim(raw.substr(3))), {}});
    } else if (preformatted) {
      lines.push_back({line_kind::preformatted, std::string(raw), {}});
    } else {
      lines.push_back(parse_line(raw));
    }
    return true;
  });
  return lines;
}

std::optional<std::string> first_heading(std::string_view document) {
  std::optional<std::string> heading;
  bool preformatted = false;
  // Stops at the first heading instead of building the whole line list: index
  // pages call this for every .gmi file in a directory.
  for_each_line(document, [&](std::string_view raw) {
    if (is_toggle(raw)) {
      preformatted = !preformatted;
      return true;
    }
    if (preformatted || !starts_with(raw, "#")) return true;
    auto parsed = parse_line(raw);
    heading = std::move(parsed.text);
    return false;
  });
  return heading;
}

std::string printable(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = '?';
  }
  return out;
}

}  // namespace twinstar::gemtext
