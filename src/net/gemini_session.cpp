// One Gemini connection: TLS handshake, request line, decision by the pure
// core, response, close_notify, close. Each phase has its own deadline.
#include <variant>

#include "cgi_runner.hpp"
#include "sender.hpp"
#include "shell.hpp"
#include "titan_upload.hpp"
#include "tls_stream.hpp"
#include "twinstar/gemini.hpp"
#include "twinstar/gemini_site.hpp"
#include "twinstar/titan.hpp"

namespace twinstar::shell {
namespace {

// A body this small is copied behind the header: one TLS record, not two.
constexpr std::size_t small_record_bytes = 16 * 1024;

// outcome::status of a request cut by its deadline before any answer.
constexpr int timed_out = -1;

// Why a phase ended, for the log: a deadline closes the socket, so the
// pending operation ends aborted.
std::string why(const std::error_code& ec) {
  if (ec == asio::error::operation_aborted) return "timed out";
  if (ec == asio::error::eof) return "closed by the client";
  return "failed: " + ec.message();
}

struct outcome {
  std::string host;
  std::string path;
  int status = 0;
  std::uint64_t bytes = 0;
};

// What the handshake told us about the client's certificate, if it sent one.
std::optional<client_certificate> peer_certificate(SSL* ssl) {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (!peer) return std::nullopt;
  bool valid = X509_cmp_current_time(X509_get0_notAfter(peer)) > 0 &&
               X509_cmp_current_time(X509_get0_notBefore(peer)) < 0;
  return client_certificate{.fingerprint = tls::fingerprint(peer), .time_valid = valid};
}

// The core's decision (gemini_site.hpp); answers in the cache are served
// from the event loop, a miss is built off it.
asio::awaitable<gemini_response> decide(const gemini_request& request, const snapshot& snap,
                                        shared_state& state, outcome& out) {
  const gemini_site site{.routes = *snap.routes,
                         .cert_dir = snap.config->cert_dir,
                         .limiter = snap.limiter.get(),
                         .feeds = state.feeds,
                         .answers = *snap.gemini_answers,
                         .listings = snap.listings.get()};
  gemini_decision decided = site.decide(request);
  out.host = std::move(decided.host);
  out.path = std::move(decided.path);
  if (auto* now = std::get_if<gemini_response>(&decided.next)) {
    log_rate_limit(now->limited, request.client_ip, snap.config->log_ip);
    co_return std::move(*now);
  }
  auto& lookup = std::get<gemini_lookup>(decided.next);
  std::shared_ptr<const gemini_answer> answer = lookup.cached;
  if (!answer) {
    gemini_built made =
        co_await build_off_loop(state, "gemini\n" + lookup.key, [&] { return site.build(request, lookup); });
    if (auto* reply = std::get_if<gemini_response>(&made)) co_return std::move(*reply);
    answer = std::get<std::shared_ptr<const gemini_answer>>(std::move(made));
  }
  co_return site.finish(request, lookup.where, *answer);
}

// Runs a dynamic request's program when a [server] max_cgi slot is free;
// nullopt, at once, when every slot is taken (nothing queues). The slot lives
// in this frame: it is held while the program runs (serve_dynamic reaps it
// before returning) and given back when the frame goes, however the run
// ends: answered, timed out, cut by a client that went away, an exception,
// or the connection's coroutine destroyed at shutdown. It is back before the
// caller sends close_notify, so a client that has read a whole answer can
// count on its slot being free.
asio::awaitable<std::optional<dynamic_outcome>> run_within_cap(tls_stream& stream,
                                                               const dynamic_request& request,
                                                               session_deadline& deadline,
                                                               const server_config& config,
                                                               shared_state& state) {
  const running_cap::slot slot = state.programs.try_acquire();
  if (!slot) co_return std::nullopt;
  co_return co_await serve_dynamic(stream, request, deadline, config);
}

asio::awaitable<void> exchange(tls_stream& stream, const peer& client, const snapshot& site,
                               shared_state& state, session_deadline& deadline, outcome& out) {
  const server_config& config = *site.config;
  // Failed handshakes (TLS 1.1, a pinned certificate...) are the client's
  // business, but an operator wants to see them (rate-limited).
  if (auto ec = co_await stream.handshake()) {
    log_limited("gemini " + shown_address(client.text, config.log_ip) + ": TLS handshake " + why(ec));
    co_return;
  }
  deadline.set(clock::now() + config.request_timeout);

  // The request buffer exists once the request has begun to arrive: a
  // connection idling after its handshake holds none.
  const std::error_code idle = co_await stream.wait_readable();
  if (idle && idle != asio::error::eof)
    log_limited("gemini " + shown_address(client.text, config.log_ip) + ": no request " + why(idle));
  const auto buf = std::make_unique_for_overwrite<char[]>(request_buffer_bytes);
  std::size_t have = 0;
  gemini::frame frame{gemini::frame_state::need_more, {}};
  while (!idle && frame.state == gemini::frame_state::need_more && have < request_buffer_bytes) {
    auto [ec, n] = co_await stream.read_some(asio::buffer(buf.get() + have, request_buffer_bytes - have));
    if (ec) break;
    have += n;
    frame = gemini::find_request_line(std::string_view(buf.get(), have));
  }
  if (frame.state == gemini::frame_state::need_more && have == request_buffer_bytes)
    frame.state = gemini::frame_state::too_long;

  gemini_response resp;
  std::optional<dynamic_request> dynamic;  // a CGI/SCGI path: its program answers
  switch (frame.state) {
    case gemini::frame_state::complete: {
      std::error_code ec;
      const auto local = client.local ? *client.local : stream.socket().local_endpoint(ec);
      const std::string local_ip = local.address().to_string();
      const auto cert = peer_certificate(stream.native_handle());
      const gemini_request request{.line = frame.line,
                                   .local_port = local.port(),
                                   .local_ip = local_ip,
                                   .client_ip = client.address,
                                   .cert = cert ? &*cert : nullptr,
                                   .now = clock::now()};
      // --- Titan (titan_upload.cpp): a titan:// request is an upload on this
      // listener; its body follows the CRLF. Only this branch knows of it.
      if (titan::is_titan(frame.line)) {
        const std::size_t body_at = frame.line.size() + 2;
        const std::string_view early(buf.get() + body_at, have - body_at);
        auto up = co_await receive_titan(stream, request, early, site, state, deadline);
        out.host = std::move(up.host);
        out.path = std::move(up.path);
        if (up.cut) {
          out.status = timed_out;
          co_return;
        }
        if (!up.problem.empty()) log_limited("titan " + out.host + out.path + ": " + up.problem);
        resp = gemini_response{.code = up.reply.code, .meta = std::move(up.reply.meta)};
        break;
      }
      // --- end Titan
      resp = co_await decide(request, site, state, out);
      if (resp.dynamic)
        dynamic = dynamic_request{.target = std::move(*resp.dynamic),
                                  .request_line = std::string(frame.line),
                                  .local_port = local.port(),
                                  .client_ip = client.address};
      if (!resp.problem.empty())  // what the operator must fix, said once per request (rate-limited)
        log_limited("gemini " + out.host + out.path + ": " + resp.problem);
      break;
    }
    case gemini::frame_state::need_more:  // EOF or error before CRLF
      if (have == 0) co_return;           // nothing sent at all: just close
      if (!stream.socket().is_open()) {
        // The deadline closed it: no 59 can be sent, so none is logged.
        log_limited("gemini " + shown_address(client.text, config.log_ip) + ": request " +
                    why(asio::error::operation_aborted) + " after " + std::to_string(have) + " bytes");
        out.status = timed_out;
        co_return;
      }
      resp = gemini_failure({errc::missing_crlf, "Bad request: no CRLF"});
      break;
    case gemini::frame_state::bare_lf:
      resp = gemini_failure({errc::missing_crlf, "Bad request: line must end with CRLF"});
      break;
    case gemini::frame_state::too_long:
      resp = gemini_failure({errc::request_too_long, "Bad request: request longer than 1024 bytes"});
      break;
  }
  if (dynamic) {  // the program's answer is streamed as it writes it
    if (const auto done = co_await run_within_cap(stream, *dynamic, deadline, config, state)) {
      out.status = done->status;
      out.bytes += done->bytes;
      if (done->complete) co_await stream.shutdown();  // else cut: no close_notify
      co_return;
    }
    // 41, not 44: the server is overloaded, not this client too fast (44's
    // meta would tell it to wait as if it were, and feeds no rate limit).
    log_limited("gemini " + out.host + out.path + ": max_cgi (" + std::to_string(config.max_cgi) +
                ") programs running: answered 41");
    resp = gemini_failure({errc::server_busy, "Busy: too many programs running, retry shortly"});
  }
  out.status = gemini::code(resp.code);

  std::string head = gemini::format_header(resp.code, resp.meta);
  std::string_view body = resp.body_view();
  if (body.size() <= small_record_bytes) {  // small bodies go out with the header in one record
    head += body;
    body = {};
  }
  const sent done =
      co_await send_response(stream, deadline, config, {.head = head, .body = body, .file = resp.file.get()});
  out.bytes += done.bytes;
  if (done.end == send_end::file_shrank) {
    // A file that shrank (or failed to read) ends without close_notify,
    // which is how a Gemini client tells a cut body from a complete one.
    co_await stream.flush();  // what was read goes out; the end stays unconfirmed
    co_return;
  }
  if (done.end == send_end::failed) co_return;

  // close_notify, without waiting for the client's.
  co_await stream.shutdown();
}

}  // namespace

asio::awaitable<void> serve_gemini(tcp::socket socket, peer client, std::shared_ptr<const snapshot> site,
                                   shared_state& state, deadline_sweeper& sweeper) {
  auto started = clock::now();
  clock::time_point answered{};
  outcome out;
  {
    tls_stream stream(std::move(socket), site->contexts->default_context(), tls_stream::role::server);
    session_deadline deadline(sweeper, stream.socket(), started + site->config->handshake_timeout);
    co_await exchange(stream, client, *site, state, deadline, out);
    answered = clock::now();
    if (stream.socket().is_open()) {
      deadline.set(clock::now() + linger_drain);
      co_await drain_and_close(stream.socket());
    }
  }
  if (out.status != 0) {
    std::string status = out.status == timed_out ? "timeout" : std::to_string(out.status);
    state.log->write({client.text, protocol::gemini, out.host, out.path, status, out.bytes,
                      std::chrono::duration_cast<std::chrono::microseconds>(answered - started)});
  }
}

}  // namespace twinstar::shell
