#pragma once
// The client harness: Gemini over TLS and Gopher over TCP, used by
// `twinstar get`, `check`, `bench` and by the tests. It sends exactly the
// bytes it is given, so it can also send malformed requests on purpose.
#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "twinstar/result.hpp"

namespace twinstar::client {

struct options {
  std::string connect_host;        // where to connect (default: the URL's host)
  std::uint16_t connect_port = 0;  // default: the URL's port or the scheme's default
  std::optional<std::string> sni;  // default: the URL's host (none for IP literals); "" = send none
  int min_tls = TLS1_2_VERSION;
  int max_tls = 0;                            // 0 = highest
  std::filesystem::path cert_file, key_file;  // client certificate
  std::chrono::milliseconds timeout{10'000};  // whole exchange
  std::size_t max_body = 64u << 20;           // stop reading past this
  // Bytes sent on the TCP connection before anything else (before the TLS
  // handshake): a PROXY protocol header, as a load balancer would send it.
  std::string preamble;
};

struct gemini_reply {
  std::string raw_header;  // bytes up to and including the first LF
  int status = 0;          // 0 when the header could not be parsed
  std::string meta;
  bool header_well_formed = false;  // "DD meta\r\n", meta <= 1024 bytes
  std::string body;
  bool close_notify = false;     // the server ended with a TLS close_notify
  std::string tls_version;       // "TLSv1.3"
  std::string peer_fingerprint;  // "SHA256:..."
  std::string peer_subject;      // the certificate's CN
  std::chrono::microseconds elapsed{0};
};

// Errors are human-readable messages (connect, handshake, timeout).
using gemini_result = result<gemini_reply, std::string>;

// Connect to host:port with TLS and send `request` verbatim (include the CRLF).
gemini_result send_gemini(const std::string& host, std::uint16_t port, std::string_view request,
                          const options& opt);

// Fetch a gemini:// URL (sends "URL\r\n").
gemini_result fetch_gemini(std::string_view url, const options& opt);

// A Titan request line (no CRLF): `url` (titan://host[:port]/path, without
// parameters) + ";size=N", then ";mime=M" and ";token=T" when not empty,
// their ';', '=' and other reserved bytes percent-encoded.
std::string titan_request_line(std::string_view url, std::uint64_t size, std::string_view mime,
                               std::string_view token);

// A Titan upload (gemini://transjovian.org/titan): that line, CRLF, `body`;
// the server's Gemini reply (30 with the gemini:// URL on success). An empty
// body asks the server to delete the resource.
gemini_result upload_titan(std::string_view url, std::string_view body, std::string_view mime,
                           std::string_view token, const options& opt);

// Only the TLS handshake: the negotiated version, or an error (used to check
// that old versions are refused).
result<std::string, std::string> probe_tls(const std::string& host, std::uint16_t port, const options& opt);

struct gopher_reply {
  std::string body;  // everything until the server closed
  std::chrono::microseconds elapsed{0};
};
using gopher_result = result<gopher_reply, std::string>;

// Connect over plain TCP, send `request` verbatim, read until EOF.
gopher_result send_gopher(const std::string& host, std::uint16_t port, std::string_view request,
                          const options& opt);

}  // namespace twinstar::client
