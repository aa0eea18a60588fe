#pragma once
// URI parsing for requests (RFC 3986 subset needed by Gemini and Gopher).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/error.hpp"
#include "twinstar/result.hpp"

namespace twinstar {

struct url {
  std::string scheme;  // lower-cased
  std::string host;    // lower-cased; IPv6 without brackets
  std::optional<std::uint16_t> port;
  std::string path;                  // as sent (percent-encoded); "/" when empty
  std::optional<std::string> query;  // as sent, without '?'

  // scheme://host[:port]path[?query], IPv6 hosts bracketed.
  std::string to_string() const;
};

// Parse an absolute URI as a Gemini request target.
// Errors (all 59 on Gemini): relative_uri (no scheme / no authority),
// userinfo, fragment, bad_host, bad_port, bad_percent_encoding (malformed
// %XX anywhere), control_character (bytes < 0x20, 0x7f, spaces), not_utf8.
result<url, error> parse_url(std::string_view text);

// Decode %XX escapes. Errors: bad_percent_encoding for a truncated or non-hex
// escape. Does not validate UTF-8.
result<std::string, error> percent_decode(std::string_view text);

// Percent-encode everything outside RFC 3986 unreserved + "/" (for paths).
std::string percent_encode_path(std::string_view text);

bool is_valid_utf8(std::string_view text);

// Split a request path into decoded segments, rejecting every spelling that
// could leave the root: ".." segments (also encoded or double-encoded),
// encoded '/' or '\\' inside a segment (%2f, %5c), NUL, backslashes.
// "." and empty segments are dropped. `trailing_slash` reports whether the
// path ended with '/'. Errors: forbidden_path, bad_percent_encoding, not_utf8.
struct path_segments {
  std::vector<std::string> segments;
  bool trailing_slash = false;
  std::string joined() const;  // "a/b/c" (no leading slash)
};
result<path_segments, error> split_path(std::string_view raw_path);

}  // namespace twinstar
