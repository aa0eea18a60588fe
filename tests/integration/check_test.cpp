#include "twinstar/check.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <regex>

#include "broken_server.hpp"
#include "fixture.hpp"
#include "process.hpp"

using namespace twinstar;
using namespace twinstar::test;

namespace {

// Like start_test_server, plus a Gopher listener and a home page that links
// to a directory, so no check has a reason to skip.
std::unique_ptr<running_server> start_check_server() {
  return test::start_one_host_server(
      "check",
      {{"index.gmi", "# Check capsule\n\n=> docs/ Documents\n=> page.gmi A page\n"},
       {"page.gmi", "# A page\n"},
       {"docs/index.gmi", "# Documents\n"}},
      [](server_config& c) {
        c.request_timeout = std::chrono::milliseconds(1500);
        // bounds the silent-client check
        c.handshake_timeout = std::chrono::milliseconds(1500);
        c.shutdown_grace = std::chrono::milliseconds(2000);
      });
}

check::suite_options options_for(std::uint16_t port, bool slow = false) {
  check::suite_options o;
  o.client.connect_host = "127.0.0.1";
  o.client.connect_port = port;
  o.client.timeout = std::chrono::seconds(5);
  o.slow = slow;
  return o;
}

std::vector<check::check_result> run_gemini(const std::string& url, const check::suite_options& o) {
  auto r = check::run_gemini_checks(url, o);
  REQUIRE(r.ok());
  return r.value();
}

const check::check_result* find(const std::vector<check::check_result>& results, const std::string& name) {
  auto it = std::find_if(results.begin(), results.end(), [&](const auto& r) { return r.name == name; });
  return it == results.end() ? nullptr : &*it;
}

std::string line_of(const check::check_result& r) {
  return std::string(check::name_of(r.level)) + " " + std::string(check::name_of(r.result)) + " " + r.name +
         " sent " + r.sent + "; " + r.received + " [" + r.note + "]";
}

// Every MUST and SHOULD check passes; `allowed_skips` may skip.
void require_conforming(const std::vector<check::check_result>& results,
                        const std::vector<std::string>& allowed_skips = {}) {
  for (const auto& r : results) {
    CAPTURE(line_of(r));
    if (r.level == check::requirement::robust) continue;
    bool may_skip = std::find(allowed_skips.begin(), allowed_skips.end(), r.name) != allowed_skips.end();
    if (may_skip && r.result == check::verdict::skip) continue;
    CHECK(r.result == check::verdict::pass);
  }
}

}  // namespace

TEST_CASE("check: the fixture server passes every MUST and SHOULD check") {
  auto srv = start_test_server("check-fixture");
  auto results = run_gemini(srv->base() + "/", options_for(srv->gemini_port));
  CHECK(results.size() >= 45);
  // The fixture's home page links to no directory.
  require_conforming(results, {"directory-redirect"});
  CHECK(check::exit_status(check::summarize(results)) == 0);
}

TEST_CASE("check: twinstar with Gopher and slow clients passes everything") {
  auto srv = start_check_server();
  std::vector<check::check_result> seen;
  auto o = options_for(srv->gemini_port, true);
  o.on_result = [&](const check::check_result& r) { seen.push_back(r); };
  auto results = run_gemini(srv->base() + "/", o);
  CHECK(seen.size() == results.size());  // progress callback saw each result
  for (const auto& r : results) {
    CAPTURE(line_of(r));
    CHECK(r.result == check::verdict::pass);  // ROBUST too, nothing skipped
  }
  for (const char* name : {"directory-redirect", "slow-half-request", "slow-silent-client", "concurrent-16",
                           "close-notify", "tls-1.1-refused", "uri-1024-bytes"}) {
    CAPTURE(name);
    REQUIRE(find(results, name));
  }
  CHECK(find(results, "directory-redirect")->received.find("31") != std::string::npos);

  check::suite_options gopher_options;  // no --connect: the URL says where
  gopher_options.client.timeout = std::chrono::seconds(5);
  auto gopher = check::run_gopher_checks("gopher://127.0.0.1:" + std::to_string(srv->gopher_port) + "/",
                                         gopher_options);
  REQUIRE(gopher.ok());
  CHECK(gopher->size() >= 8);
  for (const auto& r : gopher.value()) {
    CAPTURE(line_of(r));
    CHECK(r.result == check::verdict::pass);
  }
}

