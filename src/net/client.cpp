#include "twinstar/client.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include "client_async.hpp"
#include "twinstar/tls.hpp"
#include "twinstar/url.hpp"

namespace twinstar::client {
namespace {

using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using clock = std::chrono::steady_clock;
constexpr auto nothrow = asio::experimental::as_tuple(asio::use_awaitable);

bool is_ip_literal(const std::string& host) {
  std::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

asio::awaitable<std::error_code> connect(tcp::socket& socket, const std::string& host, std::uint16_t port) {
  tcp::resolver resolver(socket.get_executor());
  auto [rec, results] = co_await resolver.async_resolve(host, std::to_string(port), nothrow);
  if (rec) co_return rec;
  auto [cec, ep] = co_await asio::async_connect(socket, results, nothrow);
  if (!cec) socket.set_option(tcp::no_delay(true), cec);
  co_return cec;
}

asio::awaitable<void> expire(clock::duration after, tcp::socket& socket) {
  asio::steady_timer timer(co_await asio::this_coro::executor, after);
  auto [ec] = co_await timer.async_wait(nothrow);
  if (ec) co_return;
  std::error_code ignored;
  socket.close(ignored);
}

template <class T>
T run_sync(asio::io_context& io, asio::awaitable<T> work) {
  std::optional<T> out;
  auto store = [](asio::awaitable<T> w, std::optional<T>& o) -> asio::awaitable<void> {
    o.emplace(co_await std::move(w));
  };
  asio::co_spawn(io, store(std::move(work), out), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  return std::move(*out);
}

asio::awaitable<gemini_result> exchange(asio::ssl::stream<tcp::socket>& stream, const std::string& host,
                                        std::uint16_t port, const std::string& request, const options& opt,
                                        SSL_SESSION** session, bool handshake_only) {
  auto started = clock::now();
  if (auto ec = co_await connect(stream.next_layer(), host, port))
    co_return fail("cannot connect to " + host + ":" + std::to_string(port) + ": " + ec.message());
  if (!opt.preamble.empty()) {
    auto [pec, pn] = co_await asio::async_write(stream.next_layer(), asio::buffer(opt.preamble), nothrow);
    if (pec) co_return fail("cannot send preamble: " + pec.message());
  }
  SSL* ssl = stream.native_handle();
  if (opt.sni && !opt.sni->empty()) SSL_set_tlsext_host_name(ssl, opt.sni->c_str());
  if (session && *session) SSL_set_session(ssl, *session);
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, nothrow);
  if (hec) co_return fail("TLS handshake failed: " + hec.message());
  gemini_reply reply;
  reply.tls_version = SSL_get_version(ssl);
  if (X509* peer = SSL_get1_peer_certificate(ssl)) {
    reply.peer_fingerprint = tls::fingerprint(peer);
    char cn[256] = "";
    X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
    reply.peer_subject = cn;
    X509_free(peer);
  }
  if (session) {
    if (*session) SSL_SESSION_free(*session);
    *session = SSL_get1_session(ssl);
  }
  if (handshake_only) co_return reply;

  // A server may answer before taking the whole request (a refused Titan
  // upload) and close: its answer is still read before giving up.
  auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(request), nothrow);
  std::string data;
  char buf[16384];
  std::error_code end;
  for (;;) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(buf), nothrow);
    data.append(buf, n);
    if (rec) {
      end = rec;
      break;
    }
    if (data.size() > opt.max_body) break;
  }
  if (wec && data.empty()) co_return fail("cannot send request: " + wec.message());
  reply.close_notify = end == asio::error::eof;
  if (end && end != asio::error::eof && end != asio::ssl::error::stream_truncated && data.empty())
    co_return fail("reading response: " + end.message());
  auto lf = data.find('\n');
  reply.raw_header = data.substr(0, lf == std::string::npos ? data.size() : lf + 1);
  if (lf != std::string::npos) reply.body = data.substr(lf + 1);
  parse_header(reply);
  if (reply.close_notify) {
    // Answer the server's close_notify; the server need not wait for it.
    SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
    co_await stream.async_shutdown(nothrow);
  }
  reply.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - started);
  co_return reply;
}

struct target {
  std::string host;
  std::uint16_t port;
};

result<target, std::string> target_of(std::string_view url_text, std::uint16_t default_port,
                                      const options& opt, std::string& url_host) {
  auto parsed = parse_url(url_text);
  if (!parsed) return fail(std::string("invalid URL: ") + std::string(describe(parsed.error().code)));
  url_host = parsed->host;
  target t{opt.connect_host.empty() ? parsed->host : opt.connect_host,
           opt.connect_port ? opt.connect_port : parsed->port.value_or(default_port)};
  return t;
}

options with_default_sni(const options& opt, const std::string& host) {
  options o = opt;
  if (!o.sni) o.sni = is_ip_literal(host) ? std::string() : host;
  return o;
}

}  // namespace

