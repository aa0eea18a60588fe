#pragma once
// Titan uploads, the pure part: request parsing, the authorisation decision
// and where an upload lands in the capsule. No sockets (the network side is
// src/net/titan_upload.cpp).
//
// Spec: "The Titan Specification", gemini://transjovian.org/titan/page/The%20Titan%20Specification.
// The client sends `titan://host[:port]/path;size=N[;mime=M][;token=T]` +
// CRLF on a Gemini TLS connection, then exactly N bytes, and gets a Gemini
// status line back. Parameters follow the path after ';' (they are not a
// query); size is required, mime defaults to text/gemini, size=0 deletes.
//
// Every refusal is a value shaped like the reply it becomes (gemini_reply):
//  59 bad request   malformed line or parameters, a query, a directory path,
//                   a path outside any [[host.titan]] prefix is 61 instead;
//  53               another host or port (as for Gemini);
//  51 not found     traversal or dot-file spellings (as for Gemini), a
//                   missing target directory, deleting what is not there;
//  60 / 61 / 62     no certificate / a fingerprint not allowed (or no rule
//                   covers the path, or a token mismatch) / an expired one;
//  50               over max_size, a MIME type not allowed, delete refused.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "twinstar/capsule.hpp"
#include "twinstar/config.hpp"
#include "twinstar/error.hpp"
#include "twinstar/result.hpp"
#include "twinstar/url.hpp"

namespace twinstar::titan {

inline constexpr std::string_view default_mime = "text/gemini";
// Longest size value accepted (digits): 2^64 has 20.
inline constexpr std::size_t max_size_digits = 19;

struct request {
  url target;                        // scheme "titan", path without the parameters
  std::uint64_t size = 0;            // bytes that follow the CRLF; 0 = delete
  std::string mime{default_mime};    // lower-cased type, parameters (charset) dropped
  std::optional<std::string> token;  // percent-decoded
};

// Whether a request line is a Titan one (scheme "titan", any case), so the
// Gemini session hands it to the upload path.
bool is_titan(std::string_view line);

// Parses a Titan request line (CRLF excluded). Errors are 59 replies: not a
// titan:// URL, a query or fragment, a size missing, repeated, not a decimal
// number or longer than max_size_digits, an unknown or repeated parameter,
// an empty mime or one with control characters.
result<request, gemini_reply> parse_request(std::string_view line);

// Where an accepted upload goes.
struct target {
  const titan_rule* rule = nullptr;  // the longest matching [[host.titan]] prefix
  std::string url_path;              // decoded "/news/a.gmi"
  std::string relative;              // "news/a.gmi", to join under the host's root
};

// Decides an upload to `host` (already matched by name and port). Checks in
// this order, each with the status of the table above: the path (split_path:
// no traversal; not a directory; no dot-file segment); the rule covering it
// (none -> 61); the client certificate (60 / 62 / 61); the token (61); size
// against max_size (50); delete allowed (50); mime allowed (50).
result<target, gemini_reply> authorise(const host_config& host, const request& req,
                                       const client_certificate* cert);

// The file `relative` would be written to under `root`, when its directory
// exists, is a directory and lies (symlinks resolved) inside both the root
// and the rule's prefix directory; else a 51 reply. Disk access (stat and
// canonical), no writes.
result<std::filesystem::path, gemini_reply> locate(const std::filesystem::path& root, const target& where);

// The gemini:// URL a successful upload redirects to (30): same host, the
// port unless it is 1965, the path percent-encoded.
std::string gemini_url(const url& titan_target, std::string_view url_path);

}  // namespace twinstar::titan
