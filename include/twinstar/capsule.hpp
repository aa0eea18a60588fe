#pragma once
// The disk side of routing: a decoded path inside a host's root becomes a
// file to send, a generated index page, a directory redirect or an error.
// No sockets. Symlinks that leave the root are not followed; dotfiles and the
// host's key/cert files are never served.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "twinstar/config.hpp"
#include "twinstar/error.hpp"
#include "twinstar/router.hpp"

namespace twinstar {

struct listing;
class listing_cache;

struct serve_file {
  std::filesystem::path file;  // canonical, inside the root
  std::string mime;            // bare type, e.g. "text/gemini"
  std::uintmax_t size = 0;
};

struct serve_generated {
  std::string mime;  // "text/gemini"
  std::string body;
  std::filesystem::path directory;  // the directory it lists
  // Set instead of `body` when the body is cached and shared (a feed index of
  // 10,000 articles is ~1 MB: copied per request it costs more than sending
  // a file). Read the body through text().
  std::shared_ptr<const std::string> shared = nullptr;
  // Besides `directory`, what it was built from (an index page, the feed
  // directories its {{latest}} lines list): answer caches watch them all.
  std::vector<std::filesystem::path> sources = {};
  // A generated directory listing (listing.hpp), which `shared` points into.
  std::shared_ptr<const listing> listed = nullptr;
  const std::string& text() const { return shared ? *shared : body; }
};

using resolution = std::variant<serve_file, serve_generated, route_redirect, error>;

// Resolve a route_path on disk. Directories requested without the trailing
// slash give 31 to the slash form; with it, the first index file present,
// else a generated index (unless listing is off for that host/path: 51),
// capped at host.max_listing_entries (listing.hpp). With `listings` the
// generated index comes from that cache (as serve_generated::shared and
// ::listed); without, it is built for this call.
resolution resolve_on_disk(const route_path& path, const std::filesystem::path& cert_dir = {},
                           listing_cache* listings = nullptr);

// resolve_on_disk for a page or menu that only links to `path`: a directory
// that would get a generated index is not read; it answers serve_generated
// with no body (and no `listed`). Everything else as resolve_on_disk.
resolution probe_on_disk(const route_path& path, const std::filesystem::path& cert_dir = {});

// The first `limit` bytes of a file (all of a shorter one); nullopt when it
// cannot be opened. For pages read whole: answers, menus, index pages.
std::optional<std::string> read_file_prefix(const std::filesystem::path& file, std::uintmax_t limit);

// The generated index page of a directory (gemtext): build_listing's page
// (listing.hpp): "# Index of /path/", a ".." link except at the root,
// directories first then files, each sorted by name, at most
// host.max_listing_entries of them; .gmi entries labelled with their first
// heading; dotfiles and the host's key/cert files omitted.
std::string generate_index(const std::filesystem::path& directory, std::string_view url_path,
                           const host_config& host);
// The same, also omitting entries inside `cert_dir` (the server's certificate
// directory, when it lies inside a capsule). resolve_on_disk uses this one.
std::string generate_index(const std::filesystem::path& directory, std::string_view url_path,
                           const host_config& host, const std::filesystem::path& cert_dir);

// Whether listing is allowed at url_path (host setting, overridden by the
// longest matching [[host.path]] rule).
bool listing_allowed(const host_config& host, std::string_view url_path);

// The longest [[host.path]] rule whose prefix covers url_path among those
// for which `applies` is true; nullptr when none.
const path_rule* matching_rule(const host_config& host, std::string_view url_path,
                               bool (*applies)(const path_rule&));

// What the TLS layer learned of a client certificate.
struct client_certificate {
  std::string fingerprint;  // "SHA256:<hex>"
  bool time_valid = true;   // within notBefore..notAfter
};

// Whether any path rule of the host asks for client certificates, or the
// host runs CGI/SCGI programs (which are told of one), or accepts Titan
// uploads (authorised by certificate): the TLS layer then requests one
// during the handshake.
bool wants_client_certificates(const host_config& host);

// Gemini 6x decisions for url_path, from the longest matching rule with
// require_certificate set: none -> certificate_required (60); expired or not
// yet valid -> certificate_not_valid (62); fingerprint not in `allowed` (when
// given) -> certificate_not_authorised (61). nullopt = may proceed.
//
// `resolved`, when given, is what the request resolved to on disk (a file or
// directory, canonical or not). The rules then also apply by location: a rule
// covers every path whose canonical form lies inside the canonical form of
// root/prefix, so a symlink elsewhere in the root that points into a
// protected directory is protected too (and a protected prefix that is itself
// a symlink protects its target). Both decisions must pass.
std::optional<error> check_client_certificate(const host_config& host, std::string_view url_path,
                                              const client_certificate* cert,
                                              const std::filesystem::path& resolved = {});

// Whether a request for url_path (resolved to `resolved`, see above) needs a
// client certificate. Gopher has none: such paths are refused there and left
// out of its menus.
bool certificate_protected(const host_config& host, std::string_view url_path,
                           const std::filesystem::path& resolved = {});

// Whether `candidate` (canonical) lies inside `root` (canonical).
bool inside_root(const std::filesystem::path& root, const std::filesystem::path& candidate);

}  // namespace twinstar
