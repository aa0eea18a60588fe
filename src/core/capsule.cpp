#include "twinstar/capsule.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>
#include <vector>

#include "twinstar/gemtext.hpp"
#include "twinstar/mime.hpp"
#include "twinstar/url.hpp"

namespace twinstar {
namespace fs = std::filesystem;
namespace {

// How much of a .gmi file the index reads looking for its heading: a listing
// must not read whole files.
inline constexpr std::size_t heading_scan_bytes = 16 * 1024;

bool is_dotfile(std::string_view name) { return !name.empty() && name.front() == '.'; }

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

fs::path canonical_or_empty(const fs::path& path) {
  if (path.empty()) return {};
  std::error_code ec;
  auto canon = fs::canonical(path, ec);
  return ec ? fs::path{} : canon;
}

// What a host must never hand out: anything outside its root, anything
// reached through a dot component, its key and certificate, the cert dir.
struct guard {
  fs::path root;  // canonical
  fs::path cert;  // canonical, empty when absent
  fs::path key;
  fs::path cert_dir;

  guard(const host_config& host, fs::path canonical_root, const fs::path& certs)
      : root(std::move(canonical_root)),
        cert(canonical_or_empty(host.cert)),
        key(canonical_or_empty(host.key)),
        cert_dir(canonical_or_empty(certs)) {}

  bool forbids(const fs::path& canon) const {
    if (!inside_root(root, canon)) return true;
    // A symlink inside the root may still point at ".git/config" or similar.
    for (const auto& part : canon.lexically_relative(root)) {
      if (part != "." && is_dotfile(part.native())) return true;
    }
    if (!cert.empty() && canon == cert) return true;
    if (!key.empty() && canon == key) return true;
    return !cert_dir.empty() && inside_root(cert_dir, canon);
  }
};

enum class entry_kind { missing, forbidden, unreadable, directory, file, other };

struct entry {
  entry_kind kind;
  fs::path canon;
};

// Follows symlinks, then classifies the target. Sockets, FIFOs and devices
// are `other`: never opened, since opening a FIFO would block the worker.
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

// Control characters in file names or headings would break the gemtext line.
std::string printable(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = '?';
  }
  return out;
}

std::string label_for_file(const fs::path& canon, const std::string& name, const host_config& host) {
  if (mime_for_path(name, host.mime_overrides) != "text/gemini") return name;
  std::ifstream in(canon, std::ios::binary);
  if (!in) return name;
  std::string head(heading_scan_bytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  auto heading = gemtext::first_heading(head);
  return heading && !heading->empty() ? *heading : name;
}

resolution resolve_directory(const route_path& path, const guard& rules, const fs::path& dir,
                             const fs::path& cert_dir) {
  const auto& host = *path.host;
  // Without the slash, relative links on the page would resolve one level up.
  if (!path.path.trailing_slash && !path.path.segments.empty()) {
    return route_redirect{gemini::status::redirect_permanent,
                          percent_encode_path(path.url_path + "/")};
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
  return serve_generated{"text/gemini", generate_index(dir, path.url_path, host, cert_dir), dir};
}

}  // namespace

resolution resolve_on_disk(const route_path& path, const fs::path& cert_dir) {
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
      return resolve_directory(path, rules, found.canon, cert_dir);
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

std::string generate_index(const fs::path& directory, std::string_view url_path,
                           const host_config& host) {
  return generate_index(directory, url_path, host, {});
}

std::string generate_index(const fs::path& directory, std::string_view url_path,
                           const host_config& host, const fs::path& cert_dir) {
  std::string body = "# Index of " + printable(url_path) + "\n\n";
  if (url_path != "/") body += "=> ../ ..\n";

  auto root = canonical_or_empty(host.root);
  if (root.empty()) return body;
  const guard rules(host, std::move(root), cert_dir);

  std::vector<std::string> directories;
  std::vector<std::pair<std::string, fs::path>> files;
  std::error_code ec;
  for (fs::directory_iterator it(directory, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    auto name = it->path().filename().string();
    if (is_dotfile(name)) continue;
    auto found = inspect(rules, it->path());
    if (found.kind == entry_kind::directory) directories.push_back(std::move(name));
    if (found.kind == entry_kind::file) files.emplace_back(std::move(name), std::move(found.canon));
  }
  // std::string compares as unsigned bytes, so the order is locale-free.
  std::sort(directories.begin(), directories.end());
  std::sort(files.begin(), files.end());

  for (const auto& name : directories) {
    body += "=> " + percent_encode_path(name) + "/ " + printable(name) + "/\n";
  }
  for (const auto& [name, canon] : files) {
    body += "=> " + percent_encode_path(name) + " " + printable(label_for_file(canon, name, host)) +
            "\n";
  }
  return body;
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
  const path_rule* rule = matching_rule(host, url_path, [](const path_rule& r) { return r.listing.has_value(); });
  return rule != nullptr ? *rule->listing : host.listing;
}

bool wants_client_certificates(const host_config& host) {
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

}  // namespace twinstar
