#include "twinstar/gemini.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace std::literals;
using twinstar::gemini::find_request_line;
using twinstar::gemini::format_header;
using twinstar::gemini::frame_state;
using twinstar::gemini::max_meta_bytes;
using twinstar::gemini::max_request_bytes;
using twinstar::gemini::status;

TEST_CASE("status codes carry the spec's numbers") {
  const std::pair<status, int> cases[] = {
      {status::input, 10},
      {status::sensitive_input, 11},
      {status::success, 20},
      {status::redirect_temporary, 30},
      {status::redirect_permanent, 31},
      {status::temporary_failure, 40},
      {status::slow_down, 44},
      {status::not_found, 51},
      {status::gone, 52},
      {status::proxy_request_refused, 53},
      {status::bad_request, 59},
      {status::client_certificate_required, 60},
      {status::certificate_not_valid, 62},
  };
  for (const auto& [s, n] : cases) {
    CAPTURE(n);
    CHECK(twinstar::gemini::code(s) == n);
  }
}

TEST_CASE("format_header") {
  const std::string e_acute = "\xC3\xA9";  // 2 bytes
  struct row {
    std::string name;
    status s;
    std::string meta;
    std::string expected;
  };
  const row cases[] = {
      {"success", status::success, "text/gemini", "20 text/gemini\r\n"},
      {"lang param", status::success, "text/gemini; lang=en", "20 text/gemini; lang=en\r\n"},
      {"redirect", status::redirect_permanent, "/dir/", "31 /dir/\r\n"},
      {"input", status::input, "Your name?", "10 Your name?\r\n"},
      {"empty meta keeps the space", status::not_found, "", "51 \r\n"},
      {"empty 4x", status::temporary_failure, "", "40 \r\n"},
      {"CRLF cannot split the header", status::not_found, "a\r\n20 text/html\r\n",
       "51 a  20 text/html  \r\n"},
      {"bare LF", status::bad_request, "a\nb", "59 a b\r\n"},
      {"bare CR", status::bad_request, "a\rb", "59 a b\r\n"},
      {"other controls", status::bad_request,
       "a\tb\x01"
       "c\x7f",
       "59 a b c \r\n"},
      {"NUL", status::bad_request, "a\0b"s, "59 a b\r\n"},
      {"UTF-8 kept", status::success, "caf" + e_acute, "20 caf" + e_acute + "\r\n"},
      {"invalid UTF-8 replaced", status::not_found,
       "a\xFF"
       "b",
       "51 a\xEF\xBF\xBD"
       "b\r\n"},
      {"leading BOM dropped", status::not_found, "\xEF\xBB\xBFhi", "51 hi\r\n"},
      {"exactly 1024 bytes", status::not_found, std::string(1024, 'x'),
       "51 " + std::string(1024, 'x') + "\r\n"},
      {"1025 bytes cut", status::not_found, std::string(1025, 'x'), "51 " + std::string(1024, 'x') + "\r\n"},
      {"cut on a UTF-8 boundary", status::not_found, std::string(1023, 'x') + e_acute,
       "51 " + std::string(1023, 'x') + "\r\n"},
      {"whole character at the end fits", status::not_found, std::string(1022, 'x') + e_acute,
       "51 " + std::string(1022, 'x') + e_acute + "\r\n"},
      {"4-byte character straddling", status::not_found, std::string(1021, 'x') + "\xF0\x9F\x98\x80",
       "51 " + std::string(1021, 'x') + "\r\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const std::string header = format_header(c.s, c.meta);
    CHECK(header == c.expected);
    // Invariants whatever the input: one CRLF, at the end; meta within limit.
    CHECK(header.find('\n') == header.size() - 1);
    CHECK(header.find('\r') == header.size() - 2);
    CHECK(header.size() <= 3 + max_meta_bytes + 2);
  }
}

TEST_CASE("find_request_line") {
  const std::string max_uri = "gemini://h/" + std::string(max_request_bytes - 11, 'a');
  REQUIRE(max_uri.size() == 1024);
  struct row {
    std::string name;
    std::string received;
    frame_state state;
    std::string line;  // for complete
  };
  const row cases[] = {
      {"simple", "gemini://h/\r\n", frame_state::complete, "gemini://h/"},
      {"trailing bytes ignored", "gemini://h/\r\nextra\r\n", frame_state::complete, "gemini://h/"},
      {"empty line", "\r\n", frame_state::complete, ""},
      {"1024-byte URI", max_uri + "\r\n", frame_state::complete, max_uri},
      {"1025-byte URI", max_uri + "a\r\n", frame_state::too_long, ""},
      {"1024 bytes and CR, waiting for LF", max_uri + "\r", frame_state::need_more, ""},
      {"1024 bytes, waiting for CR", max_uri, frame_state::need_more, ""},
      {"1025 bytes without CRLF", max_uri + "a", frame_state::need_more, ""},
      {"1026 bytes without CRLF", max_uri + "ab", frame_state::too_long, ""},
      {"flood", std::string(5000, 'a'), frame_state::too_long, ""},
      {"LF far past the limit", std::string(2000, 'a') + "\n", frame_state::too_long, ""},
      {"nothing yet", "", frame_state::need_more, ""},
      {"partial", "gemini://h/", frame_state::need_more, ""},
      {"CR only so far", "gemini://h/\r", frame_state::need_more, ""},
      {"bare LF", "gemini://h/\n", frame_state::bare_lf, ""},
      {"LF first", "\n", frame_state::bare_lf, ""},
      {"LF then CRLF", "gemini://h/\n\r\n", frame_state::bare_lf, ""},
      {"CR inside kept for parse_url", "a\rb\r\n", frame_state::complete, "a\rb"},
      {"1024 bytes then bare LF", max_uri + "\n", frame_state::bare_lf, ""},
      {"1026 bytes then bare LF", max_uri + "ab\n", frame_state::too_long, ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const auto f = find_request_line(c.received);
    CHECK(f.state == c.state);
    if (c.state == frame_state::complete) {
      CHECK(f.line == c.line);
      // The line is a view into the received bytes, not a copy.
      CHECK(f.line.data() == c.received.data());
    }
  }
}
