#include "twinstar/gemini_site.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <string>

#include "temp_files.hpp"
#include "twinstar/feed_cache.hpp"
#include "twinstar/listing.hpp"

using namespace twinstar;
using namespace twinstar::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr const char* allowed_fingerprint = "SHA256:aa";

// A capsule built at run time, removed at the end: a page, an index, a
// directory without one, a large file, certificate rules and a redirect.
struct site_fixture {
  fs::path base = fresh_temp_dir("gemini-site");
  server_config config;
  std::unique_ptr<router> routes;
  feed::cache feeds;
  answer_cache<gemini_answer> answers;
  listing_cache listings;
  rate_limiter limiter{{.per_second = 1.0, .burst = 3.0}};

  site_fixture() {
    const fs::path root = base / "root";
    write_file(root / "hello.gmi", "# Hello\n");
    write_file(root / "docs" / "index.gmi", "# Docs\n");
    write_file(root / "plain" / "a.txt", "a\n");
    write_file(root / "plain" / "b.txt", "b\n");
    write_file(root / "large.bin", std::string(cached_file_bytes + 1, 'x'));
    write_file(root / "private" / "secret.gmi", "# Secret\n");
    write_file(root / "members" / "list.gmi", "# Members\n");
    write_file(base / "outside.gmi", "# Outside the root\n");
    write_file(root / "certs" / "localhost.key", "secret\n");  // inside the root, never served
    config.cert_dir = root / "certs";
    host_config host;
    host.name = "localhost";
    host.root = root;
    host.redirects.push_back({.from = "/old", .to = "/hello.gmi"});
    write_file(root / "cgi-bin" / "hello", "#!/bin/sh\n");
    host.cgi.push_back({.path = "/cgi-bin/", .dir = root / "cgi-bin"});
    host.scgi.push_back({.path = "/app", .socket = base / "app.sock"});
    host.paths.push_back({.prefix = "/cgi-bin/private/", .listing = {}, .require_certificate = true});
    host.paths.push_back({.prefix = "/private/", .listing = {}, .require_certificate = true});
    host.paths.push_back({.prefix = "/members/",
                          .listing = {},
                          .require_certificate = true,
                          .allowed = {allowed_fingerprint}});
    config.hosts.push_back(host);
    routes = std::make_unique<router>(config);
  }
  ~site_fixture() {
    std::error_code ignored;
    fs::remove_all(base, ignored);
  }

  gemini_site site(bool limited = false) {
    return gemini_site{.routes = *routes,
                       .cert_dir = config.cert_dir,
                       .limiter = limited ? &limiter : nullptr,
                       .feeds = feeds,
                       .answers = answers,
                       .listings = &listings};
  }
};

gemini_request request_for(std::string_view line, const client_certificate* cert = nullptr) {
  return gemini_request{.line = line,
                        .local_port = 1965,
                        .local_ip = "127.0.0.1",
                        .client_ip = "192.0.2.1",
                        .cert = cert,
                        .now = answer_cache<gemini_answer>::clock::now()};
}

std::string body_of(const gemini_response& r) { return std::string(r.body_view()); }

}  // namespace

TEST_CASE("gemini_site: status and meta for each kind of request") {
  site_fixture f;
  const gemini_site site = f.site();
  const client_certificate stranger{.fingerprint = "SHA256:bb"};
  const client_certificate member{.fingerprint = allowed_fingerprint};
  struct row {
    const char* line;
    const client_certificate* cert;
    gemini::status code;
    const char* meta;  // prefix
  };
  const row rows[] = {
      {"gemini://localhost/hello.gmi", nullptr, gemini::status::success, "text/gemini"},
      {"gemini://localhost/docs/", nullptr, gemini::status::success, "text/gemini"},
      {"gemini://localhost/plain/", nullptr, gemini::status::success, "text/gemini"},
      {"gemini://localhost/large.bin", nullptr, gemini::status::success, "application/octet-stream"},
      // Redirects are absolute URLs, resolved against the request.
      {"gemini://localhost/docs", nullptr, gemini::status::redirect_permanent, "gemini://localhost/docs/"},
      {"gemini://localhost/old", nullptr, gemini::status::redirect_permanent, "gemini://localhost/hello.gmi"},
      {"gemini://localhost/missing.gmi", nullptr, gemini::status::not_found, "Not found"},
      {"gemini://example.org/", nullptr, gemini::status::proxy_request_refused, ""},
      {"https://localhost/", nullptr, gemini::status::proxy_request_refused, ""},
      {"gemini://localhost:1966/", nullptr, gemini::status::proxy_request_refused, ""},
      {"/hello.gmi", nullptr, gemini::status::bad_request, ""},
      {"gemini://localhost/%zz", nullptr, gemini::status::bad_request, ""},
      {"gemini://user@localhost/", nullptr, gemini::status::bad_request, ""},
      // Escapes from the root are refused whatever their spelling.
      {"gemini://localhost/../outside.gmi", nullptr, gemini::status::not_found, ""},
      {"gemini://localhost/docs/../../outside.gmi", nullptr, gemini::status::not_found, ""},
      {"gemini://localhost/%2e%2e/outside.gmi", nullptr, gemini::status::not_found, ""},
      {"gemini://localhost/certs/localhost.key", nullptr, gemini::status::not_found, ""},
      {"gemini://localhost/private/secret.gmi", nullptr, gemini::status::client_certificate_required, ""},
      {"gemini://localhost/private/secret.gmi", &stranger, gemini::status::success, "text/gemini"},
      {"gemini://localhost/members/list.gmi", &stranger, gemini::status::certificate_not_authorised, ""},
      {"gemini://localhost/members/list.gmi", &member, gemini::status::success, "text/gemini"},
  };
  for (const row& r : rows) {
    CAPTURE(r.line);
    const gemini_response got = site.answer(request_for(r.line, r.cert));
    CHECK(gemini::code(got.code) == gemini::code(r.code));
    CHECK(got.meta.starts_with(r.meta));
    if (got.code != gemini::status::success) CHECK_FALSE(got.file);
  }
}

