#include "twinstar/router.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace twinstar;

namespace {

server_config make_config() {
  server_config config;
  host_config example;
  example.name = "example.org";
  example.aliases = {"www.example.org", "Gemini.Example.NET"};
  example.root = "/srv/example";
  example.redirects = {
      {"/old", "/new", false, true},
      {"/temp", "/elsewhere", false, false},
      {"/moved/", "gemini://elsewhere.test/", true, true},
      {"/moved/special", "/special-target", false, true},
      {"/docs", "/manual", true, false},
      {"/docs/v2/", "/manual2/", true, true},
  };
  example.gone = {"/removed", "/olddir/", "/caf\xc3\xa9"};
  host_config other;
  other.name = "other.test";
  other.root = "/srv/other";
  other.gone = {"/old"};  // redirects of example.org do not leak here
  config.hosts = {example, other};
  return config;
}

url parse(const char* text) {
  auto parsed = parse_url(text);
  REQUIRE_MESSAGE(parsed.ok(), text);
  return *parsed;
}

const error* as_error(const route& r) { return std::get_if<error>(&r); }

}  // namespace

TEST_CASE("resolve_gemini: requests for another server are 53") {
  const auto config = make_config();
  const router r(config);
  struct refused_case {
    const char* request;
    std::uint16_t local_port;
    const char* local_ip;
    errc expected;
  };
  const refused_case cases[] = {
      {"https://example.org/", 1965, "", errc::wrong_scheme},
      {"gopher://example.org/", 1965, "", errc::wrong_scheme},
      {"titan://example.org/", 1965, "", errc::wrong_scheme},
      {"gemini://unknown.test/", 1965, "", errc::unknown_host},
      {"gemini://example.org.evil/", 1965, "", errc::unknown_host},
      {"gemini://sub.example.org/", 1965, "", errc::unknown_host},
      {"gemini://example.org../", 1965, "", errc::unknown_host},
      {"gemini://10.0.0.1/", 1965, "127.0.0.1", errc::unknown_host},
      {"gemini://127.0.0.1/", 1965, "", errc::unknown_host},
      {"gemini://[::2]/", 1965, "::1", errc::unknown_host},
      {"gemini://example.org:1966/", 1965, "", errc::wrong_port},
      {"gemini://example.org:1965/", 7000, "", errc::wrong_port},
      {"gemini://127.0.0.1:80/", 1965, "127.0.0.1", errc::wrong_port},
  };
  for (const auto& c : cases) {
    CAPTURE(c.request);
    const auto result = r.resolve_gemini(parse(c.request), c.local_port, c.local_ip);
    const auto* e = as_error(result);
    REQUIRE(e != nullptr);
    CHECK(e->code == c.expected);
    CHECK(to_gemini(*e).code == gemini::status::proxy_request_refused);
  }
}

TEST_CASE("resolve_gemini: host / scheme and port accepted") {
  const auto config = make_config();
  const router r(config);
  struct accepted_case {
    const char* request;
    std::uint16_t local_port;
    const char* local_ip;
    const char* host;
  };
  const accepted_case cases[] = {
      {"gemini://example.org/", 1965, "", "example.org"},
      {"gemini://example.org", 1965, "", "example.org"},
      {"GEMINI://EXAMPLE.ORG/", 1965, "", "example.org"},
      {"Gemini://Example.Org/", 1965, "", "example.org"},
      {"gemini://example.org./", 1965, "", "example.org"},
      {"gemini://www.example.org/", 1965, "", "example.org"},
      {"gemini://gemini.example.net/", 1965, "", "example.org"},
      {"gemini://other.test/", 1965, "", "other.test"},
      {"gemini://example.org:1965/", 1965, "", "example.org"},
      {"gemini://example.org:7000/", 7000, "", "example.org"},
      {"gemini://example.org/", 7000, "", "example.org"},  // port absent is fine
      {"gemini://127.0.0.1/", 1965, "127.0.0.1", "example.org"},
      {"gemini://127.0.0.1:1965/", 1965, "127.0.0.1", "example.org"},
      {"gemini://127.0.0.1/", 1965, "::ffff:127.0.0.1", "example.org"},
      {"gemini://[::1]/", 1965, "::1", "example.org"},
      {"gemini://[0:0:0:0:0:0:0:1]/", 1965, "::1", "example.org"},
      {"gemini://[fe80::1]/", 1965, "FE80::1", "example.org"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.request);
    CAPTURE(c.local_ip);
    const auto result = r.resolve_gemini(parse(c.request), c.local_port, c.local_ip);
    const auto* path = std::get_if<route_path>(&result);
    REQUIRE(path != nullptr);
    REQUIRE(path->host != nullptr);
    CHECK(path->host->name == c.host);
    CHECK(path->url_path == "/");
  }
}

