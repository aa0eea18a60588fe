// Whitespace and character clean-up shared by every converter, and the
// UTF-8 check that turns a bad byte into a line:column.
#include "twinstar/import/convert.hpp"
#include "utf8.hpp"

namespace twinstar::news {
namespace {

// Windows-1252 0x80-0x9F; 0 = undefined there.
constexpr char32_t cp1252_c1[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

bool is_space(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0xA0 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Invisible characters that only get in the way in gemtext: controls,
// zero-width spaces, the BOM, soft hyphens.
bool is_dropped(char32_t c) { return c < 0x20 || c == 0x7F || c == 0x200B || c == 0xFEFF || c == 0xAD; }

}  // namespace

std::string normalize_space(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size();) {
    detail::decoded_char ch = detail::decode_utf8(text, i);
    if (ch.length == 0) ch = {0xFFFD, 1};
    i += ch.length;
    char32_t c = ch.code;
    if (c >= 0x80 && c <= 0x9F) c = cp1252_c1[c - 0x80];
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (c == 0 || is_dropped(c)) continue;
    if (pending_space) out += ' ';
    pending_space = false;
    detail::append_utf8(out, c);
  }
  return out;
}

std::string map_c1_controls(std::string_view text) {
  if (text.find('\xC2') == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (text[i] == '\xC2' && next >= 0x80 && next <= 0x9F) {
      if (const char32_t mapped = cp1252_c1[next - 0x80]) detail::append_utf8(out, mapped);
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

text_position find_invalid_utf8(std::string_view text) {
  int line = 1;
  int column = 1;
  for (std::size_t i = 0; i < text.size();) {
    const detail::decoded_char ch = detail::decode_utf8(text, i);
    if (ch.length == 0 || ch.code == 0) return {line, column};
    if (ch.code == '\n') {
      ++line;
      column = 1;
    } else {
      column += static_cast<int>(ch.length);
    }
    i += ch.length;
  }
  return {};
}

}  // namespace twinstar::news
