// One Gemini connection: TLS handshake, request line, decision by the pure
// core, response, close_notify, close. Each phase has its own deadline.
#include <fcntl.h>
#include <unistd.h>

#include <variant>

#include "shell.hpp"
#include "tls_stream.hpp"
#include "twinstar/capsule.hpp"
#include "twinstar/feed_cache.hpp"
#include "twinstar/gemini.hpp"
#include "twinstar/mime.hpp"
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
};

response from_error(const error& e) {
  auto r = to_gemini(e);
  return {r.code, std::move(r.meta), {}, -1, 0};
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

built_answer build_answer(const route_path& where, const snapshot& site, shared_state& state,
                          const request_context& ctx, const std::string& key) {
  const auto now = clock::now();
  resolution res =
      feed::resolve(where, site.config->cert_dir, state.feeds,
                    feed::gemini_base_url(where.host->name, ctx.local_port), site.listings.get());
  if (auto* e = std::get_if<error>(&res)) return from_error(*e);
  if (auto* red = std::get_if<route_redirect>(&res)) return response{red->code, red->target, {}, -1, 0};
  gemini_answer made;
  std::vector<std::filesystem::path> watched;
  std::size_t bytes = 0;
  if (auto* gen = std::get_if<serve_generated>(&res)) {
    made.meta = gemini_meta_for(gen->mime, where.host->lang);
    made.body = gen->shared ? gen->shared : std::make_shared<const std::string>(std::move(gen->body));
    bytes = gen->shared ? 0 : made.body->size();  // a shared body is counted where it lives
    watched.push_back(gen->directory);
    watched.insert(watched.end(), gen->sources.begin(), gen->sources.end());
  } else {
    const auto& file = std::get<serve_file>(res);
    made.meta = gemini_meta_for(file.mime, where.host->lang);
    watched.push_back(file.file);
    if (file.size <= cached_file_bytes) {
      // Stamped before it is read: a change while reading shows next time.
      auto pending = site.gemini_answers->watch(std::move(watched), now);
      auto body = read_file_prefix(file.file, file.size);
      if (!body) return from_error({errc::unreadable, {}});
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
  out.path = parsed->path;
  auto verdict = site.limiter->admit(ctx.client_ip, clock::now());
  if (!verdict.allowed) {
    if (verdict.log)
      log_event("rate limit: " + ctx.client_ip + (verdict.banned ? " banned for " : " told to wait ") +
                std::to_string(verdict.retry_after.count()) + " s");
    co_return from_error({errc::slow_down, std::to_string(verdict.retry_after.count())});
  }
  route r = site.routes->resolve_gemini(*parsed, ctx.local_port, ctx.local_ip);
  if (auto* e = std::get_if<error>(&r)) co_return from_error(*e);
  if (auto* red = std::get_if<route_redirect>(&r)) co_return response{red->code, red->target, {}, -1, 0};
  const auto& where = std::get<route_path>(r);
  if (auto refused = check_client_certificate(*where.host, where.url_path, ctx.cert ? &*ctx.cert : nullptr))
    co_return from_error(*refused);
  // Served from memory while nothing it was built from has changed.
  const std::string key = where.host->name + '\n' + std::to_string(ctx.local_port) + '\n' + where.url_path;
  auto answer = site.gemini_answers->find(key, clock::now());
  if (!answer) {
    built_answer made = co_await build_off_loop(state, "gemini\n" + key,
                                                [&] { return build_answer(where, site, state, ctx, key); });
    if (auto* reply = std::get_if<response>(&made)) co_return std::move(*reply);
    answer = std::get<std::shared_ptr<const gemini_answer>>(std::move(made));
  }
  if (answer->body) co_return response{gemini::status::success, answer->meta, {}, -1, 0, answer->body};
  int fd = ::open(answer->file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) co_return from_error({errc::unreadable, {}});
  co_return response{gemini::status::success, answer->meta, {}, fd, answer->file_size};
}

asio::awaitable<void> exchange(tls_stream& stream, const peer& client, const snapshot& site, shared_state& state,
                               session_deadline& deadline, outcome& out) {
  const server_config& config = *site.config;
  // Failed handshakes (TLS 1.1, a pinned certificate...) are the client's business.
  if (co_await stream.handshake()) co_return;
  deadline.set(clock::now() + config.request_timeout);

  // The request buffer exists once the request has begun to arrive: a
  // connection idling after its handshake holds none.
  const std::error_code idle = co_await stream.wait_readable();
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
      resp = co_await decide(frame.line, site, state, ctx, out);
      break;
    }
    case gemini::frame_state::need_more:  // EOF or error before CRLF
      if (have == 0) co_return;           // nothing sent at all: just close
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

  // The whole response gets time in proportion to its size; each write must
  // also make progress within write_timeout, so a stalled reader goes early.
  std::string head = gemini::format_header(resp.code, resp.meta);
  head += resp.body;  // small bodies go out with the header in one record
  if (resp.shared_body && resp.shared_body->size() <= small_record_bytes) {
    head += *resp.shared_body;
    resp.shared_body = nullptr;
  }
  const std::uint64_t shared_size = resp.shared_body ? resp.shared_body->size() : 0;
  const auto all_done = write_deadline(config, head.size() + resp.file_size + shared_size);
  deadline.set(std::min(all_done, clock::now() + config.write_timeout));
  auto [wec, wn] = co_await stream.write(asio::buffer(head));
  out.bytes += wn;
  if (wec) co_return;

  if (resp.shared_body) {
    // A cached body (a feed index) is sent from the cache itself, in chunks
    // like a file, instead of being copied behind the header.
    std::string_view rest = *resp.shared_body;
    while (!rest.empty()) {
      const std::size_t n = std::min(rest.size(), file_chunk_bytes);
      deadline.set(std::min(all_done, clock::now() + config.write_timeout));
      auto [ec, sent] = co_await stream.write(asio::buffer(rest.data(), n));
      out.bytes += sent;
      if (ec) co_return;
      rest.remove_prefix(n);
    }
  }

  if (file.fd >= 0) {
    std::vector<char> chunk(file_chunk_bytes);
    off_t offset = 0;
    for (;;) {
      ssize_t n = ::pread(file.fd, chunk.data(), chunk.size(), offset);
      if (n <= 0) break;
      offset += n;
      deadline.set(std::min(all_done, clock::now() + config.write_timeout));
      auto [ec, sent] = co_await stream.write(asio::buffer(chunk.data(), n));
      out.bytes += sent;
      if (ec) co_return;
    }
  }

  // close_notify, without waiting for the client's.
  deadline.set(std::min(all_done, clock::now() + config.write_timeout));
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
    std::string status = std::to_string(out.status);
    state.log->write({client.text, "gemini", out.host, out.path, status, out.bytes,
                      std::chrono::duration_cast<std::chrono::microseconds>(answered - started)});
  }
}

}  // namespace twinstar::shell
