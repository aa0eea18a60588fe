#include "twinstar/router.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "twinstar/ascii.hpp"

namespace twinstar {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// A host name as written in a URL may end with the root-zone dot.
std::string_view strip_root_dot(std::string_view name) {
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  return name;
}

// An IP address as 16 bytes (IPv4 mapped into IPv6) so "127.0.0.1" and
// "::ffff:127.0.0.1" (a dual-stack listener's view) compare equal, as do
// different spellings of one IPv6 address. nullopt for host names.
std::optional<std::array<unsigned char, 16>> parse_ip(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buffer[INET6_ADDRSTRLEN] = {};
  std::memcpy(buffer, text.data(), text.size());
  if (auto* percent = std::strchr(buffer, '%')) *percent = '\0';  // zone id

  std::array<unsigned char, 16> bytes{};
  unsigned char v4[4];
  if (inet_pton(AF_INET, buffer, v4) == 1) {
    bytes[10] = bytes[11] = 0xff;
    std::memcpy(bytes.data() + 12, v4, sizeof v4);
    return bytes;
  }
  if (inet_pton(AF_INET6, buffer, bytes.data()) == 1) return bytes;
  return std::nullopt;
}

bool same_ip(std::string_view host, std::string_view local_ip) {
  const auto a = parse_ip(host);
  const auto b = parse_ip(local_ip);
  return a && b && *a == *b;
}

// "/" + joined + "/" for directories; the root is "/".
std::string make_url_path(const path_segments& path) {
  auto joined = path.joined();
  std::string out = "/" + joined;
  if (path.trailing_slash && !joined.empty()) out += '/';
  return out;
}

std::string_view without_trailing_slash(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

bool is_gone(const host_config& host, std::string_view url_path) {
  const auto wanted = without_trailing_slash(url_path);
  return std::any_of(host.gone.begin(), host.gone.end(),
                     [&](const std::string& gone) { return without_trailing_slash(gone) == wanted; });
}

// The part of `url_path` after a prefix rule's `from`, or nullopt when the
// rule does not match. A `from` without trailing slash matches whole
// components only: "/old" matches "/old" and "/old/x", never "/older".
std::optional<std::string_view> prefix_rest(std::string_view from, std::string_view url_path) {
  if (from.empty() || !starts_with(url_path, from)) return std::nullopt;
  auto rest = url_path.substr(from.size());
  if (from.back() != '/' && !rest.empty() && rest.front() != '/') return std::nullopt;
  return rest;
}

std::string join_target(std::string_view to, std::string_view rest) {
  std::string target(to);
  if (!target.empty() && target.back() == '/' && !rest.empty() && rest.front() == '/') {
    rest.remove_prefix(1);
  }
  // The rest was decoded while splitting; re-encode so the target stays a URI.
  target += percent_encode_path(rest);
  return target;
}

// Exact rules win over prefix rules; among prefix rules the longest `from`
// wins, so a specific rule can sit beside a catch-all.
std::optional<route_redirect> find_redirect(const host_config& host, std::string_view url_path) {
  const redirect_rule* best = nullptr;
  std::string_view best_rest;
  for (const auto& rule : host.redirects) {
    if (!rule.prefix) {
      if (rule.from == url_path) {
        best = &rule;
        best_rest = {};
        break;
      }
      continue;
    }
    const auto rest = prefix_rest(rule.from, url_path);
    if (rest && (best == nullptr || rule.from.size() > best->from.size())) {
      best = &rule;
      best_rest = *rest;
    }
  }
  if (best == nullptr) return std::nullopt;
  const auto code = best->permanent ? gemini::status::redirect_permanent : gemini::status::redirect_temporary;
  return route_redirect{code, best->prefix ? join_target(best->to, best_rest) : best->to};
}

}  // namespace

router::router(const server_config& config) : config_(config) {}

const host_config* router::find_host(std::string_view name) const {
  name = strip_root_dot(name);
  if (name.empty()) return nullptr;
  for (const auto& host : config_.hosts) {
    if (iequals(strip_root_dot(host.name), name)) return &host;
    for (const auto& alias : host.aliases) {
      if (iequals(strip_root_dot(alias), name)) return &host;
    }
  }
  return nullptr;
}

const host_config& router::default_host() const {
  return config_.hosts.empty() ? no_host_ : config_.hosts.front();
}

route router::resolve_gemini(const url& request, std::uint16_t local_port, std::string_view local_ip) const {
  // Client-visible kinds carry no detail, so the meta is error.cpp's wording.
  if (!iequals(request.scheme, "gemini")) {
    return error{errc::wrong_scheme, {}};
  }
  const host_config* host = find_host(request.host);
  // Clients reaching us by IP often send no SNI; the default host answers.
  if (host == nullptr && !config_.hosts.empty() && same_ip(request.host, local_ip)) {
    host = &default_host();
  }
  if (host == nullptr) return error{errc::unknown_host, {}};
  if (request.port && *request.port != local_port) {
    return error{errc::wrong_port, {}};
  }

  return resolve_redirecting(*host, request.path);
}

route router::resolve_redirecting(const host_config& host, std::string_view raw_path) const {
  // Redirects match the decoded, normalised path, so a traversal spelling is
  // refused before any rule could echo it into a Location.
  auto split = split_path(raw_path);
  if (!split) return split.error();
  if (auto redirect = find_redirect(host, make_url_path(*split))) return *std::move(redirect);
  return resolve_path(host, raw_path);
}

route router::resolve_path(const host_config& host, std::string_view raw_path) const {
  auto split = split_path(raw_path);
  if (!split) return split.error();
  auto url_path = make_url_path(*split);
  if (is_gone(host, url_path)) return error{errc::gone, {}};
  return route_path{&host, std::move(split).value(), std::move(url_path)};
}

}  // namespace twinstar
