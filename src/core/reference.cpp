// URI reference resolution, RFC 3986 section 5.2, written after the spec's
// pseudo-code so each step can be checked against it.
#include "twinstar/reference.hpp"

#include "twinstar/ascii.hpp"

namespace twinstar {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )   (3.1)
bool is_scheme(std::string_view text) {
  if (text.empty() || !is_alpha(text.front())) return false;
  for (char c : text) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Drops the last segment of `out` and its preceding '/', if any (5.2.4 C).
void drop_last_segment(std::string& out) {
  const auto slash = out.rfind('/');
  out.erase(slash == std::string::npos ? 0 : slash);
}

// 5.2.3: the reference's path joined to the base's directory.
std::string merge(const reference_parts& base, std::string_view reference_path) {
  if (base.authority && base.path.empty()) return "/" + std::string(reference_path);
  const auto slash = base.path.rfind('/');
  if (slash == std::string_view::npos) return std::string(reference_path);
  return std::string(base.path.substr(0, slash + 1)) + std::string(reference_path);
}

}  // namespace

reference_parts split_reference(std::string_view reference) {
  reference_parts parts;
  if (const auto hash = reference.find('#'); hash != std::string_view::npos) {
    parts.fragment = reference.substr(hash + 1);
    reference = reference.substr(0, hash);
  }
  if (const auto question = reference.find('?'); question != std::string_view::npos) {
    parts.query = reference.substr(question + 1);
    reference = reference.substr(0, question);
  }
  if (const auto colon = reference.find(':');
      colon != std::string_view::npos && is_scheme(reference.substr(0, colon))) {
    parts.scheme = reference.substr(0, colon);
    reference.remove_prefix(colon + 1);
  }
  if (starts_with(reference, "//")) {
    reference.remove_prefix(2);
    const auto slash = reference.find('/');
    parts.authority = reference.substr(0, slash);
    reference = slash == std::string_view::npos ? std::string_view{} : reference.substr(slash);
  }
  parts.path = reference;
  return parts;
}

std::string scheme_of(std::string_view reference) {
  const auto parts = split_reference(reference);
  if (!parts.scheme) return {};
  return ascii_lower(*parts.scheme);
}

std::string remove_dot_segments(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  while (!in.empty()) {
    if (starts_with(in, "../")) {  // A
      in.remove_prefix(3);
    } else if (starts_with(in, "./")) {
      in.remove_prefix(2);
    } else if (starts_with(in, "/./")) {  // B: "/./x" -> "/x"
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (starts_with(in, "/../")) {  // C: "/../x" -> "/x", and go up
      in.remove_prefix(3);
      drop_last_segment(out);
    } else if (in == "/..") {
      in = "/";
      drop_last_segment(out);
    } else if (in == "." || in == "..") {  // D
      in = {};
    } else {  // E: move the first segment, with its leading '/', to the output
      const auto next = in.find('/', 1);
      out += in.substr(0, next);
      in = next == std::string_view::npos ? std::string_view{} : in.substr(next);
    }
  }
  return out;
}

std::string resolve_reference(std::string_view base, std::string_view reference) {
  const auto b = split_reference(base);
  const auto r = split_reference(reference);
  std::optional<std::string_view> scheme = b.scheme;
  std::optional<std::string_view> authority;
  std::optional<std::string_view> query = r.query;
  std::string path;
  if (r.scheme) {
    scheme = r.scheme;
    authority = r.authority;
    path = remove_dot_segments(r.path);
  } else if (r.authority) {
    authority = r.authority;
    path = remove_dot_segments(r.path);
  } else {
    authority = b.authority;
    if (r.path.empty()) {
      path = std::string(b.path);
      if (!r.query) query = b.query;
    } else if (r.path.front() == '/') {
      path = remove_dot_segments(r.path);
    } else {
      path = remove_dot_segments(merge(b, r.path));
    }
  }

  std::string out;  // 5.3
  if (scheme) out.append(*scheme).append(":");
  if (authority) out.append("//").append(*authority);
  out += path;
  if (query) out.append("?").append(*query);
  if (r.fragment) out.append("#").append(*r.fragment);
  return out;
}

std::string resolve_path(std::string_view base_path, std::string_view reference) {
  const auto r = split_reference(reference);
  std::string path;
  if (r.scheme || r.authority || (!r.path.empty() && r.path.front() == '/')) {
    path = remove_dot_segments(r.path);
  } else if (r.path.empty()) {
    path = remove_dot_segments(base_path);
  } else {
    // The base is a path on a site, so it behaves as if it had an authority:
    // an empty base merges as "/".
    reference_parts base;
    base.authority = std::string_view{};
    base.path = base_path;
    path = remove_dot_segments(merge(base, r.path));
  }
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
  return path;
}

}  // namespace twinstar
