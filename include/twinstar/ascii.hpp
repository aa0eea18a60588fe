#pragma once
// ASCII case folding for protocol tokens (schemes, host names, header and
// element names, file extensions, month names): locale-free, and bytes
// outside A-Z (UTF-8 included) are left as they are.
#include <string>
#include <string_view>

namespace twinstar {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// Whether `text` starts with `lower_prefix` (given in lower case), ignoring
// the case of `text`.
constexpr bool starts_with_nocase(std::string_view text, std::string_view lower_prefix) {
  if (text.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i)
    if (ascii_lower(text[i]) != lower_prefix[i]) return false;
  return true;
}

}  // namespace twinstar
