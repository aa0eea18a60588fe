#pragma once
// Dynamic content, the pure part: which [[host.cgi]] / [[host.scgi]] rule
// answers a path, SCRIPT_NAME / PATH_INFO, the CGI environment (Jetforce's
// names, RFC 3875 where it applies), the program's Gemini header, and the
// SCGI request. Running programs and talking to sockets is src/net/cgi_runner.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "twinstar/config.hpp"

namespace twinstar::cgi {

// A program's header line: "NN META" + CRLF (a bare LF is taken too), with
// META at most 1024 bytes (Gemini spec, section 3.1). Anything longer is a
// 42 CGI error: the server stops reading there.
inline constexpr std::size_t max_meta_bytes = 1024;
inline constexpr std::size_t max_header_bytes = 2 + 1 + max_meta_bytes + 2;
// After SIGTERM, how long the process group has before SIGKILL.
inline constexpr std::chrono::milliseconds kill_grace{1000};

// The rule a path falls under: exactly one of the pointers is set.
struct dynamic_route {
  const cgi_rule* cgi = nullptr;
  const scgi_rule* scgi = nullptr;
};

// The longest [[host.cgi]] / [[host.scgi]] path that `url_path` (decoded,
// leading '/') falls under; nullopt when none. A CGI path ("/cgi-bin/")
// takes what starts with it; an SCGI path "/app" takes "/app" and "/app/..."
// (not "/apple"), "/app/" what starts with it.
std::optional<dynamic_route> match(const host_config& host, std::string_view url_path);

// Where a CGI request leads: the script file and the CGI split of the path.
struct script_location {
  std::filesystem::path file;  // inside rule.dir
  std::string script_name;     // "/cgi-bin/hello"
  std::string path_info;       // "/extra/path" or ""
};

// Splits `url_path` (under rule.path) at the shortest run of segments that
// names a script, as Jetforce does (RFC 3875 4.1.5): "/cgi-bin/a/b/c" with
// a script "a" is SCRIPT_NAME "/cgi-bin/a", PATH_INFO "/b/c". `is_script`
// says whether a file is an executable regular file (the disk side).
// Dot segments never name a script. nullopt: no script on the path (51).
std::optional<script_location> locate_script(
    const cgi_rule& rule, std::string_view url_path,
    const std::function<bool(const std::filesystem::path&)>& is_script);

// What the client's certificate says, for the TLS_CLIENT_* variables.
struct client_certificate_info {
  std::string common_name;  // REMOTE_USER ("" when the subject has no CN)
  std::string fingerprint;  // "SHA256:<hex>" as tls::fingerprint gives it
  std::string not_before;   // "2026-12-05T02:00:00Z"
  std::string not_after;
  std::string serial_number;  // decimal
};

// Everything a request contributes to the environment.
struct request_info {
  std::string url;          // the request line as received: GEMINI_URL
  std::string server_name;  // the host the request names: SERVER_NAME, HOSTNAME
  std::uint16_t server_port = 0;
  std::string remote_addr;  // the client's address, no port
  std::string query;        // raw (still percent-encoded): QUERY_STRING
  std::string script_name;
  std::string path_info;
  std::string script_filename;  // CGI only: SCRIPT_FILENAME
  std::string tls_version, tls_cipher;
  std::optional<client_certificate_info> certificate;
};

using environment = std::vector<std::pair<std::string, std::string>>;

// The variables, in a fixed order: GATEWAY_INTERFACE=CGI/1.1,
// SERVER_PROTOCOL=GEMINI, SERVER_SOFTWARE, SERVER_NAME, SERVER_PORT,
// REMOTE_ADDR, REMOTE_HOST (the address: no DNS lookups), QUERY_STRING,
// PATH_INFO, SCRIPT_NAME, GEMINI_URL, HOSTNAME, TLS_VERSION, TLS_CIPHER and,
// with a certificate, AUTH_TYPE=CERTIFICATE, REMOTE_USER, TLS_CLIENT_HASH
// ("SHA256:" + upper-case hex, as Jetforce), TLS_CLIENT_HASH_B64 (URL-safe
// base64 of the digest), TLS_CLIENT_NOT_BEFORE, TLS_CLIENT_NOT_AFTER,
// TLS_CLIENT_SERIAL_NUMBER. PATH is set for `#!/usr/bin/env` scripts.
// Values with control characters never occur: the request line has none.
environment build_environment(const request_info& request, std::string_view server_software);

// "KEY=value" strings for execve.
std::vector<std::string> environment_strings(const environment& env);

// Jetforce's TLS_CLIENT_HASH from tls::fingerprint's "SHA256:<lower hex>".
std::string jetforce_hash(std::string_view fingerprint);
// URL-safe base64 (with padding) of the digest in `fingerprint`.
std::string jetforce_hash_b64(std::string_view fingerprint);

// The program's header, read so far.
enum class header_state { need_more, complete, bad };
struct parsed_header {
  header_state state = header_state::need_more;
  int status = 0;  // 10..69, first digit 1-6
  std::string meta;
  std::size_t consumed = 0;  // bytes of `received` up to and including the LF
  std::string problem;       // why it is bad, for the log
};
// Looks for the header line in the first bytes a program wrote. `eof`:
// nothing more will come (then a missing line is bad). Bad: no line within
// max_header_bytes, no line at all, a status that is not two digits with a
// first digit 1-6, no space after it, a control character in META.
parsed_header parse_header(std::string_view received, bool eof);

// "<len>:<bytes>," (the netstring of djb, which SCGI uses).
std::string netstring(std::string_view bytes);
// An SCGI request with no body: the netstring of the headers
// ("CONTENT_LENGTH\0" "0\0" "SCGI\0" "1\0" then `env`), per the SCGI spec
// (python.ca/scgi/protocol.txt); CONTENT_LENGTH in `env` is skipped.
std::string scgi_request(const environment& env);

}  // namespace twinstar::cgi
