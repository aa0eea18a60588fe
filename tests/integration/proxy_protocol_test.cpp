// Listeners that expect a PROXY protocol header (v1, v2): the client it
// names is the one logged, limited and capped; a connection without a valid
// header is refused and holds no slot.
#include "twinstar/proxy_protocol.hpp"

#include <doctest/doctest.h>

#include <asio.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cgi_fixture.hpp"
#include "fixture.hpp"

using namespace std::chrono_literals;
using namespace twinstar;
using asio::ip::tcp;

namespace {

std::string v1_header(const std::string& source, int port) {
  return "PROXY TCP4 " + source + " 127.0.0.1 " + std::to_string(port) + " 1965\r\n";
}

// A v2 PROXY (command 1) header for an IPv4 client that connected to
// 127.0.0.1:`to`, or LOCAL (command 0).
std::string v2_header(std::array<unsigned char, 4> source, std::uint16_t port, std::uint16_t to,
                      bool local = false) {
  std::string h("\r\n\r\n\0\r\nQUIT\n", 12);
  h += static_cast<char>(local ? 0x20 : 0x21);
  h += static_cast<char>(0x11);  // AF_INET, STREAM
  h += '\0';
  h += static_cast<char>(12);
  for (unsigned char c : source) h += static_cast<char>(c);
  for (unsigned char c : {127, 0, 0, 1}) h += static_cast<char>(c);
  h += static_cast<char>(port >> 8);
  h += static_cast<char>(port & 0xff);
  h += static_cast<char>(to >> 8);
  h += static_cast<char>(to & 0xff);
  return h;
}

// Gemini expects v2, Gopher v1; the header (and the handshake) has `handshake` to come.
std::unique_ptr<test::running_server> start_proxied(const std::string& tag,
                                                    std::chrono::milliseconds handshake = 500ms) {
  return test::start_test_server(tag, [handshake](server_config& c) {
    c.listen[0].proxy_protocol = proxy_version::v2;
    c.gopher_listen[0].proxy_protocol = proxy_version::v1;
    c.handshake_timeout = handshake;
    c.max_connections_per_ip = 1;
  });
}

client::options with_preamble(const test::running_server& srv, std::string preamble) {
  auto o = srv.opts();
  o.preamble = std::move(preamble);
  return o;
}

// The access log once it holds `needle` (bounded wait: lines are written
// after the answer went out).
std::string log_with(const test::running_server& srv, const std::string& needle) {
  const auto log = srv.dir / "access.log";
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (test::read_file(log).find(needle) == std::string::npos && std::chrono::steady_clock::now() < until)
    std::this_thread::yield();
  return test::read_file(log);
}

// Everything the server sends to a raw connection that sends `bytes`, until it closes.
std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds* took = nullptr) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  const auto start = std::chrono::steady_clock::now();
  if (!bytes.empty()) asio::write(s, asio::buffer(bytes));
  std::string reply;
  std::error_code ec;
  asio::read(s, asio::dynamic_buffer(reply), ec);
  if (took)
    *took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return reply;
}

}  // namespace

TEST_CASE("PROXY protocol: the named client is served and logged / v2 Gemini and v1 Gopher") {
  auto srv = start_proxied("proxy-valid");
  auto gemini = client::send_gemini("127.0.0.1", srv->gemini_port, srv->base() + "/page.gmi\r\n",
                                    with_preamble(*srv, v2_header({192, 0, 2, 1}, 40000, srv->gemini_port)));
  REQUIRE(gemini.ok());
  CHECK(gemini->status == 20);
  CHECK(gemini->body == "# A page\nText.\n");
  CHECK(log_with(*srv, "192.0.2.1:40000").find("192.0.2.1:40000 gemini") != std::string::npos);
  // The port a URL names is checked against where the client connected
  // (the proxy's listener, from the header), not against our own.
  auto at_proxy = client::send_gemini("127.0.0.1", srv->gemini_port, "gemini://localhost:1965/page.gmi\r\n",
                                      with_preamble(*srv, v2_header({192, 0, 2, 1}, 40001, 1965)));
  REQUIRE(at_proxy.ok());
  CHECK(at_proxy->status == 20);
  auto ours = client::send_gemini("127.0.0.1", srv->gemini_port, srv->base() + "/page.gmi\r\n",
                                  with_preamble(*srv, v2_header({192, 0, 2, 1}, 40002, 1965)));
  REQUIRE(ours.ok());
  CHECK(ours->status == 53);

  auto gopher = client::send_gopher("127.0.0.1", srv->gopher_port, "/page.gmi\r\n",
                                    with_preamble(*srv, v1_header("198.51.100.9", 41000)));
  REQUIRE(gopher.ok());
  CHECK(gopher->body.find("A page") != std::string::npos);
  CHECK(log_with(*srv, "198.51.100.9:41000").find("198.51.100.9:41000 gopher") != std::string::npos);

  // LOCAL (the proxy's own health check): served as the connection itself.
  auto local = client::send_gemini("127.0.0.1", srv->gemini_port, srv->base() + "/\r\n",
                                   with_preamble(*srv, v2_header({0, 0, 0, 0}, 0, 0, true)));
  REQUIRE(local.ok());
  CHECK(local->status == 20);
  CHECK(srv->settles_at(0));
}

