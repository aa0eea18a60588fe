// URI reference resolution (RFC 3986 section 5.2) and link safety.
#include "twinstar/import/uri.hpp"

#include <algorithm>
#include <optional>

namespace twinstar::news {
namespace {

struct parts {
  std::string scheme;  // "" = none
  std::optional<std::string_view> authority;
  std::string_view path;
  std::optional<std::string_view> query;
  std::optional<std::string_view> fragment;
};

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_scheme_char(char c) {
  return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

parts split(std::string_view uri) {
  parts p;
  p.scheme = scheme_of(uri);
  if (!p.scheme.empty()) uri.remove_prefix(p.scheme.size() + 1);
  if (const auto hash = uri.find('#'); hash != std::string_view::npos) {
    p.fragment = uri.substr(hash + 1);
    uri = uri.substr(0, hash);
  }
  if (const auto question = uri.find('?'); question != std::string_view::npos) {
    p.query = uri.substr(question + 1);
    uri = uri.substr(0, question);
  }
  if (uri.starts_with("//")) {
    const auto end = uri.find('/', 2);
    p.authority = uri.substr(2, end == std::string_view::npos ? std::string_view::npos : end - 2);
    uri = end == std::string_view::npos ? std::string_view{} : uri.substr(end);
  }
  p.path = uri;
  return p;
}

// RFC 3986 5.2.4.
std::string remove_dot_segments(std::string_view input) {
  std::string output;
  while (!input.empty()) {
    if (input.starts_with("../")) {
      input.remove_prefix(3);
    } else if (input.starts_with("./")) {
      input.remove_prefix(2);
    } else if (input.starts_with("/./")) {
      input.remove_prefix(2);
    } else if (input == "/.") {
      input = "/";
    } else if (input.starts_with("/../") || input == "/..") {
      input = input.size() == 3 ? std::string_view("/") : input.substr(3);
      const auto last = output.rfind('/');
      output.erase(last == std::string::npos ? 0 : last);
    } else if (input == "." || input == "..") {
      input = {};
    } else {
      const auto next = input.find('/', input.front() == '/' ? 1 : 0);
      output += input.substr(0, next);
      input = next == std::string_view::npos ? std::string_view{} : input.substr(next);
    }
  }
  return output;
}

std::string join(const parts& p, std::string_view path) {
  std::string out = p.scheme + ":";
  if (p.authority) out += "//" + std::string(*p.authority);
  out += path;
  if (p.query) out += "?" + std::string(*p.query);
  if (p.fragment) out += "#" + std::string(*p.fragment);
  return out;
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

std::string scheme_of(std::string_view uri) {
  uri = trim(uri);
  if (uri.empty() || !is_alpha(uri.front())) return "";
  const auto colon = uri.find(':');
  if (colon == std::string_view::npos) return "";
  const auto name = uri.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(), is_scheme_char)) return "";
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return lower;
}

std::string resolve_uri(std::string_view base_text, std::string_view reference) {
  reference = trim(reference);
  base_text = trim(base_text);
  const parts ref = split(reference);
  const parts base = split(base_text);
  if (!ref.scheme.empty() || base.scheme.empty() || !base.authority) return encode_spaces(reference);
  parts target;
  target.scheme = base.scheme;
  target.fragment = ref.fragment;
  std::string path;
  if (ref.authority) {
    target.authority = ref.authority;
    path = remove_dot_segments(ref.path);
    target.query = ref.query;
  } else {
    target.authority = base.authority;
    if (ref.path.empty()) {
      path = std::string(base.path);
      target.query = ref.query ? ref.query : base.query;
    } else {
      if (ref.path.starts_with('/')) {
        path = remove_dot_segments(ref.path);
      } else {
        std::string merged;
        if (base.path.empty()) {
          merged = "/" + std::string(ref.path);
        } else {
          const auto last = base.path.rfind('/');
          merged = std::string(base.path.substr(0, last == std::string_view::npos ? 0 : last + 1)) +
                   std::string(ref.path);
        }
        path = remove_dot_segments(merged);
      }
      target.query = ref.query;
    }
  }
  return encode_spaces(join(target, path));
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
