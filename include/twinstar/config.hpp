#pragma once
// TOML configuration -> typed, validated config. Every problem is reported at
// once as file:line:column: message, unknown keys included.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/result.hpp"

namespace twinstar {

struct listen_address {
  std::string host;  // "127.0.0.1", "::1", "0.0.0.0", "::" (no brackets)
  std::uint16_t port = 0;
  std::string to_string() const;  // "127.0.0.1:1965" / "[::1]:1965"
};

// "HOST:PORT", "[V6]:PORT"; nullopt when malformed.
std::optional<listen_address> parse_listen_address(std::string_view text);

struct redirect_rule {
  std::string from;       // request path, e.g. "/old" or "/old/" (prefix)
  std::string to;         // target URI reference
  bool prefix = false;    // from matches a path prefix; the rest is appended to `to`
  bool permanent = true;  // 31, else 30
};

// Per-path rules, like gmid's `location`. Longest matching prefix wins.
struct path_rule {
  std::string prefix;           // "/private/"
  std::optional<bool> listing;  // overrides the host's listing
};

struct host_config {
  std::string name;  // lower-cased
  std::vector<std::string> aliases;
  std::filesystem::path root;
  std::filesystem::path cert;
  std::filesystem::path key;
  std::string lang;  // "" = none
  std::vector<std::string> index_files{"index.gmi"};
  bool listing = true;
  std::map<std::string, std::string> mime_overrides;  // ext (no dot) -> type
  std::vector<redirect_rule> redirects;
  std::vector<std::string> gone;  // exact paths answered with 52
  std::vector<path_rule> paths;
  bool gopher = true;
  std::string gopher_host;         // written in menus; "" = name
  std::uint16_t gopher_port = 0;   // written in menus; 0 = the listening port
};

struct server_config {
  std::vector<listen_address> listen;         // Gemini (TLS)
  std::vector<listen_address> gopher_listen;  // Gopher (plain TCP)
  std::filesystem::path cert_dir = "certs";
  std::string access_log = "-";  // "-" stdout, "off", or a file path
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds shutdown_grace{5'000};
  unsigned workers = 1;
  std::vector<host_config> hosts;  // the first is the default host
};

struct config_error {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
  std::string to_string() const;  // "file:line:column: message"
};

using config_result = result<server_config, std::vector<config_error>>;

// Parse config text. Relative paths (root, cert, key, cert_dir, access_log)
// are resolved against `base_dir`. Never throws.
config_result parse_config(std::string_view text, std::string_view file_name,
                           const std::filesystem::path& base_dir);

// Read and parse a file; a missing/unreadable file is a single error at 0:0.
config_result load_config(const std::filesystem::path& file);

// Checks that need no file access beyond the config itself: duplicate host
// names, hosts without root, no listener. Used by parse_config too.
std::vector<config_error> validate(const server_config& config, std::string_view file_name);

}  // namespace twinstar
