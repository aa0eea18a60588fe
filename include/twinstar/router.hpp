#pragma once
// Router: host + URL -> what to do. Pure string work: host lookup, scheme and
// port checks, redirects, gone paths, and lexical containment of the path.
// The disk side (stat, index pages, symlinks) is capsule.hpp.
#include <cstdint>
#include <string>
#include <variant>

#include "twinstar/config.hpp"
#include "twinstar/error.hpp"
#include "twinstar/url.hpp"

namespace twinstar {

struct route_redirect {
  gemini::status code;  // redirect_temporary or redirect_permanent
  std::string target;
};

// A path inside a host's root, already decoded and free of "..".
struct route_path {
  const host_config* host;
  path_segments path;
  std::string url_path;  // the decoded request path, with leading '/'
};

using route = std::variant<route_path, route_redirect, error>;

class router {
 public:
  explicit router(const server_config& config);

  // Decide a Gemini request that arrived on `local_ip`:`local_port`.
  // 53 (wrong_scheme / unknown_host / wrong_port) for requests meant for
  // another server; 52 for gone paths; 30/31 for configured redirects;
  // forbidden_path for traversal spellings. A host that is an IP literal
  // equal to `local_ip` (the address the client reached) is the default host.
  route resolve_gemini(const url& request, std::uint16_t local_port, std::string_view local_ip = {}) const;

  // Decode a path for a known host (shared with Gopher): redirects are not
  // applied, gone paths are.
  route resolve_path(const host_config& host, std::string_view raw_path) const;
  // The same with the host's [[host.redirect]] rules applied first (Gemini
  // and Gopher both honour them).
  route resolve_redirecting(const host_config& host, std::string_view raw_path) const;

  // Host by name or alias (case-insensitive); nullptr when unknown.
  const host_config* find_host(std::string_view name) const;
  const host_config& default_host() const;

 private:
  const server_config& config_;
  host_config no_host_;  // default_host() of a config without hosts: serves nothing
};

}  // namespace twinstar
