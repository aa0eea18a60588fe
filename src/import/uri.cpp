// URI references from feeds and pages: resolution (the core's RFC 3986
// code, after trimming) and link safety.
#include "twinstar/import/uri.hpp"

#include "twinstar/reference.hpp"

namespace twinstar::news {
namespace {

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// A link line ends at the first whitespace: encode the spaces a URL
// should not have had.
std::string encode_spaces(std::string_view uri) {
  std::string out;
  for (char c : uri) {
    if (c == ' ') {
      out += "%20";
    } else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string scheme_of(std::string_view uri) { return twinstar::scheme_of(trim(uri)); }

std::string resolve_uri(std::string_view base_text, std::string_view reference) {
  reference = trim(reference);
  base_text = trim(base_text);
  const std::string base_scheme = scheme_of(base_text);
  if (!scheme_of(reference).empty() || base_scheme.empty() || !split_reference(base_text).authority)
    return encode_spaces(reference);
  // The core's RFC 3986 resolution, with the scheme written in lower case.
  std::string resolved = resolve_reference(base_text, reference);
  resolved.replace(0, base_scheme.size(), base_scheme);
  return encode_spaces(resolved);
}

bool is_safe_link(std::string_view uri) {
  uri = trim(uri);
  if (uri.empty()) return false;
  const std::string scheme = scheme_of(uri);
  return scheme != "javascript" && scheme != "vbscript" && scheme != "data" && scheme != "file" &&
         scheme != "about";
}

bool is_usable_base(std::string_view uri) {
  const std::string scheme = scheme_of(uri);
  const bool known =
      scheme == "http" || scheme == "https" || scheme == "gemini" || scheme == "gopher" || scheme == "ftp";
  return known && trim(uri).substr(scheme.size()).starts_with("://");
}

}  // namespace twinstar::news
