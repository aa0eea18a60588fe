// Limits on loopback: slow clients closed on time, connection caps, rate
// limiting, client certificates, reload with open connections.
#include <doctest/doctest.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <vector>

#include "fixture.hpp"

using namespace twinstar;
using namespace std::chrono_literals;
using asio::ip::tcp;

namespace {

client::options patient() {
  client::options o;
  o.sni = "localhost";
  o.timeout = 20s;  // far above the server's limits: a close is the server's doing
  return o;
}

}  // namespace

TEST_CASE("slow clients are closed within the configured time / Gemini and Gopher") {
  auto srv = test::start_test_server("slowloris", [](server_config& c) {
    c.handshake_timeout = 2500ms;
    c.request_timeout = 600ms;  // shorter: once the handshake is done, this holds at once
  });
  struct row {
    const char* name;
    bool gemini_tls;  // through TLS (handshake done) or raw TCP
    std::uint16_t port;
    std::string sent;
    std::chrono::milliseconds at_least, below;  // when the server closes
  };
  const row rows[] = {
      {"Gemini: TCP only, no handshake", false, srv->gemini_port, "", 2400ms, 10s},
      {"Gemini: handshake, then nothing", true, srv->gemini_port, "", 500ms, 2400ms},
      {"Gemini: half a request", true, srv->gemini_port, "gemini://localhost/pa", 500ms, 2400ms},
      {"Gemini: garbage instead of a handshake", false, srv->gemini_port, "GET / HTTP/1.0\r\n\r\n", 0ms, 2s},
      {"Gopher: nothing", false, srv->gopher_port, "", 500ms, 10s},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    std::chrono::microseconds elapsed{};
    if (r.gemini_tls) {
      auto reply = client::send_gemini("127.0.0.1", r.port, r.sent, patient());
      REQUIRE(reply.ok());
      CHECK(reply->status == 0);  // closed without an answer
      elapsed = reply->elapsed;
    } else {
      auto reply = client::send_gopher("127.0.0.1", r.port, r.sent, patient());
      REQUIRE(reply.ok());
      elapsed = reply->elapsed;
    }
    CHECK(elapsed >= r.at_least);
    CHECK(elapsed < r.below);
  }
  // Gopher: half a selector (no line end) is answered as sent once the client
  // stops, or closed at the deadline; it never hangs.
  auto half = client::send_gopher("127.0.0.1", srv->gopher_port, "/page", patient());
  REQUIRE(half.ok());
  CHECK(half->elapsed < 10s);
  CHECK(srv->settles_at(0));  // no slot leaked
  CHECK(srv->get(srv->base() + "/\r\n").status == 20);
}

TEST_CASE("per-IP connection cap: refused cheaply / slots come back") {
  auto srv = test::start_test_server("cap", [](server_config& c) {
    c.max_connections_per_ip = 3;
    c.handshake_timeout = 5s;
  });
  asio::io_context io;
  std::vector<tcp::socket> held;
  for (int i = 0; i < 3; ++i) {
    held.emplace_back(io);
    held.back().connect({asio::ip::make_address("127.0.0.1"), srv->gemini_port});
  }
  REQUIRE(srv->settles_at(3));
  // Gemini past the cap: closed at once, long before the handshake timeout.
  auto refused = client::send_gopher("127.0.0.1", srv->gemini_port, "", patient());
  REQUIRE(refused.ok());
  CHECK(refused->body.empty());
  CHECK(refused->elapsed < 2s);
  // Gopher past the cap: an error item.
  auto item = client::send_gopher("127.0.0.1", srv->gopher_port, "/\r\n", patient());
  REQUIRE(item.ok());
  CHECK(item->body.starts_with("3Too many connections"));
  for (auto& s : held) s.close();
  CHECK(srv->settles_at(0));
  CHECK(srv->get(srv->base() + "/page.gmi\r\n").status == 20);
}

TEST_CASE("rate limit: 44 with a retry time on Gemini / an error item on Gopher") {
  auto srv = test::start_test_server("rate", [](server_config& c) {
    c.rate_limit.per_second = 0.5;  // one token every 2 s
    c.rate_limit.burst = 2;
  });
  CHECK(srv->get(srv->base() + "/page.gmi\r\n").status == 20);
  CHECK(srv->get(srv->base() + "/page.gmi\r\n").status == 20);
  auto slow = srv->get(srv->base() + "/page.gmi\r\n");
  CHECK(slow.status == 44);
  CHECK(slow.meta == "2");
  CHECK(slow.body.empty());
  auto item = client::send_gopher("127.0.0.1", srv->gopher_port, "/\r\n", patient());
  REQUIRE(item.ok());
  CHECK(item->body.starts_with("3Slow down"));
}

