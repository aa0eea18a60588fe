#include "twinstar/url.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace std::literals;
using twinstar::errc;

namespace {

struct accepted_case {
  std::string input;
  std::string scheme;
  std::string host;
  int port;  // -1: absent
  std::string path;
  const char* query;  // nullptr: absent
};

struct rejected_case {
  std::string input;
  errc expected;
};

}  // namespace

TEST_CASE("parse_url accepts absolute gemini URIs") {
  const std::string long_path = "/" + std::string(1024 - "gemini://h/"s.size(), 'a');
  const accepted_case cases[] = {
      {"gemini://example.org/", "gemini", "example.org", -1, "/", nullptr},
      {"gemini://example.org", "gemini", "example.org", -1, "/", nullptr},  // empty path -> "/"
      {"gemini://example.org:1965", "gemini", "example.org", 1965, "/", nullptr},
      {"gemini://example.org:1965/", "gemini", "example.org", 1965, "/", nullptr},
      {"GEMINI://Example.ORG/Docs/", "gemini", "example.org", -1, "/Docs/", nullptr},
      {"GeMiNi://LOCALHOST:1965/a", "gemini", "localhost", 1965, "/a", nullptr},
      {"gemini://example.org:/x", "gemini", "example.org", -1, "/x", nullptr},  // empty port
      {"gemini://example.org:65535/", "gemini", "example.org", 65535, "/", nullptr},
      {"gemini://example.org:01965/", "gemini", "example.org", 1965, "/", nullptr},
      {"gemini://[::1]/", "gemini", "::1", -1, "/", nullptr},
      {"gemini://[::1]:1965/x", "gemini", "::1", 1965, "/x", nullptr},
      {"gemini://[2001:DB8::A]/", "gemini", "2001:db8::a", -1, "/", nullptr},
      {"gemini://[1:2:3:4:5:6:7:8]/", "gemini", "1:2:3:4:5:6:7:8", -1, "/", nullptr},
      {"gemini://[::ffff:192.0.2.1]/", "gemini", "::ffff:192.0.2.1", -1, "/", nullptr},
      {"gemini://[1:2:3:4:5:6:7::]/", "gemini", "1:2:3:4:5:6:7::", -1, "/", nullptr},
      {"gemini://[::]/", "gemini", "::", -1, "/", nullptr},
      {"gemini://127.0.0.1:1965/", "gemini", "127.0.0.1", 1965, "/", nullptr},
      {"gemini://%65xample.org/", "gemini", "example.org", -1, "/", nullptr},
      {"gemini://h/search?q=a%20b&c=d", "gemini", "h", -1, "/search", "q=a%20b&c=d"},
      {"gemini://h/?", "gemini", "h", -1, "/", ""},
      {"gemini://h?x", "gemini", "h", -1, "/", "x"},
      {"gemini://h/a?b?c", "gemini", "h", -1, "/a", "b?c"},
      {"gemini://h/caf%C3%A9", "gemini", "h", -1, "/caf%C3%A9", nullptr},
      {"gemini://h/caf\xC3\xA9", "gemini", "h", -1, "/caf\xC3\xA9", nullptr},  // IRI
      {"gemini://h/%2e%2e/x", "gemini", "h", -1, "/%2e%2e/x", nullptr},        // split_path's job
      {"gemini://h/a\\b", "gemini", "h", -1, "/a\\b", nullptr},                // split_path's job
      {"gemini://h" + long_path, "gemini", "h", -1, long_path, nullptr},       // 1024 bytes
      {"titan+x.y-z://h/", "titan+x.y-z", "h", -1, "/", nullptr},
      {"https://example.org/", "https", "example.org", -1, "/", nullptr},  // 53 is the router's
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const auto parsed = twinstar::parse_url(c.input);
    REQUIRE(parsed.ok());
    CHECK(parsed->scheme == c.scheme);
    CHECK(parsed->host == c.host);
    CHECK(parsed->port.has_value() == (c.port >= 0));
    if (c.port >= 0 && parsed->port) CHECK(*parsed->port == c.port);
    CHECK(parsed->path == c.path);
    CHECK(parsed->query.has_value() == (c.query != nullptr));
    if (c.query && parsed->query) CHECK(*parsed->query == c.query);
  }
}