TEST_CASE("gemini_site: bodies from memory / large files opened before the 20") {
  site_fixture f;
  const gemini_site site = f.site();
  CHECK(body_of(site.answer(request_for("gemini://localhost/hello.gmi"))) == "# Hello\n");
  CHECK(body_of(site.answer(request_for("gemini://localhost/docs/"))) == "# Docs\n");
  const std::string listing = body_of(site.answer(request_for("gemini://localhost/plain/")));
  CHECK(listing.find("a.txt") != std::string::npos);
  CHECK(listing.find("b.txt") != std::string::npos);

  const gemini_response large = site.answer(request_for("gemini://localhost/large.bin"));
  REQUIRE(large.file);
  CHECK(large.file->size() == cached_file_bytes + 1);
  CHECK(large.body_view().empty());
}

TEST_CASE("gemini_site: the second request is served from the answer cache") {
  site_fixture f;
  const gemini_site site = f.site();
  const auto request = request_for("gemini://localhost/hello.gmi");
  auto first = site.decide(request);
  CHECK(first.host == "localhost");
  CHECK(first.path == "/hello.gmi");
  REQUIRE(std::holds_alternative<gemini_lookup>(first.next));
  CHECK(std::get<gemini_lookup>(first.next).cached == nullptr);
  CHECK(body_of(site.answer(request)) == "# Hello\n");
  auto second = site.decide(request);
  REQUIRE(std::holds_alternative<gemini_lookup>(second.next));
  const auto& hit = std::get<gemini_lookup>(second.next);
  REQUIRE(hit.cached != nullptr);
  CHECK(*hit.cached->body == "# Hello\n");
  CHECK(hit.key == answer_key("localhost", 1965, "/hello.gmi"));
}

TEST_CASE("gemini_site: a large file removed after it was cached is a 40-class failure, not a 20") {
  site_fixture f;
  const gemini_site site = f.site();
  const auto request = request_for("gemini://localhost/large.bin");
  REQUIRE(site.answer(request).file);
  fs::remove(f.base / "root" / "large.bin");
  // The cache still names the file (a lookup may race the removal): the
  // open() before the header is what catches it.
  auto decided = site.decide(request);
  auto* lookup = std::get_if<gemini_lookup>(&decided.next);
  if (lookup && lookup->cached) {
    const gemini_response got = site.finish(request, lookup->where, *lookup->cached);
    CHECK(got.code == gemini::status::temporary_failure);
    CHECK_FALSE(got.problem.empty());
  }
  CHECK(site.answer(request).code != gemini::status::success);
}

TEST_CASE("gemini_site: the rate limit answers 44 with the seconds to wait and marks the first refusal") {
  site_fixture f;
  const gemini_site site = f.site(true);
  for (int i = 0; i < 3; ++i)
    CHECK(site.answer(request_for("gemini://localhost/hello.gmi")).code == gemini::status::success);
  const gemini_response refused = site.answer(request_for("gemini://localhost/hello.gmi"));
  CHECK(refused.code == gemini::status::slow_down);
  CHECK(refused.meta == "1");
  CHECK_FALSE(refused.limited.allowed);
  CHECK(refused.limited.log);
  const gemini_response again = site.answer(request_for("gemini://localhost/hello.gmi"));
  CHECK(again.code == gemini::status::slow_down);
  CHECK_FALSE(again.limited.log);  // logged once per offence
  // A malformed request is refused before it costs a token.
  CHECK(site.answer(request_for("no scheme")).code == gemini::status::bad_request);
}

TEST_CASE("gemini_site: CGI and SCGI paths are handed to the shell, after the rules, never cached") {
  site_fixture f;
  const gemini_site site = f.site();
  struct row {
    const char* line;
    bool cgi;  // false: SCGI
    const char* url_path;
    const char* query;
  };
  const row rows[] = {
      {"gemini://localhost/cgi-bin/hello", true, "/cgi-bin/hello", ""},
      {"gemini://localhost/cgi-bin/hello/extra?a%20b", true, "/cgi-bin/hello/extra", "a%20b"},
      {"gemini://localhost/app", false, "/app", ""},
      {"gemini://localhost/app/x?q", false, "/app/x", "q"},
  };
  for (const row& r : rows) {
    CAPTURE(r.line);
    const gemini_response got = site.answer(request_for(r.line));
    REQUIRE(got.dynamic);
    CHECK((got.dynamic->route.cgi != nullptr) == r.cgi);
    CHECK((got.dynamic->route.scgi != nullptr) == !r.cgi);
    CHECK(got.dynamic->host == &f.config.hosts.front());
    CHECK(got.dynamic->url_path == r.url_path);
    CHECK(got.dynamic->query == r.query);
    CHECK_FALSE(got.body);
    CHECK_FALSE(got.file);
  }
  CHECK(f.answers.size() == 0);  // nothing of theirs is kept
  // Not dynamic: a path that only starts like the SCGI one, and the script
  // file's directory rules (a certificate rule wins before any program runs).
  CHECK_FALSE(site.answer(request_for("gemini://localhost/apple")).dynamic);
  const gemini_response refused = site.answer(request_for("gemini://localhost/cgi-bin/private/x"));
  CHECK(refused.code == gemini::status::client_certificate_required);
  CHECK_FALSE(refused.dynamic);
}
