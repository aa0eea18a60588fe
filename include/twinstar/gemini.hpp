#pragma once
// Gemini protocol pieces: status codes, request framing, header formatting.
// Spec: Gemini network protocol specification v0.24 (geminiprotocol.net/docs/protocol-specification.gmi).
#include <cstddef>
#include <string>
#include <string_view>

namespace twinstar::gemini {

inline constexpr std::size_t max_request_bytes = 1024;  // URI only, CRLF excluded
inline constexpr std::size_t max_meta_bytes = 1024;
inline constexpr unsigned short default_port = 1965;

enum class status : int {
  input = 10,
  sensitive_input = 11,
  success = 20,
  redirect_temporary = 30,
  redirect_permanent = 31,
  temporary_failure = 40,
  server_unavailable = 41,
  cgi_error = 42,
  proxy_error = 43,
  slow_down = 44,
  permanent_failure = 50,
  not_found = 51,
  gone = 52,
  proxy_request_refused = 53,
  bad_request = 59,
  client_certificate_required = 60,
  certificate_not_authorised = 61,
  certificate_not_valid = 62,
};

inline int code(status s) { return static_cast<int>(s); }

// "SS meta\r\n". Meta is truncated to max_meta_bytes on a UTF-8 boundary and
// stripped of CR/LF so a header can never be split.
std::string format_header(status s, std::string_view meta);

// Where the request line ends within the bytes received so far:
//  - complete: `line` is the URI without CRLF;
//  - need_more: no CRLF yet and still within the limit;
//  - bare_lf: a LF not preceded by CR (59);
//  - too_long: more than max_request_bytes before CRLF (59).
enum class frame_state { complete, need_more, bare_lf, too_long };
struct frame {
  frame_state state;
  std::string_view line;
};
frame find_request_line(std::string_view received);

}  // namespace twinstar::gemini
