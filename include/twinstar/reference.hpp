#pragma once
// URI references (RFC 3986): splitting into components and resolving a
// reference against a base (section 5.2). Pure string work, no validation:
// the parts are taken as written, percent-escapes included, so a resolved
// link reads the way its author wrote it. Used to turn gemtext links into
// Gopher selectors and full URLs.
#include <optional>
#include <string>
#include <string_view>

namespace twinstar {

// The five components of a URI reference (RFC 3986 appendix B). An absent
// component is nullopt; a present but empty one ("http://h/?" has an empty
// query) is an empty view. The path is always present, possibly empty.
struct reference_parts {
  std::optional<std::string_view> scheme;
  std::optional<std::string_view> authority;
  std::string_view path;
  std::optional<std::string_view> query;
  std::optional<std::string_view> fragment;
};

// Never fails: every string is a URI reference under appendix B's grammar.
// A scheme needs a letter first and only letters, digits, '+', '-', '.'
// before the ':' (3.1); "a b:c" and ":x" are relative paths.
reference_parts split_reference(std::string_view reference);

// The reference's scheme, lower-cased (schemes compare case-insensitively,
// 3.1); "" for a relative reference.
std::string scheme_of(std::string_view reference);

// RFC 3986 5.2.4. An absolute path never rises above "/": "/a/../../b" is
// "/b". A relative input may lose its leading segments the same way.
std::string remove_dot_segments(std::string_view path);

// RFC 3986 5.2.2 (strict: a reference with a scheme is used as is) and 5.3
// recomposition. `base` should be an absolute URI; with a relative base the
// result is the best effort the algorithm gives.
std::string resolve_reference(std::string_view base, std::string_view reference);

// Resolve a path-only reference against an absolute path within one site,
// e.g. ("/news/a.gmi", "../b.gmi") -> "/b.gmi", ("/news/", "") -> "/news/".
// The result always starts with '/' and never rises above it. Query and
// fragment are dropped: the result names a file or directory. For a reference
// with a scheme or an authority (callers should handle those first) the
// result is that reference's own path, dot segments removed.
std::string resolve_path(std::string_view base_path, std::string_view reference);

}  // namespace twinstar