TEST_CASE("parse_url rejects malformed requests with the right kind") {
  const rejected_case cases[] = {
      {"", errc::empty_request},
      {"\xEF\xBB\xBFgemini://h/", errc::byte_order_mark},
      {"\xEF\xBB\xBF", errc::byte_order_mark},
      {"gemini://h/\xFF", errc::not_utf8},
      {"gemini://h/\xC3", errc::not_utf8},              // truncated sequence
      {"gemini://h/\xC0\xAF", errc::not_utf8},          // overlong '/'
      {"gemini://h/\xED\xA0\x80", errc::not_utf8},      // surrogate
      {"gemini://h/\xF4\x90\x80\x80", errc::not_utf8},  // above U+10FFFF
      {"\xFF\xFEgemini://h/", errc::not_utf8},          // UTF-16 BOM
      {"gemini://h/a b", errc::control_character},
      {"gemini://h/a\tb", errc::control_character},
      {"gemini://h/a\rb", errc::control_character},
      {"gemini://h/a\x7f", errc::control_character},
      {"gemini://h/a\0b"s, errc::control_character},
      {" gemini://h/", errc::control_character},
      {"gemini://h/#frag", errc::fragment},
      {"gemini://h/#", errc::fragment},
      {"gemini://h/a?q#f", errc::fragment},
      {"gemini://user@h/", errc::userinfo},
      {"gemini://user:pw@h:1965/", errc::userinfo},
      {"gemini://@h/", errc::userinfo},
      {"/foo", errc::relative_uri},
      {"foo", errc::relative_uri},
      {"localhost/", errc::relative_uri},
      {"localhost:1965/", errc::relative_uri},
      {"//h/x", errc::relative_uri},
      {"gemini:/h/x", errc::relative_uri},
      {"gemini:h", errc::relative_uri},
      {"1gemini://h/", errc::relative_uri},
      {"gem_ini://h/", errc::relative_uri},
      {"://h/", errc::relative_uri},
      {"junk", errc::relative_uri},
      {"GET / HTTP/1.1", errc::control_character},
      {"gemini://h/%", errc::bad_percent_encoding},
      {"gemini://h/%2", errc::bad_percent_encoding},
      {"gemini://h/%zz", errc::bad_percent_encoding},
      {"gemini://h/a?%g0", errc::bad_percent_encoding},
      {"gemini:///path", errc::bad_host},
      {"gemini://:1965/", errc::bad_host},
      {"gemini://", errc::bad_host},
      {"gemini://h%/", errc::bad_host},
      {"gemini://h%2f/", errc::bad_host},  // encoded '/' in a host
      {"gemini://a/b%2/", errc::bad_percent_encoding},
      {"gemini://h<x>/", errc::bad_host},
      {"gemini://[::1/", errc::bad_host},
      {"gemini://[]/", errc::bad_host},
      {"gemini://[::1]x/", errc::bad_host},
      {"gemini://[12345::1]/", errc::bad_host},
      {"gemini://[1:2:3:4:5:6:7]/", errc::bad_host},
      {"gemini://[1:2:3:4:5:6:7:8:9]/", errc::bad_host},
      {"gemini://[1::2::3]/", errc::bad_host},
      {"gemini://[1:2:3:4::5:6:7:8]/", errc::bad_host},   // "::" must stand for a group
      {"gemini://[::ffff:192.0.2.01]/", errc::bad_host},  // dec-octet has no leading 0
      {"gemini://[::ffff:192.0.2]/", errc::bad_host},
      {"gemini://[1.2.3.4::]/", errc::bad_host},
      {"gemini://[::1%25eth0]/", errc::bad_host},
      {"gemini://[v1.x]/", errc::bad_host},
      {"gemini://[::256.0.0.1]/", errc::bad_host},
      {"gemini://[g::1]/", errc::bad_host},
      {"gemini://h:0/", errc::bad_port},
      {"gemini://h:65536/", errc::bad_port},
      {"gemini://h:99999999999999999999/", errc::bad_port},
      {"gemini://h:19a5/", errc::bad_port},
      {"gemini://h:-1/", errc::bad_port},
      {"gemini://h:1965:1965/", errc::bad_port},
      {"gemini://[::1]:x/", errc::bad_port},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const auto parsed = twinstar::parse_url(c.input);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == c.expected);
  }
}