TEST_CASE("PROXY protocol: a CGI script sees the named client and the port it connected to") {
  auto site = test::start_cgi_server(
      "proxy-cgi", std::chrono::milliseconds(5000),
      [](server_config& c, const std::filesystem::path&) { c.listen[0].proxy_protocol = proxy_version::v2; });
  auto& srv = *site.srv;
  auto r = client::send_gemini("127.0.0.1", srv.gemini_port, srv.base() + "/cgi-bin/env\r\n",
                               with_preamble(srv, v2_header({192, 0, 2, 7}, 40100, srv.gemini_port)));
  REQUIRE(r.ok());
  CHECK(r->status == 20);
  CAPTURE(r->body);
  CHECK(r->body.find("REMOTE_ADDR=192.0.2.7\n") != std::string::npos);
  CHECK(r->body.find("SERVER_PORT=" + std::to_string(srv.gemini_port) + "\n") != std::string::npos);
  CHECK(r->body.find("REMOTE_ADDR=127.0.0.1") == std::string::npos);
}

TEST_CASE("PROXY protocol: no header, garbage or the wrong version is refused / no slot leaked") {
  auto srv = start_proxied("proxy-refused");
  // A plain TLS client on a v2 listener: its ClientHello is not a header.
  auto plain = client::send_gemini("127.0.0.1", srv->gemini_port, srv->base() + "/\r\n", srv->opts());
  CHECK_FALSE(plain.ok());
  // A v1 header on the v2 listener, a v2 header on the v1 one.
  auto v1_on_v2 = client::send_gemini("127.0.0.1", srv->gemini_port, srv->base() + "/\r\n",
                                      with_preamble(*srv, v1_header("192.0.2.1", 40000)));
  CHECK_FALSE(v1_on_v2.ok());
  CHECK(raw_exchange(srv->gopher_port, v2_header({192, 0, 2, 1}, 40000, srv->gemini_port) + "/page.gmi\r\n")
            .empty());
  // A plain Gopher selector and a line of garbage: closed without an answer.
  std::chrono::milliseconds took{};
  CHECK(raw_exchange(srv->gopher_port, "/page.gmi\r\n", &took).empty());
  CHECK(took < 400ms);  // at once, not at the header deadline
  CHECK(raw_exchange(srv->gopher_port, "PROXY TCP4 999.0.0.1 127.0.0.1 1 2\r\n/\r\n").empty());
  // Silence: closed at the header deadline (handshake_timeout, 500 ms).
  CHECK(raw_exchange(srv->gemini_port, "", &took).empty());
  CHECK(took >= 400ms);
  CHECK(took < 5s);
  CHECK(raw_exchange(srv->gopher_port, "PROXY TCP4 192.0.2.1", &took).empty());  // half a header
  CHECK(took >= 400ms);
  CHECK(srv->settles_at(0));
  // Still serving, with max_connections_per_ip = 1: no slot was kept.
  auto after = client::send_gemini("127.0.0.1", srv->gemini_port, srv->base() + "/\r\n",
                                   with_preamble(*srv, v2_header({192, 0, 2, 1}, 40000, srv->gemini_port)));
  REQUIRE(after.ok());
  CHECK(after->status == 20);
}

TEST_CASE("PROXY protocol: the per-IP cap counts the named client / not the proxy") {
  auto srv = start_proxied("proxy-cap", 10s);
  // One connection for 192.0.2.7, header sent, TLS not begun: it holds that client's one slot.
  asio::io_context io;
  tcp::socket held(io);
  held.connect({asio::ip::make_address("127.0.0.1"), srv->gemini_port});
  asio::write(held, asio::buffer(v2_header({192, 0, 2, 7}, 50000, srv->gemini_port)));
  REQUIRE(srv->settles_at(1));
  // The same client again (over Gopher, which says why): over its cap.
  CHECK(raw_exchange(srv->gopher_port, v1_header("192.0.2.7", 50001) + "/\r\n")
            .starts_with("3Too many connections"));
  // Another client through the same proxy address: served.
  auto other = client::send_gopher("127.0.0.1", srv->gopher_port, "/page.gmi\r\n",
                                   with_preamble(*srv, v1_header("192.0.2.8", 50002)));
  REQUIRE(other.ok());
  CHECK(other->body.find("A page") != std::string::npos);
  held.close();
  CHECK(srv->settles_at(0));
}