TEST_CASE("rate limit: repeated abuse is banned and dropped at accept / also after a reload") {
  auto srv = test::start_test_server("ban", [](server_config& c) {
    c.rate_limit.per_second = 0.01;
    c.rate_limit.burst = 1;
    c.rate_limit.ban_after = 2;
    c.rate_limit.ban_for = 60s;
  });
  CHECK(srv->get(srv->base() + "/\r\n").status == 20);
  CHECK(srv->get(srv->base() + "/\r\n").status == 44);
  auto ban = srv->get(srv->base() + "/\r\n");
  CHECK(ban.status == 44);
  CHECK(ban.meta == "60");
  // Now the connection is closed before any TLS: the handshake fails.
  auto r = client::send_gemini("127.0.0.1", srv->gemini_port, srv->base() + "/\r\n", patient());
  CHECK_FALSE(r.ok());

  // Regression: a reload built fresh limiters and so lifted every ban.
  auto next = std::make_shared<server_config>(*srv->config);
  next->hosts[0].gone.push_back("/removed-too.gmi");
  REQUIRE(srv->srv->reload(next).ok());
  CHECK_FALSE(client::send_gemini("127.0.0.1", srv->gemini_port, srv->base() + "/\r\n", patient()).ok());
  auto item = client::send_gopher("127.0.0.1", srv->gopher_port, "/\r\n", patient());
  REQUIRE(item.ok());
  CHECK(item->body.starts_with("3Banned"));
}

TEST_CASE("client certificates: 60 without / 61 unknown / 62 expired / 20 allowed") {
  auto dir = test::fresh_temp_dir("clientcerts");
  REQUIRE(tls::generate_self_signed(dir / "good.crt", dir / "good.key", {"good client"}).ok());
  REQUIRE(tls::generate_self_signed(dir / "other.crt", dir / "other.key", {"other client"}).ok());
  REQUIRE(tls::generate_self_signed(dir / "old.crt", dir / "old.key", {"old client"}, -30, -1).ok());
  std::string good_print;
  {
    // The fingerprint as the server computes it, from the certificate file.
    FILE* f = std::fopen((dir / "good.crt").c_str(), "r");
    REQUIRE(f);
    X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    good_print = tls::fingerprint(x);
    X509_free(x);
  }
  auto srv = test::start_test_server("certs", [&](server_config& c) {
    c.hosts[0].paths.push_back({"/listed/", std::nullopt, true, {}});
    c.hosts[0].paths.push_back({"/listed/inner/", std::nullopt, true, {good_print}});
  });
  struct row {
    const char* path;
    const char* cert;  // nullptr = none
    int status;
  };
  const row rows[] = {
      {"/page.gmi", nullptr, 20},           {"/listed/a.txt", nullptr, 60},
      {"/listed/a.txt", "other", 20},       {"/listed/a.txt", "old", 62},
      {"/listed/inner/x.txt", "other", 61}, {"/listed/inner/x.txt", "good", 20},
      {"/listed/inner/x.txt", nullptr, 60},
  };
  for (const auto& r : rows) {
    CAPTURE(r.path);
    CAPTURE((r.cert ? r.cert : "none"));
    auto o = patient();
    if (r.cert) {
      o.cert_file = dir / (std::string(r.cert) + ".crt");
      o.key_file = dir / (std::string(r.cert) + ".key");
    }
    auto reply = client::send_gemini("127.0.0.1", srv->gemini_port, srv->base() + r.path + "\r\n", o);
    REQUIRE(reply.ok());
    CHECK(reply->status == r.status);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("reload: new connections see the new config / open ones keep theirs") {
  auto srv = test::start_test_server("reload");
  // An open connection, handshake done, request not yet sent.
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  asio::ssl::stream<tcp::socket> open_one(io, ctx);
  open_one.next_layer().connect({asio::ip::make_address("127.0.0.1"), srv->gemini_port});
  SSL_set_tlsext_host_name(open_one.native_handle(), "localhost");
  open_one.handshake(asio::ssl::stream_base::client);

  auto next = std::make_shared<server_config>(*srv->config);
  next->hosts[0].gone.push_back("/page.gmi");
  REQUIRE(srv->srv->reload(next).ok());
  CHECK(srv->get(srv->base() + "/page.gmi\r\n").status == 52);

  std::string request = srv->base() + "/page.gmi\r\n";
  asio::write(open_one, asio::buffer(request));
  std::string reply;
  std::error_code ec;
  asio::read(open_one, asio::dynamic_buffer(reply), ec);
  CHECK(reply.starts_with("20 text/gemini"));

  // A reload that cannot load its certificate changes nothing.
  auto broken = std::make_shared<server_config>(*next);
  broken->hosts[0].cert = srv->dir / "missing.crt";
  const auto refused = srv->srv->reload(broken);
  REQUIRE_FALSE(refused);
  CHECK_FALSE(refused.error().empty());
  CHECK(srv->get(srv->base() + "/page.gmi\r\n").status == 52);
}
