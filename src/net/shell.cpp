// The network shell's shared pieces: snapshots, the state every session
// shares, the operator's log lines, closing.
#include "shell.hpp"

#include <algorithm>
#include <mutex>

#include "twinstar/listing.hpp"

namespace twinstar::shell {

std::shared_ptr<const snapshot> shared_state::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void shared_state::replace(std::shared_ptr<const snapshot> next) {
  std::lock_guard lock(mutex_);
  current_ = std::move(next);
}

asio::awaitable<void> drain_and_close(tcp::socket& socket) {
  // Unread client bytes at close() make the kernel send a reset, which can
  // destroy the response still in flight. Send FIN, discard what is already
  // here, and close as soon as nothing is pending: a client that holds the
  // connection open (Amfora does, for a second) does not hold a slot.
  std::error_code ec;
  // Nothing unread (the common case): close() alone sends the FIN.
  if (socket.available(ec) == 0 && !ec) {
    socket.close(ec);
    co_return;
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
  char sink[4096];
  while (!ec && socket.available(ec) > 0) {
    auto [rec, n] = co_await socket.async_read_some(asio::buffer(sink), nothrow);
    ec = rec;
  }
  socket.close(ec);
}

result<std::shared_ptr<const snapshot>, std::string> snapshot::build(
    std::shared_ptr<const server_config> config, std::uint16_t gemini_port, const snapshot* previous,
    const server_hooks& hooks) {
  if (auto problems = check_on_disk(*config, "config"); !problems.empty())
    return fail(problems.front().message);
  auto site = std::make_shared<snapshot>();
  site->config = config;
  site->routes = std::make_unique<router>(*config);
  auto contexts = tls::server_contexts::build(*config);
  if (!contexts) return fail(contexts.error());
  site->contexts = std::move(*contexts);
  site->gopher_host = twinstar::gopher_host(*config);
  site->gemini_port = gemini_port;
  const auto connections = rate_limiter::for_connections(config->rate_limit);
  if (previous != nullptr) {
    site->limiter = std::make_shared<rate_limiter>(config->rate_limit, *previous->limiter);
    site->connection_rate = std::make_shared<rate_limiter>(connections, *previous->connection_rate);
  } else {
    site->limiter = std::make_shared<rate_limiter>(config->rate_limit);
    site->connection_rate = std::make_shared<rate_limiter>(connections);
  }
  site->listings =
      std::make_unique<listing_cache>(listing_cache::limits{}, nullptr, hooks.before_listing_build);
  return std::shared_ptr<const snapshot>(std::move(site));
}

void log_event(const std::string& line, log_level level) { log_line(log_stream::err, level, line); }

void log_limited(const std::string& line) {
  static std::mutex mutex;
  static double tokens = limited_lines_burst;
  static clock::time_point refreshed = clock::now();
  static std::uint64_t suppressed = 0;
  std::uint64_t held = 0;
  {
    std::lock_guard lock(mutex);
    const auto now = clock::now();
    tokens = std::min(limited_lines_burst, tokens + std::chrono::duration<double>(now - refreshed).count() *
                                                        limited_lines_per_second);
    refreshed = now;
    if (tokens < 1) {
      ++suppressed;
      return;
    }
    tokens -= 1;
    held = std::exchange(suppressed, 0);
  }
  log_line(log_stream::err, log_level::info,
           held == 0 ? line : line + " (" + std::to_string(held) + " similar lines suppressed)");
}

peer peer::of(const tcp::endpoint& ep) {
  peer p;
  p.address = ep.address().to_string();
  p.text = (ep.address().is_v6() ? "[" + p.address + "]" : p.address) + ":" + std::to_string(ep.port());
  return p;
}

}  // namespace twinstar::shell