TEST_CASE("resolve_gemini: redirects") {
  const auto config = make_config();
  const router r(config);
  struct redirect_case {
    const char* request;
    gemini::status code;
    const char* target;
  };
  const redirect_case cases[] = {
      {"gemini://example.org/old", gemini::status::redirect_permanent, "/new"},
      {"gemini://example.org/./old", gemini::status::redirect_permanent, "/new"},
      {"gemini://example.org/%6fld", gemini::status::redirect_permanent, "/new"},
      {"gemini://example.org/temp", gemini::status::redirect_temporary, "/elsewhere"},
      {"gemini://example.org/moved/", gemini::status::redirect_permanent, "gemini://elsewhere.test/"},
      {"gemini://example.org/moved/a/b.gmi", gemini::status::redirect_permanent,
       "gemini://elsewhere.test/a/b.gmi"},
      {"gemini://example.org/moved/with%20space/", gemini::status::redirect_permanent,
       "gemini://elsewhere.test/with%20space/"},
      // An exact rule beats a prefix rule.
      {"gemini://example.org/moved/special", gemini::status::redirect_permanent, "/special-target"},
      // A prefix without trailing slash matches whole components.
      {"gemini://example.org/docs", gemini::status::redirect_temporary, "/manual"},
      {"gemini://example.org/docs/", gemini::status::redirect_temporary, "/manual/"},
      {"gemini://example.org/docs/intro.gmi", gemini::status::redirect_temporary, "/manual/intro.gmi"},
      // The longest prefix wins.
      {"gemini://example.org/docs/v2/api.gmi", gemini::status::redirect_permanent, "/manual2/api.gmi"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.request);
    const auto result = r.resolve_gemini(parse(c.request), 1965);
    const auto* redirect = std::get_if<route_redirect>(&result);
    REQUIRE(redirect != nullptr);
    CHECK(redirect->code == c.code);
    CHECK(redirect->target == c.target);
  }
}

TEST_CASE("resolve_gemini: paths near a redirect are not redirected") {
  const auto config = make_config();
  const router r(config);
  const char* cases[] = {
      "gemini://example.org/old/",  "gemini://example.org/older",  "gemini://example.org/docsx",
      "gemini://example.org/moved", "gemini://example.org/temp/x", "gemini://other.test/docs/a",
  };
  for (const char* request : cases) {
    CAPTURE(request);
    const auto result = r.resolve_gemini(parse(request), 1965);
    CHECK(std::holds_alternative<route_path>(result));
  }
}

TEST_CASE("resolve_gemini and resolve_path: gone paths are 52") {
  const auto config = make_config();
  const router r(config);
  const char* gone[] = {
      "/removed", "/removed/", "/%72emoved", "/olddir", "/olddir/", "/./removed", "/caf%C3%A9",
  };
  for (const char* path : gone) {
    CAPTURE(path);
    const auto via_gemini =
        r.resolve_gemini(parse(("gemini://example.org" + std::string(path)).c_str()), 1965);
    const auto* e = as_error(via_gemini);
    REQUIRE(e != nullptr);
    CHECK(e->code == errc::gone);
    CHECK(to_gemini(*e).code == gemini::status::gone);

    const auto via_path = r.resolve_path(config.hosts[0], path);
    REQUIRE(as_error(via_path) != nullptr);
    CHECK(as_error(via_path)->code == errc::gone);
  }
  const char* not_gone[] = {"/removed/child", "/removedx", "/olddir/file.gmi", "/"};
  for (const char* path : not_gone) {
    CAPTURE(path);
    CHECK(std::holds_alternative<route_path>(r.resolve_path(config.hosts[0], path)));
  }
  // resolve_path applies gone but never redirects (shared with Gopher).
  const auto other = r.resolve_path(config.hosts[1], "/old");
  REQUIRE(as_error(other) != nullptr);
  CHECK(as_error(other)->code == errc::gone);
  CHECK(std::holds_alternative<route_path>(r.resolve_path(config.hosts[0], "/old")));
}

