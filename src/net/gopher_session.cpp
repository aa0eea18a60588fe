// One Gopher connection: read a selector line (CRLF or bare LF), let the
// pure core decide, send the answer, close.
//
// Most Gopher requests need no waiting at all: the selector has arrived by
// the time the connection is accepted, and a menu fits the socket's send
// buffer. `serve_gopher_now` serves those on the spot, without a coroutine,
// a timer or an epoll registration (a third of the server's cost per menu);
// the first time anything would block, it hands what it has to the
// coroutine `serve_gopher`, which carries on with deadlines.
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "sender.hpp"
#include "shell.hpp"
#include "twinstar/gemini.hpp"
#include "twinstar/gopher.hpp"
#include "twinstar/gopher_site.hpp"

namespace twinstar::shell {
namespace {

struct request_buffer {
  char bytes[gopher::max_selector_bytes + 2];
  std::size_t have = 0;
  static constexpr std::size_t capacity = sizeof bytes;
  std::string_view view() const { return {bytes, have}; }
};

// The listener's host, or after a reload that removed it (or its Gopher
// face) the first Gopher host; nullptr: none is left, close.
const host_config* gopher_host_for(const snapshot& site, const std::string& host_name) {
  const host_config* host = site.routes->find_host(host_name);
  if (host == nullptr || !host->gopher) host = site.gopher_host;
  return host;
}

gopher::menu_context context_of(const host_config& host, std::uint16_t local_port) {
  return {host.gopher_host.empty() ? host.name : host.gopher_host,
          host.gopher_port ? host.gopher_port : local_port};
}

// What a cache miss builds, on the builder pool: the answer to `line` (a
// selector line), kept in the cache unless it is an error.
std::shared_ptr<const gopher_answer> build_answer(const std::string& line, const snapshot& snap,
                                                  const host_config& host, shared_state& state,
                                                  std::uint16_t local_port) {
  const std::string key = answer_key(host.name, local_port, line);
  const auto now = clock::now();
  std::string gemini_base = "gemini://" + host.name;
  if (snap.gemini_port != gemini::default_port) gemini_base += ":" + std::to_string(snap.gemini_port);
  const gopher_site site{*snap.routes, host,         context_of(host, local_port), snap.config->cert_dir,
                         gemini_base,  &state.feeds, snap.listings.get()};
  gopher_answer answer = site.answer(line);
  const bool cacheable = answer.kind != gopher_kind::error && !answer.sources.empty();
  // Stamped after building: a change made meanwhile shows within max_age.
  auto pending =
      cacheable ? snap.gopher_answers->watch(answer.sources, now) : answer_cache<gopher_answer>::pending{};
  auto kept = std::make_shared<const gopher_answer>(std::move(answer));
  if (cacheable) snap.gopher_answers->store(key, kept, std::move(pending), kept->body.size(), clock::now());
  return kept;
}

// The answer to what the client sent: a complete line, a line too long, or
// (at EOF) whatever arrived. Fills the selector and kind for the log.
// nullptr when the answer is not in the cache: then start.missed is set and
// build_answer makes it, off the event loop.
std::shared_ptr<const gopher_answer> decide(gopher::frame frame, const request_buffer& buf,
                                            const peer& client, const snapshot& snap, const host_config& host,
                                            std::uint16_t local_port, gopher_start& start) {
  const gopher::menu_context context = context_of(host, local_port);
  const std::string& client_ip = client.address;
  auto verdict = snap.limiter->admit(client_ip, clock::now());
  std::shared_ptr<const gopher_answer> kept;
  if (frame.state == gopher::frame_state::too_long) {
    start.selector = std::string(buf.bytes, std::min<std::size_t>(buf.have, 64)) + "...";
    kept = std::make_shared<const gopher_answer>(gopher_answer{
        gopher::error_menu(
            gopher::gopher_error_item({errc::request_too_long, "selector longer than 255 bytes"}, {}),
            context),
        {},
        0,
        gopher_kind::error});
  } else if (!verdict.allowed) {
    log_rate_limit(verdict, client_ip, snap.config->log_ip);
    start.selector = std::string(frame.line);
    kept = std::make_shared<const gopher_answer>(
        gopher_answer{gopher::error_menu(
                          gopher::gopher_error_item(
                              {errc::slow_down, std::to_string(verdict.retry_after.count())}, start.selector),
                          context),
                      {},
                      0,
                      gopher_kind::slow_down});
  } else {
    start.selector = std::string(frame.line);
    // Served from memory while nothing it was built from has changed.
    kept = snap.gopher_answers->find(answer_key(host.name, local_port, start.selector), clock::now());
    if (!kept) {
      start.missed = true;
      return nullptr;
    }
  }
  start.kind = kept->kind;
  return kept;
}

// Where a request line stands after `buf` grew: complete, too long, or
// still short (nullopt). At EOF (`ended`) what arrived is the request.
std::optional<gopher::frame> frame_of(const request_buffer& buf, bool ended) {
  gopher::frame frame = gopher::find_selector_line(buf.view());
  if (frame.state != gopher::frame_state::need_more) return frame;
  if (buf.have == buf.capacity) return gopher::frame{gopher::frame_state::too_long, {}};
  // EOF without a terminator: answer what was sent (some clients half-close).
  if (ended) return gopher::frame{gopher::frame_state::complete, buf.view()};
  return std::nullopt;
}

void log_exchange(shared_state& state, const peer& client, const host_config& host, const gopher_start& start,
                  clock::time_point answered) {
  if (!start.kind) return;  // nothing was asked
  state.log->write({client.text, protocol::gopher, host.name, start.selector, name_of(*start.kind),
                    start.sent,
                    std::chrono::duration_cast<std::chrono::microseconds>(answered - start.started)});
}

asio::awaitable<void> exchange(tcp::socket& socket, const peer& client, const snapshot& snap,
                               const host_config& host, shared_state& state, std::uint16_t local_port,
                               session_deadline& deadline, gopher_start& start) {
  const server_config& config = *snap.config;
  if (!start.answer && !start.missed) {
    request_buffer buf;
    buf.have = std::min(start.received.size(), buf.capacity);
    std::copy_n(start.received.data(), buf.have, buf.bytes);
    std::optional<gopher::frame> frame = frame_of(buf, false);
    while (!frame) {
      auto [ec, n] = co_await socket.async_read_some(
          asio::buffer(buf.bytes + buf.have, buf.capacity - buf.have), nothrow);
      buf.have += n;
      if (ec == asio::error::operation_aborted || !socket.is_open()) {
        // The deadline closed it: nothing can be answered, nothing is logged as answered.
        log_limited("gopher " + shown_address(client.text, config.log_ip) + ": selector timed out after " +
                    std::to_string(buf.have) + " bytes");
        co_return;
      }
      if (ec && buf.have == 0) co_return;  // nothing sent: just close
      frame = frame_of(buf, bool(ec));
    }
    start.answer = decide(*frame, buf, client, snap, host, local_port, start);
  }
  if (!start.answer) {
    start.answer =
        co_await build_off_loop(state, "gopher\n" + answer_key(host.name, local_port, start.selector),
                                [&] { return build_answer(start.selector, snap, host, state, local_port); });
    start.kind = start.answer->kind;
  }
  const gopher_answer& answer = *start.answer;

  if (answer.file.empty()) {
    // The rest of a body serve_gopher_now began.
    const sent done = co_await send_response(socket, deadline, config,
                                             {.body = std::string_view(answer.body).substr(start.sent)});
    start.sent += done.bytes;
    co_return;
  }
  const auto file = open_file::open(answer.file);
  if (!file) {
    const std::string body = gopher::error_menu(
        gopher::gopher_error_item({errc::unreadable, {}}, start.selector), context_of(host, local_port));
    const sent done = co_await send_response(socket, deadline, config, {.head = body});
    start.sent += done.bytes;
    start.kind = gopher_kind::error;
    co_return;
  }
  const sent done = co_await send_response(socket, deadline, config, {.file = &*file});
  start.sent += done.bytes;
  // Shrunk (or unreadable) while sent. Gopher has no end marker for a file:
  // only a reset tells the client it does not have all of it.
  if (done.end == send_end::file_shrank) reset_and_close(socket);
}

}  // namespace

std::optional<gopher_start> serve_gopher_now(int fd, const peer& client, const snapshot& site,
                                             shared_state& state, std::uint16_t local_port,
                                             const std::string& host_name) {
  gopher_start start;
  start.started = clock::now();
  const host_config* host = gopher_host_for(site, host_name);
  request_buffer buf;
  ssize_t n = host ? ::recv(fd, buf.bytes, buf.capacity, 0) : 0;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return start;  // not here yet: wait for it
  if (n <= 0) {  // no host left, nothing sent, or an error: close
    ::close(fd);
    return std::nullopt;
  }
  buf.have = static_cast<std::size_t>(n);
  std::optional<gopher::frame> frame = frame_of(buf, false);
  if (!frame) {  // part of a line: the coroutine reads the rest
    start.received.assign(buf.bytes, buf.have);
    return start;
  }
  start.answer = decide(*frame, buf, client, site, *host, local_port, start);
  if (!start.answer) return start;                // a miss: built off the event loop
  if (!start.answer->file.empty()) return start;  // files are read and sent with deadlines
  const std::string& body = start.answer->body;
  ssize_t sent = ::send(fd, body.data(), body.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return start;
  if (sent >= 0) start.sent = static_cast<std::size_t>(sent);
  if (start.sent < body.size() && sent >= 0) return start;  // the rest when the socket drains
  // All sent (or the client is gone). Unread client bytes would turn close()
  // into a reset that can destroy the answer in flight: then the coroutine
  // drains them first.
  int unread = 0;
  if (sent >= 0 && ::ioctl(fd, FIONREAD, &unread) == 0 && unread > 0) return start;
  ::close(fd);
  log_exchange(state, client, *host, start, clock::now());
  return std::nullopt;
}

asio::awaitable<void> serve_gopher(tcp::socket socket, peer client, std::shared_ptr<const snapshot> site,
                                   shared_state& state, deadline_sweeper& sweeper, std::uint16_t local_port,
                                   std::string host_name, gopher_start start) {
  const host_config* host = gopher_host_for(*site, host_name);
  if (host == nullptr) co_return;
  session_deadline deadline(sweeper, socket, start.started + site->config->request_timeout);
  co_await exchange(socket, client, *site, *host, state, local_port, deadline, start);
  const auto answered = clock::now();
  if (socket.is_open()) {
    deadline.set(clock::now() + linger_drain);
    co_await drain_and_close(socket);
  }
  log_exchange(state, client, *host, start, answered);
}

}  // namespace twinstar::shell