TEST_CASE("url::to_string reassembles what parse_url took apart") {
  const std::pair<std::string, std::string> cases[] = {
      {"gemini://example.org/a/b", "gemini://example.org/a/b"},
      {"GEMINI://EXAMPLE.org", "gemini://example.org/"},
      {"gemini://h:1965/x?q=%20", "gemini://h:1965/x?q=%20"},
      {"gemini://h/?", "gemini://h/?"},
      {"gemini://[::1]:1966/", "gemini://[::1]:1966/"},
      {"gemini://h:/", "gemini://h/"},
  };
  for (const auto& [input, expected] : cases) {
    CAPTURE(input);
    const auto parsed = twinstar::parse_url(input);
    REQUIRE(parsed.ok());
    CHECK(parsed->to_string() == expected);
  }
}

TEST_CASE("percent_decode") {
  struct row {
    std::string input;
    bool ok;
    std::string expected;
  };
  const row cases[] = {
      {"", true, ""},
      {"plain", true, "plain"},
      {"a%20b", true, "a b"},
      {"%2F%2f", true, "//"},
      {"%C3%A9", true, "\xC3\xA9"},
      {"%00", true, "\0"s},
      {"%252e", true, "%2e"},  // one layer only
      {"%", false, ""},
      {"%4", false, ""},
      {"abc%", false, ""},
      {"%xy", false, ""},
      {"%4g", false, ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const auto decoded = twinstar::percent_decode(c.input);
    REQUIRE(decoded.ok() == c.ok);
    if (c.ok) CHECK(*decoded == c.expected);
    if (!c.ok) CHECK(decoded.error().code == errc::bad_percent_encoding);
  }
}

TEST_CASE("percent_encode_path keeps unreserved and '/' only") {
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},           {"/a-b.c_d~e/", "/a-b.c_d~e/"}, {"a b", "a%20b"},  {"caf\xC3\xA9", "caf%C3%A9"},
      {"100%", "100%25"}, {"a?b#c", "a%3Fb%23c"},         {"a\\b", "a%5Cb"}, {"\0"s, "%00"},
  };
  for (const auto& [input, expected] : cases) {
    CAPTURE(input);
    CHECK(twinstar::percent_encode_path(input) == expected);
    const auto back = twinstar::percent_decode(twinstar::percent_encode_path(input));
    REQUIRE(back.ok());
    CHECK(*back == input);
  }
}

TEST_CASE("is_valid_utf8") {
  const std::pair<std::string, bool> cases[] = {
      {"", true},
      {"ascii", true},
      {"\xC3\xA9", true},           // U+00E9
      {"\xE2\x82\xAC", true},       // U+20AC
      {"\xF0\x9F\x98\x80", true},   // U+1F600
      {"\xF4\x8F\xBF\xBF", true},   // U+10FFFF
      {"\xEF\xBB\xBF", true},       // BOM is valid UTF-8
      {"\x80", false},              // lone continuation
      {"\xC3", false},              // truncated
      {"\xC0\x80", false},          // overlong NUL
      {"\xC1\xBF", false},          // overlong
      {"\xE0\x80\xAF", false},      // overlong
      {"\xF0\x80\x80\xAF", false},  // overlong
      {"\xED\xA0\x80", false},      // U+D800
      {"\xED\xBF\xBF", false},      // U+DFFF
      {"\xF4\x90\x80\x80", false},  // U+110000
      {"\xF5\x80\x80\x80", false},
      {"\xFF", false},
      {"\xE2\x82", false},
      {"a\xC3(", false},
  };
  for (const auto& [input, valid] : cases) {
    CAPTURE(input);
    CHECK(twinstar::is_valid_utf8(input) == valid);
  }
}

