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
#include "twinstar/proxy_protocol.hpp"
#include "twinstar/result.hpp"

namespace twinstar {

// Where a value was written in the config file (0:0 when it came from code
// or from a command-line flag).
struct config_location {
  int line = 0;
  int column = 0;
};

struct listen_address {
  std::string host;  // "127.0.0.1", "::1", "0.0.0.0", "::" (no brackets)
  std::uint16_t port = 0;
  config_location at{};  // where it was written
  // A load balancer in front sends a PROXY header first (the table form
  // { address = "...", proxy_protocol = "v2" }); none: plain clients.
  proxy_version proxy_protocol = proxy_version::none;
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
  std::string path;                 // decoded URL path of the directory: "/news/"
  std::string title;                // the index's "# " heading and the Atom <title>
  std::string author = {};          // Atom <author><name>; "" = the host name
  std::size_t latest = 5;           // N of a "{{latest /news/}}" marker
  std::size_t summary_chars = 300;  // Atom summaries; 0 = none
  config_location at{};             // where `path` was written
};

// [[host.cgi]]: URL paths under `path` run the executable files of `dir`
// as CGI programs (see cgi.hpp); [[host.scgi]]: they are passed to the SCGI
// application listening on the unix socket `socket`. Longest path wins, and
// a dynamic path is never served from the disk.
struct cgi_rule {
  std::string path;                           // "/cgi-bin/": directory-shaped
  std::filesystem::path dir;                  // the scripts; default: the directory at `path` in the root
  std::chrono::milliseconds timeout{10'000};  // whole run, then the process group is killed
  config_location at{};                       // where `path` was written
  config_location dir_at{};                   // where `dir` was written (0:0: derived)
};
struct scgi_rule {
  std::string path;  // "/app" or "/app/": the path itself and everything below it
  std::filesystem::path socket;
  std::chrono::milliseconds timeout{10'000};
  config_location at{};
};

// Where Titan uploads are accepted ([[host.titan]], see titan.hpp): files
// under `prefix`, sent with a client certificate whose SHA-256 fingerprint
// is in `allowed` ("SHA256:<hex>", at least one), and the token when one is
// set. A path under several prefixes takes the longest.
inline constexpr std::size_t default_titan_max_size = 1u << 20;
inline constexpr std::size_t max_titan_max_size = 1u << 30;
struct titan_rule {
  std::string prefix;                // decoded directory path: "/news/"
  std::vector<std::string> allowed;  // "SHA256:<hex>"
  std::optional<std::string> token{};
  std::size_t max_size = default_titan_max_size;                // bytes, 1 to max_titan_max_size
  std::vector<std::string> mimes{"text/gemini", "text/plain"};  // lower-cased types
  bool allow_delete = false;                                    // size=0 removes the file
  config_location at{};                                         // where `prefix` was written
};

// Entries a generated directory listing shows at most (Gemini index page and
// Gopher menu alike); the rest are counted in a note line.
inline constexpr std::size_t default_max_listing_entries = 1000;
inline constexpr std::size_t max_max_listing_entries = 100'000;

// [server] max_cgi: each CGI run is a process (and SCGI ones hold an
// application's connection), so the default leaves room for a small
// machine; no cap at all is not offered.
inline constexpr std::size_t default_max_cgi = 16;
inline constexpr std::size_t max_max_cgi = 4096;

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
  std::map<std::string, std::string> mime_overrides;              // ext (no dot) -> type
  std::vector<redirect_rule> redirects;
  std::vector<std::string> gone;  // exact paths answered with 52
  std::vector<path_rule> paths;
  bool gopher = true;
  std::string gopher_host;        // written in menus; "" = name
  std::uint16_t gopher_port = 0;  // written in menus; 0 = the listening port
  // This host's own Gopher listeners (Gopher has no virtual hosting: one
  // host per address). [server] gopher_listen serves the first Gopher host.
  std::vector<listen_address> gopher_listen;
  std::vector<feed_config> feeds;       // [[host.feed]], distinct paths
  std::vector<cgi_rule> cgi;            // [[host.cgi]], distinct paths
  std::vector<scgi_rule> scgi;          // [[host.scgi]], distinct paths (from each other and from cgi)
  std::vector<titan_rule> titan;        // [[host.titan]], distinct prefixes
  config_location root_at{};            // where `root` was written
  config_location cert_at{}, key_at{};  // where `cert` / `key` were written (0:0: derived from cert_dir)
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

// Access log line layouts ([server] access_log_style).
//  twinstar: "TIME CLIENT PROTOCOL HOST PATH STATUS BYTES DURATIONus"
//  common:   NCSA Common Log Format, `CLIENT - - [TIME] "GET PATH PROTOCOL" STATUS BYTES`
//            (Gopher answers count as 20, Gopher errors as 51), for log analysers
//  combined: common plus `"-" "-" HOST DURATION` (no referer or agent exists)
//  json:     one JSON object per line
enum class log_style { twinstar, common, combined, json };
// How much of a client address logs keep ([server] log_ip): all of it, its
// network (IPv4 /24, IPv6 /48, no port), or nothing ("-"). Agate's option.
enum class ip_logging { full, truncated, none };

struct server_config {
  std::vector<listen_address> listen;         // Gemini (TLS)
  std::vector<listen_address> gopher_listen;  // Gopher (plain TCP)
  std::filesystem::path cert_dir = "certs";
  std::string access_log = "-";  // "-" stdout, "off", or a file path
  log_style access_log_style = log_style::twinstar;
  ip_logging log_ip = ip_logging::full;
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds shutdown_grace{5'000};
  unsigned workers = 1;
  std::vector<host_config> hosts;  // the first is the default host
  std::vector<mirror_config> mirrors;
  // Hardening ([server] and [server.rate_limit]).
  std::chrono::milliseconds handshake_timeout{10'000};  // TCP accept -> TLS established
  std::chrono::milliseconds write_timeout{10'000};      // a reader taking no bytes is dropped
  // bytes/s: a reader more than write_timeout behind it is dropped, and a
  // response may take write_timeout + size/rate in all
  std::size_t min_write_rate = 8 * 1024;
  std::size_t max_connections = 1024;  // open at once, all clients; 0 = no cap
  std::size_t max_connections_per_ip = 32;
  // CGI programs and SCGI requests running at once, server-wide
  // (1 to max_max_cgi); past it a dynamic request is answered 41 at once.
  std::size_t max_cgi = default_max_cgi;
  rate_limit_config rate_limit;  // per client address; per_second 0 = off
  // Where this configuration came from (load_config: the file's name; empty
  // when built in code), so that later checks can say file:line:column.
  std::string source;
  config_location access_log_at{};
  // Started as root: the account to serve as once the listeners are bound
  // and certificates generated ("" = none; then root is refused unless
  // allow_root). `group` defaults to the user's primary group.
  std::string user;
  std::string group;
  bool allow_root = false;
  config_location user_at{};   // where `user` was written
  config_location group_at{};  // where `group` was written
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

// The checks against the disk that start-up, --check-config and reload all
// make: every host's root exists, is a directory and can be listed, and so
// does every [[host.feed]] directory inside it (errors at the key, with the
// errno's words; a root starting with '~' is pointed out, since no shell
// expands it), and the `user` and `group` accounts exist (errors at their
// keys). Empty when all is well.
std::vector<config_error> check_on_disk(const server_config& config, std::string_view file_name);

// A config_error at `at` in config.source ("command line" when it has none).
config_error error_in(const server_config& config, config_location at, std::string message);

}  // namespace twinstar