TEST_CASE("check: each deliberate flaw is caught by its check") {
  struct row {
    flaw f;
    const char* check_name;
  };
  // The flawless control first: the harness server itself conforms.
  {
    broken_server control(flaw::none);
    auto results =
        run_gemini("gemini://localhost:" + std::to_string(control.port()) + "/", options_for(control.port()));
    require_conforming(results);
  }
  for (auto [f, name] :
       {row{flaw::no_close_notify, "close-notify"}, row{flaw::accepts_tls_1_1, "tls-1.1-refused"},
        row{flaw::bare_lf_header, "header-crlf"}, row{flaw::leaks_traversal, "traversal-dotdot"}}) {
    CAPTURE(name);
    broken_server srv(f);
    auto results =
        run_gemini("gemini://localhost:" + std::to_string(srv.port()) + "/", options_for(srv.port()));
    const auto* r = find(results, name);
    REQUIRE(r);
    CAPTURE(line_of(*r));
    CHECK(r->result == check::verdict::fail);
    CHECK(r->level == check::requirement::must);
    CHECK(check::exit_status(check::summarize(results)) == 1);
    if (f == flaw::leaks_traversal) {
      CHECK(r->note.find("LEAKED") != std::string::npos);
      for (const char* other :
           {"traversal-encoded", "traversal-encoded-mixed-case", "traversal-half-encoded"})
        CHECK(find(results, other)->result == check::verdict::fail);
    }
    if (f == flaw::accepts_tls_1_1) CHECK(r->received.find("TLSv1.1") != std::string::npos);
  }
}

TEST_CASE("check: an unreachable server fails the first check and stops") {
  std::uint16_t port;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  auto results = run_gemini("gemini://localhost:" + std::to_string(port) + "/", options_for(port));
  REQUIRE(results.size() == 1);
  CHECK(results[0].name == "tls-1.2-or-higher");
  CHECK(results[0].result == check::verdict::fail);
  CHECK(check::exit_status(check::summarize(results)) == 1);
  CHECK_FALSE(check::run_gemini_checks("https://localhost/", options_for(port)).ok());
}

TEST_CASE("check: describe_bytes escapes and shortens") {
  CHECK(check::describe_bytes("a\r\n\t\"\\\x01\xff") == "a\\r\\n\\t\\\"\\\\\\x01\\xFF");
  CHECK(check::describe_bytes(std::string(100, 'a'), 10) == std::string(10, 'a') + "...(100 bytes)");
}

TEST_CASE("check: the CLI against the built server") {
  auto dir = fresh_temp_dir("check-cli");
  write_file(dir / "root" / "index.gmi", "# CLI check\n=> docs/ Documents\n");
  write_file(dir / "root" / "docs" / "index.gmi", "# Documents\n");
  child_process server({TWINSTAR_BINARY, "serve", "--root", (dir / "root").string(), "--listen",
                        "127.0.0.1:0", "--gopher-listen", "127.0.0.1:0", "--cert-dir",
                        (dir / "certs").string(), "--access-log", "off", "--allow-root"});
  auto gemini_line = server.wait_for("listening on gemini://127.0.0.1:");
  REQUIRE(gemini_line);
  auto gopher_line = server.wait_for("listening on gopher://127.0.0.1:");
  REQUIRE(gopher_line);
  std::string url = "gemini://localhost:" + std::to_string(port_of(*gemini_line)) + "/";
  std::string gopher = "gopher://127.0.0.1:" + std::to_string(port_of(*gopher_line)) + "/";

  auto run = [](std::vector<std::string> args, std::vector<std::string>& lines) {
    child_process proc(std::move(args));
    int status = proc.wait(std::chrono::seconds(60));
    while (auto line = proc.read_line(std::chrono::seconds(5))) lines.push_back(*line);
    return status;
  };
  std::vector<std::string> lines;
  CHECK(run({TWINSTAR_BINARY, "check", url, "--insecure", "--gopher", gopher}, lines) == 0);
  REQUIRE_FALSE(lines.empty());
  CAPTURE(lines.back());
  CHECK(std::regex_match(lines.back(), std::regex("[0-9]+ passed, 0 failed")));
  CHECK(lines.size() > 50);  // one line per check before the totals
  CHECK(std::any_of(lines.begin(), lines.end(),
                    [](const std::string& l) { return l.rfind("MUST   PASS", 0) == 0; }));

  std::vector<std::string> json;
  CHECK(run({TWINSTAR_BINARY, "check", url, "--insecure", "--json"}, json) == 0);
  REQUIRE_FALSE(json.empty());
  CHECK(json.front() == "{");
  CHECK(json.back() == "}");
  CHECK(std::count(json.begin(), json.end(), "  \"failed\": 0,") == 1);

  std::vector<std::string> ignored;
  CHECK(run({TWINSTAR_BINARY, "check", "https://localhost/", "--insecure"}, ignored) == 2);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  std::filesystem::remove_all(dir);
}
