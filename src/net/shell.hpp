#pragma once
// Internal to the network shell: what every session shares, and the helpers
// for timeouts. Not part of the public headers.
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ssl.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "twinstar/access_log.hpp"
#include "twinstar/config.hpp"
#include "twinstar/router.hpp"
#include "twinstar/tls.hpp"

namespace twinstar::shell {

using asio::ip::tcp;
using clock = std::chrono::steady_clock;
inline constexpr auto nothrow = asio::experimental::as_tuple(asio::use_awaitable);

// Read buffer for a request line: 1024 bytes of URI + CRLF.
inline constexpr std::size_t request_buffer_bytes = 1026;
inline constexpr std::size_t file_chunk_bytes = 64 * 1024;
// How long a closed connection is drained so that unread client bytes do not
// turn our close into a reset that destroys the response in flight.
inline constexpr std::chrono::milliseconds linger_drain{2000};

// Everything a session needs, immutable while serving.
struct shared_state {
  std::shared_ptr<const server_config> config;
  std::unique_ptr<router> routes;
  std::unique_ptr<tls::server_contexts> contexts;
  std::unique_ptr<asio::ssl::context> default_ssl;  // wraps contexts->default_context()
  std::unique_ptr<access_log> log;
  const host_config* gopher_host = nullptr;  // the host Gopher listeners serve
  std::string gemini_base;                   // "gemini://name[:port]" for Gopher text references
  std::atomic<long> active{0};
};

// Closes `socket` when `deadline` passes; the deadline may be moved later by
// the session while this waits. Run it as `co_await (work() || watchdog(...))`.
asio::awaitable<void> watchdog(const clock::time_point& deadline, tcp::socket& socket);

// Half-close, discard client bytes already received, close (bounded by linger_drain).
asio::awaitable<void> drain_and_close(tcp::socket& socket);

std::string peer_string(const tcp::socket& socket);

asio::awaitable<void> serve_gemini(tcp::socket socket, shared_state& state);
asio::awaitable<void> serve_gopher(tcp::socket socket, shared_state& state, std::uint16_t local_port);

}  // namespace twinstar::shell
