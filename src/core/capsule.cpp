#include "twinstar/capsule.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>
#include <vector>

#include "capsule_detail.hpp"
#include "twinstar/listing.hpp"
#include "twinstar/mime.hpp"
#include "twinstar/url.hpp"

namespace twinstar {
namespace fs = std::filesystem;
namespace {

using detail::entry_kind;
using detail::guard;
using detail::inspect;
using detail::is_dotfile;

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool readable(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return in.is_open();
}

// Builds the serve_file for a regular file, or the error that stops it.
resolution serve(const fs::path& canon, std::string_view name, const host_config& host) {
  if (!readable(canon)) return error{errc::unreadable, "cannot open " + canon.string()};
  std::error_code ec;
  const auto size = fs::file_size(canon, ec);
  if (ec) return error{errc::unreadable, "cannot stat " + canon.string()};
  return serve_file{canon, mime_for_path(name, host.mime_overrides), size};
}

// What a directory without an index file gets: its generated listing, built
// (or taken from `listings`), or only the knowledge that it would get one.
enum class listing_mode { build, probe };

resolution resolve_directory(const route_path& path, const guard& rules, const fs::path& dir,
                             const fs::path& cert_dir, listing_mode mode, listing_cache* listings) {
  const auto& host = *path.host;
  // Without the slash, relative links on the page would resolve one level up.
  if (!path.path.trailing_slash && !path.path.segments.empty()) {
    return route_redirect{gemini::status::redirect_permanent, percent_encode_path(path.url_path + "/")};
  }
  for (const auto& name : host.index_files) {
    if (name.empty() || is_dotfile(name) || name.find('/') != std::string::npos) continue;
    const auto index = inspect(rules, dir / name);
    if (index.kind == entry_kind::file && readable(index.canon)) {
      return serve(index.canon, name, host);
    }
  }
  if (!listing_allowed(host, path.url_path)) {
    return error{errc::listing_disabled, {}};
  }
  if (mode == listing_mode::probe) return serve_generated{"text/gemini", {}, dir};
  auto made = listings != nullptr ? listings->get(dir, path.url_path, host, cert_dir)
                                  : build_listing(dir, path.url_path, host, cert_dir);
  // Aliasing: the body points into the listing and keeps it alive.
  std::shared_ptr<const std::string> body(made, &made->gemtext);
  return serve_generated{"text/gemini", {}, dir, std::move(body), {}, std::move(made)};
}

resolution resolve(const route_path& path, const fs::path& cert_dir, listing_mode mode,
                   listing_cache* listings) {
  if (path.host == nullptr) return error{errc::internal, "no host"};
  const auto& host = *path.host;
  for (const auto& segment : path.path.segments) {
    // Dotfiles are never served; the rest repeats split_path's guarantees in
    // case a caller built the route by hand.
    if (segment.empty() || is_dotfile(segment) ||
        segment.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
      return error{errc::forbidden_path, "dotfile or separator in segment"};
    }
  }

  std::error_code ec;
  auto root = fs::canonical(host.root, ec);
  if (ec) return error{errc::internal, "capsule root unavailable: " + host.root.string()};
  const guard rules(host, root, cert_dir);

  auto candidate = root;
  for (const auto& segment : path.path.segments) candidate /= segment;
  const auto found = inspect(rules, candidate);

  switch (found.kind) {
    case entry_kind::forbidden:
      return error{errc::forbidden_path, "outside root, dotfile or key: " + found.canon.string()};
    case entry_kind::unreadable:
      return error{errc::unreadable, "permission denied: " + candidate.string()};
    case entry_kind::directory:
      return resolve_directory(path, rules, found.canon, cert_dir, mode, listings);
    case entry_kind::file:
      // "file.gmi/" names a directory that does not exist; the root must be one.
      if (path.path.trailing_slash || path.path.segments.empty()) break;
      return serve(found.canon, path.path.segments.back(), host);
    case entry_kind::missing:
    case entry_kind::other:
      break;
  }
  return error{errc::not_found, {}};
}

}  // namespace

resolution resolve_on_disk(const route_path& path, const fs::path& cert_dir, listing_cache* listings) {
  return resolve(path, cert_dir, listing_mode::build, listings);
}

resolution probe_on_disk(const route_path& path, const fs::path& cert_dir) {
  return resolve(path, cert_dir, listing_mode::probe, nullptr);
}

std::optional<std::string> read_file_prefix(const fs::path& file, std::uintmax_t limit) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return std::nullopt;
  const std::streamoff end = in.tellg();
  in.seekg(0);
  std::string text(static_cast<std::size_t>(std::min<std::uintmax_t>(end > 0 ? end : 0, limit)), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return text;
}

const path_rule* matching_rule(const host_config& host, std::string_view url_path,
                               bool (*applies)(const path_rule&)) {
  const path_rule* best = nullptr;
  for (const auto& rule : host.paths) {
    if (!applies(rule) || rule.prefix.empty() || !starts_with(url_path, rule.prefix)) continue;
    // "/private" covers "/private/" and "/private/x/" but not "/privateer/".
    const auto rest = url_path.substr(rule.prefix.size());
    if (rule.prefix.back() != '/' && !rest.empty() && rest.front() != '/') continue;
    if (best == nullptr || rule.prefix.size() > best->prefix.size()) best = &rule;
  }
  return best;
}

bool listing_allowed(const host_config& host, std::string_view url_path) {
  const path_rule* rule =
      matching_rule(host, url_path, [](const path_rule& r) { return r.listing.has_value(); });
  return rule != nullptr ? *rule->listing : host.listing;
}

bool wants_client_certificates(const host_config& host) {
  if (!host.cgi.empty() || !host.scgi.empty()) return true;  // programs see the certificate (TLS_CLIENT_*)
  if (!host.titan.empty()) return true;                      // Titan uploads are authorised by certificate
  for (const auto& rule : host.paths)
    if (rule.require_certificate.value_or(false)) return true;
  return false;
}

namespace {

// The longest require_certificate rule whose location on disk contains
// `resolved` (both canonical). Prefixes that do not exist cover nothing here;
// they still cover by URL.
const path_rule* rule_by_location(const host_config& host, const fs::path& resolved) {
  std::error_code ec;
  const auto root = fs::canonical(host.root, ec);
  if (ec) return nullptr;
  const auto target = fs::weakly_canonical(resolved, ec);
  if (ec) return nullptr;
  const path_rule* best = nullptr;
  std::ptrdiff_t best_depth = -1;
  for (const auto& rule : host.paths) {
    if (!rule.require_certificate.has_value() || rule.prefix.empty()) continue;
    auto relative = std::string_view(rule.prefix);
    while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
    const auto location = relative.empty() ? root : fs::canonical(root / fs::path(relative), ec);
    if (ec || !inside_root(location, target)) continue;
    const auto depth = std::distance(location.begin(), location.end());
    if (depth > best_depth) best = &rule, best_depth = depth;
  }
  return best;
}

std::optional<error> check_rule(const path_rule* rule, const client_certificate* cert) {
  if (rule == nullptr || !*rule->require_certificate) return std::nullopt;
  if (cert == nullptr) return error{errc::certificate_required, {}};
  if (!cert->time_valid) return error{errc::certificate_not_valid, "Certificate expired or not yet valid"};
  if (!rule->allowed.empty() &&
      std::find(rule->allowed.begin(), rule->allowed.end(), cert->fingerprint) == rule->allowed.end())
    return error{errc::certificate_not_authorised, {}};
  return std::nullopt;
}

}  // namespace

std::optional<error> check_client_certificate(const host_config& host, std::string_view url_path,
                                              const client_certificate* cert, const fs::path& resolved) {
  if (!wants_client_certificates(host)) return std::nullopt;  // nothing is protected
  const path_rule* by_url =
      matching_rule(host, url_path, [](const path_rule& r) { return r.require_certificate.has_value(); });
  if (auto refused = check_rule(by_url, cert)) return refused;
  if (resolved.empty()) return std::nullopt;
  return check_rule(rule_by_location(host, resolved), cert);
}

bool certificate_protected(const host_config& host, std::string_view url_path, const fs::path& resolved) {
  return check_client_certificate(host, url_path, nullptr, resolved).has_value();
}

bool inside_root(const fs::path& root, const fs::path& candidate) {
  if (!root.is_absolute() || !candidate.is_absolute()) return false;
  const auto r = root.lexically_normal();
  const auto c = candidate.lexically_normal();
  auto ci = c.begin();
  for (const auto& part : r) {
    if (part.empty()) continue;  // trailing separator of "/srv/root/"
    if (ci == c.end() || *ci != part) return false;
    ++ci;
  }
  return true;
}

namespace detail {

fs::path canonical_or_empty(const fs::path& path) {
  if (path.empty()) return {};
  std::error_code ec;
  auto canon = fs::canonical(path, ec);
  return ec ? fs::path{} : canon;
}

guard::guard(const host_config& host, fs::path canonical_root, const fs::path& certs)
    : root(std::move(canonical_root)),
      cert(canonical_or_empty(host.cert)),
      key(canonical_or_empty(host.key)),
      cert_dir(canonical_or_empty(certs)) {}

bool guard::forbids(const fs::path& canon) const {
  if (!inside_root(root, canon)) return true;
  // A symlink inside the root may still point at ".git/config" or similar.
  for (const auto& part : canon.lexically_relative(root)) {
    if (part != "." && is_dotfile(part.native())) return true;
  }
  if (!cert.empty() && canon == cert) return true;
  if (!key.empty() && canon == key) return true;
  return !cert_dir.empty() && inside_root(cert_dir, canon);
}

entry inspect(const guard& rules, const fs::path& candidate) {
  std::error_code ec;
  auto canon = fs::canonical(candidate, ec);
  if (ec) {
    // ENOENT, ENOTDIR (a file used as a directory), ELOOP, dangling links.
    return {ec == std::errc::permission_denied ? entry_kind::unreadable : entry_kind::missing, {}};
  }
  if (rules.forbids(canon)) return {entry_kind::forbidden, std::move(canon)};
  const auto st = fs::status(canon, ec);
  if (ec) return {entry_kind::missing, std::move(canon)};
  if (fs::is_directory(st)) return {entry_kind::directory, std::move(canon)};
  if (fs::is_regular_file(st)) return {entry_kind::file, std::move(canon)};
  return {entry_kind::other, std::move(canon)};
}

}  // namespace detail
}  // namespace twinstar