TEST_CASE("resolve_gemini: every traversal spelling is forbidden_path") {
  const auto config = make_config();
  const router r(config);
  const char* paths[] = {
      "/..",
      "/../",
      "/../etc/passwd",
      "/a/../../etc/passwd",
      "/a/..",
      "/%2e%2e/etc/passwd",
      "/%2E%2e/etc/passwd",
      "/%2e%2E/",
      "/.%2e/etc/passwd",
      "/%2e./etc/passwd",
      "/..%2fetc%2fpasswd",
      "/a%2f..%2f..%2fetc",
      "/a%2Fb",
      "/..%5c..%5cwindows",
      "/a%5cb",
      "/a\\b",
      "/..\\etc",
      "/%252e%252e/etc/passwd",
      "/%252E%252E/",
      "/%25252e%25252e/",
      "/a%252fb",
      "/a%00b",
      "/index.gmi%00.txt",
      "/old/../../etc",  // matches no redirect: refused before the rules run
      "/moved/../../etc",
  };
  for (const char* path : paths) {
    CAPTURE(path);
    const auto result = r.resolve_gemini(parse(("gemini://example.org" + std::string(path)).c_str()), 1965);
    const auto* e = as_error(result);
    REQUIRE(e != nullptr);
    CHECK(e->code == errc::forbidden_path);
    CHECK(to_gemini(*e).code == gemini::status::not_found);

    const auto direct = r.resolve_path(config.hosts[0], path);
    REQUIRE(as_error(direct) != nullptr);
    CHECK(as_error(direct)->code == errc::forbidden_path);
  }
}

TEST_CASE("resolve_path: url_path and segments") {
  const auto config = make_config();
  const router r(config);
  struct path_case {
    const char* raw;
    const char* url_path;
    const char* joined;
    bool trailing_slash;
  };
  const path_case cases[] = {
      {"/", "/", "", true},
      {"", "/", "", false},
      {"/a", "/a", "a", false},
      {"/a/", "/a/", "a", true},
      {"/a/b/c.gmi", "/a/b/c.gmi", "a/b/c.gmi", false},
      {"/a/./b/", "/a/b/", "a/b", true},
      {"//a//b", "/a/b", "a/b", false},
      {"/with%20space.gmi", "/with space.gmi", "with space.gmi", false},
      {"/caf%C3%A9/", "/caf\xc3\xa9/", "caf\xc3\xa9", true},
      {"/.hidden", "/.hidden", ".hidden", false},  // dotfiles are refused on disk, not here
  };
  for (const auto& c : cases) {
    CAPTURE(c.raw);
    const auto result = r.resolve_path(config.hosts[1], c.raw);
    const auto* path = std::get_if<route_path>(&result);
    REQUIRE(path != nullptr);
    CHECK(path->host == &config.hosts[1]);
    CHECK(path->url_path == c.url_path);
    CHECK(path->path.joined() == c.joined);
    CHECK(path->path.trailing_slash == c.trailing_slash);
  }
}

TEST_CASE("find_host and default_host") {
  const auto config = make_config();
  const router r(config);
  CHECK(r.find_host("example.org") == &config.hosts[0]);
  CHECK(r.find_host("EXAMPLE.ORG.") == &config.hosts[0]);
  CHECK(r.find_host("www.example.org") == &config.hosts[0]);
  CHECK(r.find_host("other.test") == &config.hosts[1]);
  CHECK(r.find_host("") == nullptr);
  CHECK(r.find_host(".") == nullptr);
  CHECK(r.find_host("example") == nullptr);
  CHECK(&r.default_host() == &config.hosts[0]);

  // A config without hosts serves nothing rather than crashing.
  const server_config empty;
  const router none(empty);
  CHECK(none.find_host("example.org") == nullptr);
  CHECK(none.default_host().name.empty());
  const auto refused = none.resolve_gemini(parse("gemini://127.0.0.1/"), 1965, "127.0.0.1");
  REQUIRE(as_error(refused) != nullptr);
  CHECK(as_error(refused)->code == errc::unknown_host);
}