TEST_CASE("split_path decodes and normalises safe paths") {
  struct row {
    std::string raw;
    std::string joined;
    std::size_t count;
    bool trailing_slash;
  };
  const row cases[] = {
      {"", "", 0, false},
      {"/", "", 0, true},
      {"/a/b/c", "a/b/c", 3, false},
      {"/a/b/", "a/b", 2, true},
      {"//a///b", "a/b", 2, false},
      {"/./a/./b/.", "a/b", 2, false},
      {"/a/%2e/b", "a/b", 2, false},  // "." in any spelling is a no-op
      {"/caf%C3%A9", "caf\xC3\xA9", 1, false},
      {"/caf\xC3\xA9/", "caf\xC3\xA9", 1, true},
      {"/a%20b", "a b", 1, false},
      {"/...", "...", 1, false},
      {"/..a/b..", "..a/b..", 2, false},
      {"/.hidden", ".hidden", 1, false},  // dotfiles are the router's decision
      {"/100%25", "100%", 1, false},
      {"/%252e", "%2e", 1, false},  // decodes twice to ".", harmless
      {"/a%3Fb", "a?b", 1, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.raw);
    const auto split = twinstar::split_path(c.raw);
    REQUIRE(split.ok());
    CHECK(split->joined() == c.joined);
    CHECK(split->segments.size() == c.count);
    CHECK(split->trailing_slash == c.trailing_slash);
  }
}

TEST_CASE("split_path refuses every traversal spelling") {
  const rejected_case cases[] = {
      {"/..", errc::forbidden_path},         {"/../etc/passwd", errc::forbidden_path},
      {"/a/../../b", errc::forbidden_path},  {"/a/..", errc::forbidden_path},
      {"..", errc::forbidden_path},          {"/%2e%2e/x", errc::forbidden_path},
      {"/%2E%2e/x", errc::forbidden_path},   {"/%2E%2E", errc::forbidden_path},
      {"/.%2e/x", errc::forbidden_path},     {"/%2e./x", errc::forbidden_path},
      {"/a%2fb", errc::forbidden_path},      {"/a%2F..%2Fb", errc::forbidden_path},
      {"/a%5cb", errc::forbidden_path},      {"/a%5C..", errc::forbidden_path},
      {"/a%00b", errc::forbidden_path},      {"/%252e%252e/x", errc::forbidden_path},
      {"/%252E%252E", errc::forbidden_path}, {"/.%252e", errc::forbidden_path},
      {"/a%252fb", errc::forbidden_path},    {"/a%255cb", errc::forbidden_path},
      {"/a%2500", errc::forbidden_path},     {"/%25252e%25252e", errc::forbidden_path},  // triple encoding
      {"/a\\b", errc::forbidden_path},       {"/..\\x", errc::forbidden_path},
      {"\\", errc::forbidden_path},          {"/a%2", errc::bad_percent_encoding},
      {"/%zz", errc::bad_percent_encoding},  {"/%FF", errc::not_utf8},
      {"/%C0%AE%C0%AE", errc::not_utf8},  // overlong "..", refused before any file system
      {"/%ED%A0%80", errc::not_utf8},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const auto split = twinstar::split_path(c.input);
    REQUIRE_FALSE(split.ok());
    CHECK(split.error().code == c.expected);
  }
}

TEST_CASE("parse_url then split_path: paths from real requests") {
  struct row {
    std::string input;
    bool ok;
    errc expected;  // when !ok
  };
  const row cases[] = {
      {"gemini://h/../secret", false, errc::forbidden_path},
      {"gemini://h/%2e%2e/secret", false, errc::forbidden_path},
      {"gemini://h/docs/%2F../x", false, errc::forbidden_path},
      {"gemini://h/a%252e%252e/", true, {}},  // decodes to "a..": an ordinary name
      {"gemini://h", true, {}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const auto parsed = twinstar::parse_url(c.input);
    REQUIRE(parsed.ok());
    const auto split = twinstar::split_path(parsed->path);
    REQUIRE(split.ok() == c.ok);
    if (!c.ok) CHECK(split.error().code == c.expected);
  }
}
