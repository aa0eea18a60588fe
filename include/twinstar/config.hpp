#pragma once
// TOML configuration -> typed, validated config. Every problem is reported at
// once as file:line:column: message, unknown keys included.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/limits.hpp"
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
  // Client certificates (Gemini): required under this prefix (60 without
  // one); when `allowed` is non-empty only those SHA-256 fingerprints
  // ("SHA256:<hex>") pass (61 for others).
  std::optional<bool> require_certificate{};
  std::vector<std::string> allowed{};
};

// A directory served as a news feed ([[host.feed]]): without an index file
// it gets a generated index of its dated articles, and <path>atom.xml is an
// Atom feed of them (see feed.hpp).
struct feed_config {
  std::string path;    // decoded URL path of the directory: "/news/"
  std::string title;   // the index's "# " heading and the Atom <title>
  std::string author = {};  // Atom <author><name>; "" = the host name
  std::size_t latest = 5;           // N of a "{{latest /news/}}" marker
  std::size_t summary_chars = 300;  // Atom summaries; 0 = none
};

// Entries a generated directory listing shows at most (Gemini index page and
// Gopher menu alike); the rest are counted in a note line.
inline constexpr std::size_t default_max_listing_entries = 1000;
inline constexpr std::size_t max_max_listing_entries = 100'000;

struct host_config {
  std::string name;  // lower-cased
  std::vector<std::string> aliases;
  std::filesystem::path root;
  std::filesystem::path cert;
  std::filesystem::path key;
  std::string lang;  // "" = none
  std::vector<std::string> index_files{"index.gmi"};
  bool listing = true;
  std::size_t max_listing_entries = default_max_listing_entries;  // 1 to max_max_listing_entries
  std::map<std::string, std::string> mime_overrides;  // ext (no dot) -> type
  std::vector<redirect_rule> redirects;
  std::vector<std::string> gone;  // exact paths answered with 52
  std::vector<path_rule> paths;
  bool gopher = true;
  std::string gopher_host;         // written in menus; "" = name
  std::uint16_t gopher_port = 0;   // written in menus; 0 = the listening port
  // This host's own Gopher listeners (Gopher has no virtual hosting: one
  // host per address). [server] gopher_listen serves the first Gopher host.
  std::vector<listen_address> gopher_listen;
  std::vector<feed_config> feeds;  // [[host.feed]], distinct paths
};

// One feed polled by `twinstar mirror` (and by `serve` when wired in), from a
// [[mirror]] table. Titles are filtered before max_items is applied.
struct mirror_config {
  std::string url;                      // http:// or https:// feed URL
  std::filesystem::path into;           // target directory, e.g. capsule/news
  std::chrono::seconds interval{3600};  // between polls, also after a failure
  std::size_t max_items = 50;           // newest items (document order) taken per poll
  // Case-insensitive substrings of the item title: when `include` is not
  // empty a title must contain one of them; it must contain none of `exclude`.
  std::vector<std::string> include, exclude;
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
  std::vector<mirror_config> mirrors;
  // Hardening ([server] and [server.rate_limit]).
  std::chrono::milliseconds handshake_timeout{10'000};  // TCP accept -> TLS established
  std::chrono::milliseconds write_timeout{10'000};      // a reader making no progress is dropped
  std::size_t min_write_rate = 8 * 1024;  // bytes/s: a response may take write_timeout + size/rate in all
  std::size_t max_connections = 1024;     // open at once, all clients; 0 = no cap
  std::size_t max_connections_per_ip = 32;
  rate_limit_config rate_limit;           // per client address; per_second 0 = off
};

struct config_error {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
  std::string to_string() const;  // "file:line:column: message"
};

using config_result = result<server_config, std::vector<config_error>>;

// Parse config text. Relative paths (root, cert, key, cert_dir, access_log, mirror into)
// are resolved against `base_dir`. Never throws.
config_result parse_config(std::string_view text, std::string_view file_name,
                           const std::filesystem::path& base_dir);

// Read and parse a file; a missing/unreadable file is a single error at 0:0.
config_result load_config(const std::filesystem::path& file);

// Checks that need no file access beyond the config itself: duplicate host
// names, hosts without root, no listener. Used by parse_config too.
std::vector<config_error> validate(const server_config& config, std::string_view file_name);

}  // namespace twinstar
