// Session tickets on a real server: how many are sent, resumption, and the
// rotation of the keys that seal them.
#include <doctest/doctest.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <memory>

#include "fixture.hpp"
#include "twinstar/tls.hpp"

using namespace twinstar;
using asio::ip::tcp;

namespace {

struct session_free {
  void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using session_ptr = std::unique_ptr<SSL_SESSION, session_free>;

int tickets_seen = 0;
int count_ticket(SSL*, SSL_SESSION*) {
  ++tickets_seen;
  return 0;  // not kept by the callback
}

struct fetched {
  std::string reply;
  bool resumed = false;
  int tickets = 0;
  session_ptr session;
};

// One request over a fresh connection, offering `reuse` for resumption.
fetched fetch(const test::running_server& srv, SSL_SESSION* reuse) {
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_session_cache_mode(ctx.native_handle(),
                                 SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx.native_handle(), count_ticket);
  asio::ssl::stream<tcp::socket> stream(io, ctx);
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), srv.gemini_port});
  SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
  if (reuse) SSL_set_session(stream.native_handle(), reuse);
  tickets_seen = 0;
  stream.handshake(asio::ssl::stream_base::client);
  std::string request = srv.base() + "/page.gmi\r\n";
  asio::write(stream, asio::buffer(request));
  fetched out;
  std::error_code ec;
  asio::read(stream, asio::dynamic_buffer(out.reply), ec);
  out.resumed = SSL_session_reused(stream.native_handle()) == 1;
  // The server closed with close_notify; without marking ours sent too,
  // SSL_free would flag the session as not resumable.
  SSL_set_shutdown(stream.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  out.tickets = tickets_seen;
  out.session.reset(SSL_get1_session(stream.native_handle()));
  return out;
}

}  // namespace

TEST_CASE("tls: one session ticket per handshake and a resumed session answers the same") {
  auto srv = test::start_test_server("tls-tickets");
  auto first = fetch(*srv, nullptr);
  CHECK(first.reply.starts_with("20 text/gemini"));
  CHECK_FALSE(first.resumed);
  CHECK(first.tickets == 1);  // OpenSSL's default would be two
  REQUIRE(first.session);
  auto second = fetch(*srv, first.session.get());
  CHECK(second.resumed);
  CHECK(second.reply == first.reply);
}

TEST_CASE("tls: tickets under the previous key still resume and older ones do not") {
  auto srv = test::start_test_server("tls-rotation");
  auto first = fetch(*srv, nullptr);
  REQUIRE(first.session);

  tls::rotate_ticket_keys();  // first's key is now the previous one
  auto after_one = fetch(*srv, first.session.get());
  CHECK(after_one.resumed);
  CHECK(after_one.tickets == 1);  // and a ticket under the current key replaces it

  tls::rotate_ticket_keys();  // first's key is gone
  auto after_two = fetch(*srv, first.session.get());
  CHECK_FALSE(after_two.resumed);
  CHECK(after_two.reply.starts_with("20 text/gemini"));  // a full handshake instead

  REQUIRE(after_one.session);  // sealed under the key that is now the previous one
  CHECK(fetch(*srv, after_one.session.get()).resumed);
}

// Which suite the server picks from what a client offers: AES-128-GCM over
// OpenSSL's default AES-256-GCM, ChaCha20 for a client that prefers it, and
// no non-AEAD suite on TLS 1.2.
TEST_CASE("tls: the server's suite preference") {
  auto srv = test::start_test_server("tls-suites");
  struct row {
    const char* name;
    int version;
    const char* offered;  // TLS 1.3 suites or TLS 1.2 cipher list, in the client's order
    const char* chosen;   // nullptr: no handshake
  };
  const row rows[] = {
      {"TLS 1.3, OpenSSL's default order", TLS1_3_VERSION, nullptr, "TLS_AES_128_GCM_SHA256"},
      {"TLS 1.3, AES-256 first", TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256",
       "TLS_AES_128_GCM_SHA256"},
      {"TLS 1.3, ChaCha20 first", TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
       "TLS_CHACHA20_POLY1305_SHA256"},
      {"TLS 1.3, AES-256 only", TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"},
      {"TLS 1.2, OpenSSL's default list", TLS1_2_VERSION, nullptr, "ECDHE-ECDSA-AES128-GCM-SHA256"},
      {"TLS 1.2, CBC only", TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA", nullptr},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    asio::io_context io;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), r.version);
    SSL_CTX_set_max_proto_version(ctx.native_handle(), r.version);
    if (r.offered && r.version == TLS1_3_VERSION)
      REQUIRE(SSL_CTX_set_ciphersuites(ctx.native_handle(), r.offered) == 1);
    if (r.offered && r.version == TLS1_2_VERSION)
      REQUIRE(SSL_CTX_set_cipher_list(ctx.native_handle(), r.offered) == 1);
    asio::ssl::stream<tcp::socket> stream(io, ctx);
    stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), srv->gemini_port});
    SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
    std::error_code ec;
    stream.handshake(asio::ssl::stream_base::client, ec);
    if (r.chosen == nullptr) {
      CHECK(ec);
      continue;
    }
    REQUIRE_FALSE(ec);
    CHECK(std::string(SSL_get_cipher_name(stream.native_handle())) == r.chosen);
    std::string request = srv->base() + "/page.gmi\r\n";
    asio::write(stream, asio::buffer(request));
    std::string reply;
    asio::read(stream, asio::dynamic_buffer(reply), ec);
    CHECK(reply.starts_with("20 "));
  }
}
