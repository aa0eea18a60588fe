// Repairs for real-world feeds: HTML entities without a DTD, base64 content.
#include "web_feed_repair.hpp"

#include <algorithm>

#include "twinstar/import/convert.hpp"

namespace twinstar::news::detail {
namespace {

// Longest HTML5 entity name ("CounterClockwiseContourIntegral") is 31 bytes.
constexpr std::size_t max_entity_name = 32;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// UTF-8 text -> "&#N;" per code point.
std::string numeric_references(std::string_view utf8) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size();) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    unsigned code = length == 1 ? lead : lead & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length && i + k < utf8.size(); ++k) {
      code = (code << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    }
    out += "&#" + std::to_string(code) + ";";
    i += length;
  }
  return out;
}

}  // namespace

std::string replace_html_entities(std::string_view xml, std::vector<std::string>& replaced) {
  if (xml.find("<!DOCTYPE") != std::string_view::npos) return std::string(xml);
  std::string out;
  out.reserve(xml.size());
  for (std::size_t i = 0; i < xml.size();) {
    // CDATA and comments are not parsed for references.
    for (const auto& [open, close] : {std::pair<std::string_view, std::string_view>{"<![CDATA[", "]]>"},
                                      std::pair<std::string_view, std::string_view>{"<!--", "-->"}}) {
      if (xml.substr(i, open.size()) == open) {
        const std::size_t end = xml.find(close, i + open.size());
        const std::size_t stop = end == std::string_view::npos ? xml.size() : end + close.size();
        out.append(xml.substr(i, stop - i));
        i = stop;
      }
    }
    if (i >= xml.size()) break;
    if (xml[i] != '&') {
      out += xml[i++];
      continue;
    }
    std::size_t end = i + 1;
    while (end < xml.size() && end - i <= max_entity_name && is_name_char(xml[end])) ++end;
    const std::string_view name = xml.substr(i + 1, end - i - 1);
    const bool named =
        end < xml.size() && xml[end] == ';' && !name.empty() && !(name[0] >= '0' && name[0] <= '9');
    if (!named || name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") {
      out += xml[i++];
      continue;
    }
    const std::string reference(xml.substr(i, end + 1 - i));
    const std::string decoded = decode_entity(reference);
    if (decoded == reference) {  // unknown to HTML too: XML reports it
      out += xml[i++];
      continue;
    }
    out += numeric_references(decoded);
    if (std::find(replaced.begin(), replaced.end(), reference) == replaced.end())
      replaced.push_back(reference);
    i = end + 1;
  }
  return out;
}

std::optional<std::string> decode_base64(std::string_view text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  bool padding = false;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z')
      value = c - 'A';
    else if (c >= 'a' && c <= 'z')
      value = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      value = c - '0' + 52;
    else if (c == '+')
      value = 62;
    else if (c == '/')
      value = 63;
    else if (c == '=') {
      padding = true;
      continue;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
      continue;
    else
      return std::nullopt;
    if (padding) return std::nullopt;  // data after '='
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

}  // namespace twinstar::news::detail
