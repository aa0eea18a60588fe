#pragma once
// Error kinds shared by the pure core. Each kind maps to a Gemini status and a
// Gopher error item in exactly one place (error.cpp).
#include <string>
#include <string_view>

#include "twinstar/gemini.hpp"

namespace twinstar {

enum class errc {
  // request syntax -> 59
  empty_request,
  request_too_long,
  missing_crlf,
  byte_order_mark,
  not_utf8,
  control_character,
  relative_uri,
  userinfo,
  fragment,
  bad_percent_encoding,
  bad_host,
  bad_port,
  // addressed elsewhere -> 53
  wrong_scheme,
  unknown_host,
  wrong_port,
  // resolution -> 5x
  not_found,
  forbidden_path,  // traversal, dotfile, key file: answered as not found
  gone,
  listing_disabled,
  unreadable,
  // limits -> 44 (detail: seconds to wait)
  slow_down,
  // client certificates -> 6x
  certificate_required,
  certificate_not_authorised,
  certificate_not_valid,
  // server side -> 4x
  internal,
  // a CGI/SCGI program failed (no or bad header, timeout, not reachable) ->
  // 42; over Gopher, a dynamic path refused (programs run for Gemini only)
  cgi_error,
  // every [server] max_cgi slot is taken -> 41: the server is overloaded,
  // not this client too fast (44 is the rate limiter's, per client)
  server_busy,
};

struct error {
  errc code;
  std::string detail;  // human text; becomes the meta / error item text
};

// The one place an error becomes a Gemini reply (status + meta).
struct gemini_reply {
  gemini::status code;
  std::string meta;
};
gemini_reply to_gemini(const error& e);

// Short English name of an error kind, for logs and the check harness.
std::string_view describe(errc code);

}  // namespace twinstar
