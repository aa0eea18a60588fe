// Reload and limits, from adversarial probing: a reload with a bad root keeps
// the old configuration, and a flood of connections
// from one address is throttled at accept while others are served.
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <asio.hpp>

#include "fixture.hpp"
#include "process.hpp"

using namespace twinstar;
using namespace std::chrono_literals;

namespace {

client::options patient() {
  client::options o;
  o.sni = "localhost";
  o.timeout = 20s;
  return o;
}

}  // namespace

TEST_CASE("reload: a root that does not exist keeps the running configuration / in process") {
  auto srv = test::start_test_server("reload-root");
  auto typo = std::make_shared<server_config>(*srv->config);
  typo->hosts[0].root = srv->dir / "roott";
  typo->hosts[0].gone.push_back("/page.gmi");
  const auto refused = srv->srv->reload(typo);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().find("roott") != std::string::npos);
  CHECK(refused.error().find("does not exist") != std::string::npos);
  CHECK(srv->get(srv->base() + "/page.gmi\r\n").status == 20);  // the old config, whole
  CHECK(srv->get(srv->base() + "/\r\n").status == 20);
}

TEST_CASE("reload: a root typo on SIGHUP is reported at its line and the site stays up") {
  auto dir = test::fresh_temp_dir("reload-root-bin");
  test::write_file(dir / "root" / "index.gmi", "# Home\n");
  auto config = [&](const std::string& root) {
    test::write_file(dir / "twinstar.toml",
                     "[server]\nlisten = [\"127.0.0.1:0\"]\ngopher_listen = []\naccess_log = \"off\"\n"
                     "cert_dir = \"certs\"\n[[host]]\nname = \"localhost\"\nroot = \"" +
                         root + "\"\n");
  };  // by hand: the root is what changes
  config("root");
  test::child_process proc(
      {TWINSTAR_BINARY, "serve", "--config", (dir / "twinstar.toml").string(), "--allow-root"});
  auto line = proc.wait_for("listening on gemini://127.0.0.1:");
  REQUIRE(line);
  const auto port = test::port_of(*line);
  auto fetch = [&] {
    auto r = client::send_gemini("127.0.0.1", port, "gemini://localhost/\r\n", patient());
    return r ? r->status : -1;
  };
  CHECK(fetch() == 20);
  config("~/capsule");
  proc.signal(SIGHUP);
  CHECK(proc.wait_for_stderr("reload failed"));
  CHECK(proc.stderr_text().find("twinstar.toml:8:8: host 'localhost': root") != std::string::npos);
  CHECK(proc.stderr_text().find("'~' is not expanded") != std::string::npos);
  CHECK(proc.stderr_text().find("reload failed") != std::string::npos);
  CHECK(fetch() == 20);
  proc.signal(SIGTERM);
  CHECK(proc.wait() == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("rate limit: a connection flood from one address is throttled at accept / others are served") {
  auto srv = test::start_test_server("flood", [](server_config& c) {
    c.rate_limit.per_second = 0.01;  // tokens come back far slower than this test runs
    c.rate_limit.burst = 5;          // connections: burst 20
    c.max_connections_per_ip = 0;
    c.listen.push_back({"::1", 0});
  });
  std::uint16_t v6_port = 0;
  for (const auto& ep : srv->srv->endpoints())
    if (ep.protocol == protocol::gemini && ep.address == "::1") v6_port = ep.port;
  REQUIRE(v6_port != 0);
  // 100 connections from 127.0.0.1 that say nothing and reset: the
  // ClientHello-and-reset flood without the ClientHello.
  asio::io_context io;
  for (int i = 0; i < 100; ++i) {
    asio::ip::tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), srv->gemini_port});
    s.set_option(asio::socket_base::linger(true, 0));
    s.close();
  }
  // 127.0.0.1 is now dropped at accept, before any TLS: its handshake fails.
  CHECK_FALSE(client::send_gemini("127.0.0.1", srv->gemini_port, srv->base() + "/\r\n", patient()).ok());
  // Another address has its own allowance.
  auto other = client::send_gemini("::1", v6_port, "gemini://localhost:" + std::to_string(v6_port) + "/\r\n",
                                   patient());
  REQUIRE(other.ok());
  CHECK(other->status == 20);
}
