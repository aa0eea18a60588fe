// deploy/haproxy/haproxy.cfg, as shipped, in front of two twinstar instances
// on loopback: requests are spread over both, and each instance sees the
// real client (the client comes from ::1, HAProxy connects from 127.0.0.1).
// Needs the haproxy package: skipped visibly without it, a failure under CI=true.
#include <doctest/doctest.h>
#include <signal.h>

#include <asio.hpp>
#include <chrono>
#include <set>
#include <string>

#include "fixture.hpp"
#include "process.hpp"
#include "twinstar/proxy_protocol.hpp"

using namespace std::chrono_literals;
using namespace twinstar;

namespace {

// One instance whose who.txt says `name`, both listeners expecting PROXY v2.
std::unique_ptr<test::running_server> start_instance(const std::string& name) {
  return test::start_one_host_server(
      "haproxy-" + name, {{"who.txt", name + "\n"}, {"index.gmi", "# " + name + "\n=> who.txt Who\n"}},
      [](server_config& c) {
        c.listen[0].proxy_protocol = proxy_version::v2;
        c.gopher_listen[0].proxy_protocol = proxy_version::v2;
        c.access_log = (c.cert_dir.parent_path() / "access.log").string();
      });
}

// A loopback port free a moment ago, for HAProxy's frontends.
std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("::1"), 0});
  return a.local_endpoint().port();
}

// HAProxy in master-worker mode, stopped (workers and all) with the test.
struct haproxy_process {
  test::child_process process;
  ~haproxy_process() {
    process.signal(SIGTERM);
    process.wait(10s);
  }
};

std::string access_log(const test::running_server& s, std::size_t lines) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  std::string text;
  for (;;) {
    text = test::read_file(s.dir / "access.log");
    std::size_t n = 0;
    for (char c : text) n += c == '\n';
    if (n >= lines || std::chrono::steady_clock::now() > until) return text;
    std::this_thread::yield();
  }
}

}  // namespace

TEST_CASE("haproxy spreads Gemini and Gopher over two instances / client addresses preserved") {
  if (!test::tools_present({"haproxy"})) return;
  auto a = start_instance("A");
  auto b = start_instance("B");
  const std::uint16_t gemini_front = free_port(), gopher_front = free_port();
  const std::string haproxy = test::run_command("command -v haproxy | tr -d '\\n'");
  const auto endpoint = [](std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); };
  haproxy_process proxy{test::child_process(
      {"/usr/bin/env", "GEMINI_BIND=[::1]:" + std::to_string(gemini_front),
       "GOPHER_BIND=[::1]:" + std::to_string(gopher_front), "TWINSTAR_A_GEMINI=" + endpoint(a->gemini_port),
       "TWINSTAR_B_GEMINI=" + endpoint(b->gemini_port), "TWINSTAR_A_GOPHER=" + endpoint(a->gopher_port),
       "TWINSTAR_B_GOPHER=" + endpoint(b->gopher_port), haproxy, "-W", "-db", "-f",
       TWINSTAR_SOURCE_DIR "/deploy/haproxy/haproxy.cfg"})};
  REQUIRE_MESSAGE(proxy.process.wait_for_stderr("Loading success"), proxy.process.stderr_text());

  client::options o;
  o.sni = "localhost";
  o.timeout = 10s;
  std::multiset<std::string> gemini_bodies, gopher_bodies;
  for (int i = 0; i < 4; ++i) {
    // The URL names HAProxy's port: each instance checks it against where
    // the client connected (the PROXY header's destination), not its own.
    auto r = client::send_gemini("::1", gemini_front,
                                 "gemini://localhost:" + std::to_string(gemini_front) + "/who.txt\r\n", o);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
    CHECK(r->status == 20);
    gemini_bodies.insert(r->body);
    auto g = client::send_gopher("::1", gopher_front, "/who.txt\r\n", o);
    REQUIRE_MESSAGE(g.ok(), (g.ok() ? "" : g.error()));
    gopher_bodies.insert(g->body);
  }
  // Round robin: two each.
  CHECK(gemini_bodies.count("A\n") == 2);
  CHECK(gemini_bodies.count("B\n") == 2);
  CHECK(gopher_bodies.count("A\n") == 2);
  CHECK(gopher_bodies.count("B\n") == 2);

  // Gopher menus name HAProxy's port, where clients must come back.
  auto menu = client::send_gopher("::1", gopher_front, "/\r\n", o);
  REQUIRE(menu.ok());
  CHECK(menu->body.find("\t" + std::to_string(gopher_front) + "\r\n") != std::string::npos);
  CHECK(menu->body.find("\t" + std::to_string(a->gopher_port) + "\r\n") == std::string::npos);
  CHECK(menu->body.find("\t" + std::to_string(b->gopher_port) + "\r\n") == std::string::npos);

  // No SNI: no capsule to route to, HAProxy ends the connection.
  auto o_no_sni = o;
  o_no_sni.sni = "";
  CHECK_FALSE(client::send_gemini("::1", gemini_front, "gemini://localhost/\r\n", o_no_sni).ok());

  // Each instance logged its four requests (five with the menu) from ::1, the client,
  // never from 127.0.0.1, HAProxy's side of the connection.
  for (const auto* s : {a.get(), b.get()}) {
    const std::string log = access_log(*s, 4);
    CAPTURE(log);
    CHECK(log.find("[::1]:") != std::string::npos);
    CHECK(log.find("127.0.0.1:") == std::string::npos);
  }
}