void parse_header(gemini_reply& reply) {
  const std::string& h = reply.raw_header;
  bool crlf = h.size() >= 2 && h.ends_with("\r\n");
  std::string_view line(h);
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line.size() >= 2 && std::isdigit(static_cast<unsigned char>(line[0])) &&
      std::isdigit(static_cast<unsigned char>(line[1]))) {
    reply.status = (line[0] - '0') * 10 + (line[1] - '0');
    bool spaced = line.size() >= 3 && line[2] == ' ';
    reply.meta = line.size() > 3 ? std::string(line.substr(3)) : std::string();
    reply.header_well_formed = crlf && (spaced || line.size() == 2) && reply.meta.size() <= 1024;
  }
}

asio::awaitable<gemini_result> async_send_gemini(asio::ssl::context& ctx, std::string host,
                                                 std::uint16_t port, std::string request, const options& opt,
                                                 SSL_SESSION** session) {
  asio::ssl::stream<tcp::socket> stream(co_await asio::this_coro::executor, ctx);
  auto outcome = co_await (exchange(stream, host, port, request, opt, session, false) ||
                           expire(opt.timeout, stream.next_layer()));
  if (outcome.index() == 1)
    co_return fail(std::string("timed out after ") + std::to_string(opt.timeout.count()) + " ms");
  co_return std::get<0>(std::move(outcome));
}

asio::awaitable<gopher_result> async_send_gopher(std::string host, std::uint16_t port, std::string request,
                                                 const options& opt) {
  tcp::socket socket(co_await asio::this_coro::executor);
  auto work = [&]() -> asio::awaitable<gopher_result> {
    auto started = clock::now();
    if (auto ec = co_await connect(socket, host, port))
      co_return fail("cannot connect to " + host + ":" + std::to_string(port) + ": " + ec.message());
    // The preamble and the selector in one write, as a proxy's first packet.
    request.insert(0, opt.preamble);
    auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(request), nothrow);
    if (wec) co_return fail("cannot send selector: " + wec.message());
    gopher_reply reply;
    char buf[16384];
    for (;;) {
      auto [rec, n] = co_await socket.async_read_some(asio::buffer(buf), nothrow);
      reply.body.append(buf, n);
      if (rec || reply.body.size() > opt.max_body) break;
    }
    reply.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - started);
    co_return reply;
  };
  auto outcome = co_await (work() || expire(opt.timeout, socket));
  if (outcome.index() == 1)
    co_return fail(std::string("timed out after ") + std::to_string(opt.timeout.count()) + " ms");
  co_return std::get<0>(std::move(outcome));
}

gemini_result send_gemini(const std::string& host, std::uint16_t port, std::string_view request,
                          const options& opt) {
  auto ctx_handle = tls::make_client_context(opt.min_tls, opt.max_tls, opt.cert_file, opt.key_file);
  if (!ctx_handle) return fail(ctx_handle.error());
  asio::ssl::context ctx(ctx_handle->release());
  asio::io_context io;
  return run_sync(io, async_send_gemini(ctx, host, port, std::string(request), opt));
}

gemini_result fetch_gemini(std::string_view url, const options& opt) {
  std::string url_host;
  auto t = target_of(url, 1965, opt, url_host);
  if (!t) return fail(t.error());
  return send_gemini(t->host, t->port, std::string(url) + "\r\n", with_default_sni(opt, url_host));
}

std::string titan_request_line(std::string_view url, std::uint64_t size, std::string_view mime,
                               std::string_view token) {
  std::string line(url);
  line += ";size=" + std::to_string(size);
  if (!mime.empty()) line += ";mime=" + percent_encode_path(mime);
  if (!token.empty()) line += ";token=" + percent_encode_path(token);
  return line;
}

gemini_result upload_titan(std::string_view url, std::string_view body, std::string_view mime,
                           std::string_view token, const options& opt) {
  std::string url_host;
  auto t = target_of(url, 1965, opt, url_host);
  if (!t) return fail(t.error());
  std::string request = titan_request_line(url, body.size(), mime, token) + "\r\n";
  request += body;
  return send_gemini(t->host, t->port, request, with_default_sni(opt, url_host));
}

result<std::string, std::string> probe_tls(const std::string& host, std::uint16_t port, const options& opt) {
  auto ctx_handle = tls::make_client_context(opt.min_tls, opt.max_tls, opt.cert_file, opt.key_file);
  if (!ctx_handle) return fail(ctx_handle.error());
  asio::ssl::context ctx(ctx_handle->release());
  asio::io_context io;
  auto work = [&]() -> asio::awaitable<gemini_result> {
    asio::ssl::stream<tcp::socket> stream(co_await asio::this_coro::executor, ctx);
    auto outcome = co_await (exchange(stream, host, port, {}, opt, nullptr, true) ||
                             expire(opt.timeout, stream.next_layer()));
    if (outcome.index() == 1) co_return fail(std::string("timed out"));
    co_return std::get<0>(std::move(outcome));
  };
  auto r = run_sync(io, work());
  if (!r) return fail(r.error());
  return r->tls_version;
}

gopher_result send_gopher(const std::string& host, std::uint16_t port, std::string_view request,
                          const options& opt) {
  asio::io_context io;
  return run_sync(io, async_send_gopher(host, port, std::string(request), opt));
}

}  // namespace twinstar::client
