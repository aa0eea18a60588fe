#include "twinstar/error.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "twinstar/gemini.hpp"
#include "twinstar/url.hpp"

using twinstar::errc;
using twinstar::error;
using twinstar::to_gemini;
using twinstar::gemini::status;

namespace {

struct mapping_case {
  errc kind;
  status expected;
  const char* meta;  // default meta, when the error carries no detail
};

// Every enumerator, once. The describe() test counts these rows against the
// last enumerator (server_busy), so a kind added without a row fails there.
const mapping_case mappings[] = {
    {errc::empty_request, status::bad_request, "Bad request: empty request"},
    {errc::request_too_long, status::bad_request, "Bad request: request longer than 1024 bytes"},
    {errc::missing_crlf, status::bad_request, "Bad request: request line not ended by CRLF"},
    {errc::byte_order_mark, status::bad_request, "Bad request: request starts with a byte order mark"},
    {errc::not_utf8, status::bad_request, "Bad request: request is not valid UTF-8"},
    {errc::control_character, status::bad_request, "Bad request: control character or space in request"},
    {errc::relative_uri, status::bad_request, "Bad request: absolute URI required"},
    {errc::userinfo, status::bad_request, "Bad request: userinfo not allowed"},
    {errc::fragment, status::bad_request, "Bad request: fragment not allowed"},
    {errc::bad_percent_encoding, status::bad_request, "Bad request: malformed percent-encoding"},
    {errc::bad_host, status::bad_request, "Bad request: invalid host"},
    {errc::bad_port, status::bad_request, "Bad request: invalid port"},
    {errc::wrong_scheme, status::proxy_request_refused, "Proxy request refused"},
    {errc::unknown_host, status::proxy_request_refused, "Proxy request refused"},
    {errc::wrong_port, status::proxy_request_refused, "Proxy request refused"},
    {errc::not_found, status::not_found, "Not found"},
    {errc::forbidden_path, status::not_found, "Not found"},
    {errc::gone, status::gone, "Gone"},
    {errc::listing_disabled, status::not_found, "Not found"},
    {errc::unreadable, status::not_found, "Not found"},
    {errc::slow_down, status::slow_down, "10"},
    {errc::certificate_required, status::client_certificate_required, "Client certificate required"},
    {errc::certificate_not_authorised, status::certificate_not_authorised, "Certificate not authorised"},
    {errc::certificate_not_valid, status::certificate_not_valid, "Certificate not valid"},
    {errc::internal, status::temporary_failure, "Temporary failure"},
    {errc::cgi_error, status::cgi_error, "CGI error"},
    {errc::server_busy, status::server_unavailable, "Server unavailable"},
};

}  // namespace

TEST_CASE("to_gemini maps each kind to its status and a default meta") {
  for (const auto& m : mappings) {
    CAPTURE(m.kind);
    const auto reply = to_gemini(error{m.kind, {}});
    CHECK(reply.code == m.expected);
    CHECK(reply.meta == m.meta);
  }
}

TEST_CASE("to_gemini uses the detail unless it could reveal server facts") {
  struct row {
    errc kind;
    const char* detail;
    const char* expected_meta;
  };
  const row cases[] = {
      {errc::bad_port, "Bad request: port 99999 out of range", "Bad request: port 99999 out of range"},
      {errc::unknown_host, "Proxy request refused: example.com is not served here",
       "Proxy request refused: example.com is not served here"},
      {errc::not_found, "No such page", "No such page"},
      {errc::gone, "This page has moved on", "This page has moved on"},
      // A refused path must be indistinguishable from a missing one.
      {errc::forbidden_path, "path escapes root: /../etc", "Not found"},
      {errc::unreadable, "open /srv/capsule/x: permission denied", "Not found"},
      {errc::internal, "std::bad_alloc in capsule.cpp", "Temporary failure"},
      {errc::cgi_error, "hello.cgi: no header line", "CGI error"},
      {errc::server_busy, "Busy: too many programs running, retry shortly",
       "Busy: too many programs running, retry shortly"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.kind);
    CHECK(to_gemini(error{c.kind, c.detail}).meta == c.expected_meta);
  }
  CHECK(to_gemini(error{errc::forbidden_path, "x"}).code == to_gemini(error{errc::not_found, {}}).code);
}

TEST_CASE("describe names every kind distinctly") {
  std::set<std::string> seen;
  for (const auto& m : mappings) {
    CAPTURE(m.kind);
    const std::string name(twinstar::describe(m.kind));
    CHECK_FALSE(name.empty());
    CHECK(name != "unknown error");
    CHECK(seen.insert(name).second);
  }
  CHECK(seen.size() == static_cast<std::size_t>(errc::server_busy) + 1);
}

TEST_CASE("bad requests from parse_url all answer 59") {
  const std::string cases[] = {
      "\xEF\xBB\xBFgemini://h/",  // the spec: a request must not start with a BOM
      "",
      "gemini://user@h/",
      "gemini://h/#f",
      "/relative",
      "gemini://h/\xFF",
      "gemini://h/%zz",
      "gemini://h:70000/",
      "gemini:///",
      "gemini://h/a b",
  };
  for (const auto& input : cases) {
    CAPTURE(input);
    const auto parsed = twinstar::parse_url(input);
    REQUIRE_FALSE(parsed.ok());
    const auto reply = to_gemini(parsed.error());
    CHECK(reply.code == status::bad_request);
    CHECK(twinstar::gemini::format_header(reply.code, reply.meta).starts_with("59 Bad request: "));
  }
}

TEST_CASE("a byte order mark is its own error kind") {
  const auto parsed = twinstar::parse_url("\xEF\xBB\xBFgemini://h/");
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code == errc::byte_order_mark);
}
