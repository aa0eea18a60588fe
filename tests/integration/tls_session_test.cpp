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
  SSL_CTX_set_session_cache_mode(ctx.native_handle(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
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
