// One Gopher connection: read a selector line (CRLF or bare LF), let the
// pure core decide, send the answer, close.
#include <fcntl.h>
#include <unistd.h>

#include "shell.hpp"
#include "twinstar/gemini.hpp"
#include "twinstar/gopher.hpp"
#include "twinstar/gopher_site.hpp"

namespace twinstar::shell {
namespace {

using namespace asio::experimental::awaitable_operators;

struct outcome {
  std::string selector;
  std::string kind;
  std::uint64_t bytes = 0;
};

asio::awaitable<void> exchange(tcp::socket& socket, const peer& client, const snapshot& snap, const host_config& host,
                               shared_state& state, std::uint16_t local_port, session_deadline& deadline,
                               outcome& out) {
  const server_config& config = *snap.config;
  gopher::menu_context context{host.gopher_host.empty() ? host.name : host.gopher_host,
                               host.gopher_port ? host.gopher_port : local_port};
  char buf[gopher::max_selector_bytes + 2];
  std::size_t have = 0;
  gopher::frame frame{gopher::frame_state::need_more, {}};
  while (frame.state == gopher::frame_state::need_more && have < sizeof buf) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf + have, sizeof buf - have), nothrow);
    if (ec) break;
    have += n;
    frame = gopher::find_selector_line(std::string_view(buf, have));
  }
  if (frame.state == gopher::frame_state::need_more) {
    if (have == 0) co_return;  // nothing sent: just close
    if (have == sizeof buf) frame.state = gopher::frame_state::too_long;
    // EOF without a terminator: answer what was sent (some clients half-close).
    else frame = {gopher::frame_state::complete, std::string_view(buf, have)};
  }

  // An answer made here, or one shared from the cache.
  std::shared_ptr<const gopher_answer> kept;
  gopher_answer answer;
  const std::string& client_ip = client.address;
  auto verdict = snap.limiter->admit(client_ip, clock::now());
  if (frame.state == gopher::frame_state::too_long) {
    answer.body = gopher::error_menu(
        gopher::gopher_error_item({errc::request_too_long, "selector longer than 255 bytes"}, {}), context);
    answer.kind = "error";
    out.selector = std::string(buf, std::min<std::size_t>(have, 64)) + "...";
  } else if (!verdict.allowed) {
    if (verdict.log)
      log_event("rate limit: " + client_ip + (verdict.banned ? " banned for " : " told to wait ") +
                std::to_string(verdict.retry_after.count()) + " s");
    out.selector = std::string(frame.line);
    answer.body = gopher::error_menu(
        gopher::gopher_error_item({errc::slow_down, std::to_string(verdict.retry_after.count())}, out.selector),
        context);
    answer.kind = "slow-down";
  } else {
    out.selector = std::string(frame.line);
    // Served from memory while nothing it was built from has changed.
    const std::string key = host.name + '\n' + std::to_string(local_port) + '\n' + out.selector;
    const auto now = clock::now();
    kept = snap.gopher_answers->find(key, now);
    if (!kept) {
      // Only a miss builds the site (and its strings).
      std::string gemini_base = "gemini://" + host.name;
      if (snap.gemini_port != gemini::default_port) gemini_base += ":" + std::to_string(snap.gemini_port);
      const gopher_site site{*snap.routes, host, context, config.cert_dir, gemini_base, &state.feeds};
      answer = site.answer(frame.line);
      if (answer.kind != "error" && !answer.sources.empty()) {
        // Stamped after building: a change made meanwhile shows within max_age.
        auto pending = answer_cache<gopher_answer>::watch(answer.sources, now);
        kept = std::make_shared<const gopher_answer>(std::move(answer));
        snap.gopher_answers->store(key, kept, std::move(pending), kept->body.size());
      }
    }
  }
  if (kept) answer = {{}, kept->file, kept->file_size, kept->kind};
  const std::string& body = kept ? kept->body : answer.body;
  out.kind = answer.kind;

  const auto all_done = write_deadline(config, body.size() + answer.file_size);
  deadline.set(std::min(all_done, clock::now() + config.write_timeout));
  if (answer.file.empty()) {
    auto [ec, n] = co_await asio::async_write(socket, asio::buffer(body), nothrow);
    out.bytes += n;
    co_return;
  }
  int fd = ::open(answer.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::string body = gopher::error_menu(gopher::gopher_error_item({errc::unreadable, {}}, out.selector), context);
    auto [ec, n] = co_await asio::async_write(socket, asio::buffer(body), nothrow);
    out.bytes += n;
    out.kind = "error";
    co_return;
  }
  std::vector<char> chunk(file_chunk_bytes);
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, chunk.data(), chunk.size(), offset);
    if (n <= 0) break;
    offset += n;
    deadline.set(std::min(all_done, clock::now() + config.write_timeout));
    auto [ec, sent] = co_await asio::async_write(socket, asio::buffer(chunk.data(), n), nothrow);
    out.bytes += sent;
    if (ec) break;
  }
  ::close(fd);
}

}  // namespace

asio::awaitable<void> serve_gopher(tcp::socket socket, peer client, std::shared_ptr<const snapshot> site,
                                   shared_state& state,
                                   std::uint16_t local_port, std::string host_name) {
  // After a reload the listener's host may be gone or Gopher-less: fall back
  // to the first Gopher host, or close.
  const host_config* host = site->routes->find_host(host_name);
  if (host == nullptr || !host->gopher) host = site->gopher_host;
  if (host == nullptr) co_return;
  auto started = clock::now();
  clock::time_point answered{};
  outcome out;
  session_deadline deadline(started + site->config->request_timeout);
  co_await (exchange(socket, client, *site, *host, state, local_port, deadline, out) || watchdog(deadline, socket));
  answered = clock::now();
  if (socket.is_open()) {
    deadline.set(clock::now() + linger_drain);
    co_await (drain_and_close(socket) || watchdog(deadline, socket));
  }
  if (!out.kind.empty())
    state.log->write({client.text, "gopher", host->name, out.selector, out.kind, out.bytes,
                      std::chrono::duration_cast<std::chrono::microseconds>(answered - started)});
}

}  // namespace twinstar::shell
