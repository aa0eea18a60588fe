// The single mapping from error kinds to Gemini replies. Keeping it in one
// place means a new kind cannot be answered differently by different callers.
#include "twinstar/error.hpp"

#include <string>

namespace twinstar {

namespace {

using gemini::status;

// Which reply a kind becomes. Request-syntax kinds are 59 (the server could
// not parse the request); requests for another scheme, host or port are 53.
status status_for(errc code) {
  switch (code) {
    case errc::empty_request:
    case errc::request_too_long:
    case errc::missing_crlf:
    case errc::byte_order_mark:
    case errc::not_utf8:
    case errc::control_character:
    case errc::relative_uri:
    case errc::userinfo:
    case errc::fragment:
    case errc::bad_percent_encoding:
    case errc::bad_host:
    case errc::bad_port:
      return status::bad_request;
    case errc::wrong_scheme:
    case errc::unknown_host:
    case errc::wrong_port:
      return status::proxy_request_refused;
    case errc::gone:
      return status::gone;
    case errc::not_found:
    case errc::forbidden_path:
    case errc::listing_disabled:
    case errc::unreadable:
      return status::not_found;
    case errc::slow_down:
      return status::slow_down;
    case errc::certificate_required:
      return status::client_certificate_required;
    case errc::certificate_not_authorised:
      return status::certificate_not_authorised;
    case errc::certificate_not_valid:
      return status::certificate_not_valid;
    case errc::internal:
      return status::temporary_failure;
    case errc::cgi_error:
      return status::cgi_error;
    case errc::server_busy:
      return status::server_unavailable;
  }
  return status::temporary_failure;  // unreachable for valid enumerators
}

// Kinds whose detail may name server-side facts (file system paths, errno
// text, why a path was refused). Their detail goes to the log only; the client
// sees the generic text, so a forbidden path is indistinguishable from a
// missing one.
bool detail_is_private(errc code) {
  return code == errc::forbidden_path || code == errc::unreadable || code == errc::internal ||
         code == errc::cgi_error;
}

std::string default_meta(errc code) {
  switch (status_for(code)) {
    case status::bad_request:
      return "Bad request: " + std::string(describe(code));
    case status::proxy_request_refused:
      return "Proxy request refused";
    case status::gone:
      return "Gone";
    case status::not_found:
      return "Not found";
    case status::slow_down:
      return "10";
    case status::client_certificate_required:
      return "Client certificate required";
    case status::certificate_not_authorised:
      return "Certificate not authorised";
    case status::certificate_not_valid:
      return "Certificate not valid";
    case status::cgi_error:
      return "CGI error";
    case status::server_unavailable:
      return "Server unavailable";
    default:
      return "Temporary failure";
  }
}

}  // namespace

gemini_reply to_gemini(const error& e) {
  if (e.detail.empty() || detail_is_private(e.code)) {
    return {status_for(e.code), default_meta(e.code)};
  }
  return {status_for(e.code), e.detail};
}

std::string_view describe(errc code) {
  switch (code) {
    case errc::empty_request:
      return "empty request";
    case errc::request_too_long:
      return "request longer than 1024 bytes";
    case errc::missing_crlf:
      return "request line not ended by CRLF";
    case errc::byte_order_mark:
      return "request starts with a byte order mark";
    case errc::not_utf8:
      return "request is not valid UTF-8";
    case errc::control_character:
      return "control character or space in request";
    case errc::relative_uri:
      return "absolute URI required";
    case errc::userinfo:
      return "userinfo not allowed";
    case errc::fragment:
      return "fragment not allowed";
    case errc::bad_percent_encoding:
      return "malformed percent-encoding";
    case errc::bad_host:
      return "invalid host";
    case errc::bad_port:
      return "invalid port";
    case errc::wrong_scheme:
      return "scheme not served here";
    case errc::unknown_host:
      return "host not served here";
    case errc::wrong_port:
      return "port not served here";
    case errc::not_found:
      return "not found";
    case errc::forbidden_path:
      return "forbidden path";
    case errc::gone:
      return "gone";
    case errc::listing_disabled:
      return "directory listing disabled";
    case errc::unreadable:
      return "file unreadable";
    case errc::slow_down:
      return "slow down";
    case errc::certificate_required:
      return "client certificate required";
    case errc::certificate_not_authorised:
      return "certificate not authorised";
    case errc::certificate_not_valid:
      return "certificate not valid";
    case errc::internal:
      return "internal error";
    case errc::cgi_error:
      return "CGI error";
    case errc::server_busy:
      return "server busy";
  }
  return "unknown error";
}

}  // namespace twinstar
