#pragma once
// URI references as found in feeds and pages (RFC 3986 section 5).
#include <string>
#include <string_view>

namespace twinstar::news {

// "http", "mailto", ... lower-cased; "" for a relative reference.
std::string scheme_of(std::string_view uri);

// Resolves `reference` against `base` (RFC 3986 5.2, dot segments removed).
// Returns `reference` unchanged when it is absolute or `base` is not an
// absolute hierarchical URI. Surrounding whitespace is trimmed; characters
// outside ASCII stay as they are (gemtext links are UTF-8).
std::string resolve_uri(std::string_view base, std::string_view reference);

// Whether a link may appear in gemtext: script-bearing and local schemes
// (javascript:, vbscript:, data:, file:, about:) and empty links are refused.
bool is_safe_link(std::string_view uri);

// Whether `uri` may serve as a base: absolute http, https, gemini, gopher or
// ftp. An xml:base like "javascript:..." is ignored and the parent's used.
bool is_usable_base(std::string_view uri);

}  // namespace twinstar::news
