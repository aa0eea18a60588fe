// One Gemini connection: TLS handshake, request line, decision by the pure
// core, response, close_notify, close. Each phase has its own deadline.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <variant>

#include "shell.hpp"
#include "titan_upload.hpp"
#include "tls_stream.hpp"
#include "twinstar/capsule.hpp"
#include "twinstar/feed_cache.hpp"
#include "twinstar/gemini.hpp"
#include "twinstar/mime.hpp"
#include "twinstar/reference.hpp"
#include "twinstar/titan.hpp"
#include "twinstar/url.hpp"

namespace twinstar::shell {
namespace {


// A body this small is copied behind the header: one TLS record, not two.
constexpr std::size_t small_record_bytes = 16 * 1024;

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

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

// A decided response: header plus either an in-memory body or a file.
struct response {
  gemini::status code = gemini::status::temporary_failure;
  std::string meta;
  std::string body;
  int file = -1;  // owned by the caller's fd_guard
  std::uint64_t file_size = 0;
  std::shared_ptr<const std::string> shared_body = nullptr;  // a cached body, sent after `body`
  std::string problem = {};  // the server's own failure, for the log (the client sees only the status)
};

response from_error(const error& e) {
  auto r = to_gemini(e);
  response out{r.code, std::move(r.meta), {}, -1, 0};
  if (e.code == errc::internal || e.code == errc::unreadable)
    out.problem = std::string(describe(e.code)) + (e.detail.empty() ? "" : ": " + e.detail);
  return out;
}

struct request_context {
  std::uint16_t local_port = 0;
  std::string local_ip;
  std::string client_ip;
  std::optional<client_certificate> cert;
};

// What the handshake told us about the client's certificate, if it sent one.
std::optional<client_certificate> peer_certificate(SSL* ssl) {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (!peer) return std::nullopt;
  bool valid = X509_cmp_current_time(X509_get0_notAfter(peer)) > 0 &&
               X509_cmp_current_time(X509_get0_notBefore(peer)) < 0;
  return client_certificate{tls::fingerprint(peer), valid};
}

// What a cache miss builds, on the builder pool: the answer, now kept in the
// cache, or a reply that is not kept (an error, a redirect).
using built_answer = std::variant<std::shared_ptr<const gemini_answer>, response>;

// Redirects go out as absolute URLs (resolved against the request): some
// clients (Bombadillo) ask before following a relative one.
response absolute_redirect(std::string_view request, const route_redirect& red) {
  return response{red.code, resolve_reference(request, red.target), {}, -1, 0};
}

built_answer build_answer(std::string_view line, const route_path& where, const snapshot& site, shared_state& state,
                          const request_context& ctx, const std::string& key) {
  const auto now = clock::now();
  resolution res =
      feed::resolve(where, site.config->cert_dir, state.feeds,
                    feed::gemini_base_url(where.host->name, ctx.local_port), site.listings.get());
  if (auto* e = std::get_if<error>(&res)) return from_error(*e);
  if (auto* red = std::get_if<route_redirect>(&res)) return absolute_redirect(line, *red);
  gemini_answer made;
  std::vector<std::filesystem::path> watched;
  std::size_t bytes = 0;
  if (auto* gen = std::get_if<serve_generated>(&res)) {
    made.meta = gemini_meta_for(gen->mime, where.host->lang);
    made.body = gen->shared ? gen->shared : std::make_shared<const std::string>(std::move(gen->body));
    bytes = gen->shared ? 0 : made.body->size();  // a shared body is counted where it lives
    made.resolved = gen->directory;
    watched.push_back(gen->directory);
    watched.insert(watched.end(), gen->sources.begin(), gen->sources.end());
  } else {
    const auto& file = std::get<serve_file>(res);
    made.meta = gemini_meta_for(file.mime, where.host->lang);
    made.resolved = file.file;
    watched.push_back(file.file);
    if (file.size <= cached_file_bytes) {
      // Stamped before it is read: a change while reading shows next time.
      auto pending = site.gemini_answers->watch(std::move(watched), now);
      auto body = read_file_prefix(file.file, file.size);
      if (!body) return from_error({errc::unreadable, "cannot read " + file.file.string()});
      made.body = std::make_shared<const std::string>(std::move(*body));
      auto answer = std::make_shared<const gemini_answer>(std::move(made));
      site.gemini_answers->store(key, answer, std::move(pending), answer->body->size(), clock::now());
      return answer;
    }
    made.file = file.file.string();
    made.file_size = file.size;
  }
  auto answer = std::make_shared<const gemini_answer>(std::move(made));
  site.gemini_answers->store(key, answer, site.gemini_answers->watch(std::move(watched), now), bytes,
                             clock::now());
  return answer;
}

// The decision, plus the open() of the file, which happens before the 20 is
// sent so an unreadable file still gets an honest status. Answers in the
// cache are served from the event loop; a miss is built off it.
asio::awaitable<response> decide(std::string_view line, const snapshot& site, shared_state& state,
                                 const request_context& ctx, outcome& out) {
  auto parsed = parse_url(line);
  if (!parsed) co_return from_error(parsed.error());
  out.host = parsed->host;
  out.path = parsed->query ? parsed->path + '?' + *parsed->query : parsed->path;  // the log shows both
  auto verdict = site.limiter->admit(ctx.client_ip, clock::now());
  if (!verdict.allowed) {
    if (verdict.log)
      log_event("rate limit: " + shown_address(ctx.client_ip, site.config->log_ip) + (verdict.banned ? " banned for " : " told to wait ") +
                std::to_string(verdict.retry_after.count()) + " s");
    co_return from_error({errc::slow_down, std::to_string(verdict.retry_after.count())});
  }
  route r = site.routes->resolve_gemini(*parsed, ctx.local_port, ctx.local_ip);
  if (auto* e = std::get_if<error>(&r)) co_return from_error(*e);
  if (auto* red = std::get_if<route_redirect>(&r)) co_return absolute_redirect(line, *red);
  const auto& where = std::get<route_path>(r);
  const client_certificate* cert = ctx.cert ? &*ctx.cert : nullptr;
  if (auto refused = check_client_certificate(*where.host, where.url_path, cert)) co_return from_error(*refused);
  // Served from memory while nothing it was built from has changed.
  const std::string key = where.host->name + '\n' + std::to_string(ctx.local_port) + '\n' + where.url_path;
  auto answer = site.gemini_answers->find(key, clock::now());
  if (!answer) {
    built_answer made = co_await build_off_loop(state, "gemini\n" + key,
                                                [&] { return build_answer(line, where, site, state, ctx, key); });
    if (auto* reply = std::get_if<response>(&made)) co_return std::move(*reply);
    answer = std::get<std::shared_ptr<const gemini_answer>>(std::move(made));
  }
  // The rules also hold where the path leads on disk (a symlink into a
  // protected directory); checked on every request, cached or not.
  if (auto refused = check_client_certificate(*where.host, where.url_path, cert, answer->resolved))
    co_return from_error(*refused);
  if (answer->body) co_return response{gemini::status::success, answer->meta, {}, -1, 0, answer->body};
  // The size at open is what will be sent, whatever happens to the file meanwhile.
  const int fd = ::open(answer->file.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    co_return from_error({errc::unreadable, "cannot open " + answer->file + ": " + why});
  }
  co_return response{gemini::status::success, answer->meta, {}, fd, static_cast<std::uint64_t>(st.st_size)};
}

asio::awaitable<void> exchange(tls_stream& stream, const peer& client, const snapshot& site, shared_state& state,
                               session_deadline& deadline, outcome& out) {
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

  response resp;
  switch (frame.state) {
    case gemini::frame_state::complete: {
      auto& sock = stream.socket();
      std::error_code ec;
      auto local = sock.local_endpoint(ec);
      request_context ctx{local.port(), local.address().to_string(), client.address,
                          peer_certificate(stream.native_handle())};
      // --- Titan (titan_upload.cpp): a titan:// request is an upload on this
      // listener; its body follows the CRLF. Only this branch knows of it.
      if (titan::is_titan(frame.line)) {
        const std::size_t body_at = frame.line.size() + 2;
        // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
        const titan_context tctx{ctx.local_port, ctx.local_ip, ctx.client_ip, ctx.cert ? &*ctx.cert : nullptr};
        auto up = co_await receive_titan(stream, frame.line, std::string_view(buf.get() + body_at, have - body_at),
                                         site, state, deadline, tctx);
        out.host = std::move(up.host);
        out.path = std::move(up.path);
        if (up.cut) {
          out.status = timed_out;
          co_return;
        }
        if (!up.problem.empty()) log_limited("titan " + out.host + out.path + ": " + up.problem);
        resp = response{up.reply.code, std::move(up.reply.meta), {}, -1, 0};
        break;
      }
      // --- end Titan
      resp = co_await decide(frame.line, site, state, ctx, out);
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
      resp = from_error({errc::missing_crlf, "Bad request: no CRLF"});
      break;
    case gemini::frame_state::bare_lf:
      resp = from_error({errc::missing_crlf, "Bad request: line must end with CRLF"});
      break;
    case gemini::frame_state::too_long:
      resp = from_error({errc::request_too_long, "Bad request: request longer than 1024 bytes"});
      break;
  }
  fd_guard file{resp.file};
  out.status = gemini::code(resp.code);

  // The whole response is judged by how the client takes it (see
  // session_deadline::writing): a slow reader keeping up with
  // min_write_rate finishes, a stalled or slower one is cut.
  std::string head = gemini::format_header(resp.code, resp.meta);
  head += resp.body;  // small bodies go out with the header in one record
  if (resp.shared_body && resp.shared_body->size() <= small_record_bytes) {
    head += *resp.shared_body;
    resp.shared_body = nullptr;
  }
  const std::uint64_t shared_size = resp.shared_body ? resp.shared_body->size() : 0;
  deadline.writing(config, head.size() + resp.file_size + shared_size);
  auto [wec, wn] = co_await stream.write(asio::buffer(head));
  out.bytes += wn;
  if (wec) co_return;

  if (resp.shared_body) {
    // A cached body (a feed index) is sent from the cache itself, in chunks
    // like a file, instead of being copied behind the header.
    std::string_view rest = *resp.shared_body;
    while (!rest.empty()) {
      const std::size_t n = std::min(rest.size(), file_chunk_bytes);
      auto [ec, sent] = co_await stream.write(asio::buffer(rest.data(), n));
      out.bytes += sent;
      if (ec) co_return;
      deadline.progressed();
      rest.remove_prefix(n);
    }
  }

  if (file.fd >= 0) {
    // Exactly the size found at open: a file that grows meanwhile is sent as
    // it was. One that shrinks (or fails to read) ends without close_notify,
    // which is how a Gemini client tells a cut body from a complete one.
    std::vector<char> chunk(file_chunk_bytes);
    std::uint64_t offset = 0;
    while (offset < resp.file_size) {
      const auto want =
          static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), resp.file_size - offset));
      const ssize_t n = ::pread(file.fd, chunk.data(), want, static_cast<off_t>(offset));
      if (n <= 0) {
        co_await stream.flush();  // what was read goes out; the end stays unconfirmed
        co_return;
      }
      offset += static_cast<std::uint64_t>(n);
      auto [ec, sent] = co_await stream.write(asio::buffer(chunk.data(), static_cast<std::size_t>(n)));
      out.bytes += sent;
      if (ec) co_return;
      deadline.progressed();
    }
  }

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
    state.log->write({client.text, "gemini", out.host, out.path, status, out.bytes,
                      std::chrono::duration_cast<std::chrono::microseconds>(answered - started)});
  }
}

}  // namespace twinstar::shell
