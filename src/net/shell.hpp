#pragma once
// Internal to the network shell: what every session shares, and the helpers
// for timeouts. Not part of the public headers.
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <asio/ssl.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "deadline.hpp"
#include "twinstar/access_log.hpp"
#include "twinstar/answer_cache.hpp"
#include "twinstar/config.hpp"
#include "twinstar/feed_cache.hpp"
#include "twinstar/gemini_site.hpp"
#include "twinstar/gopher_site.hpp"
#include "twinstar/limits.hpp"
#include "twinstar/listing.hpp"
#include "twinstar/result.hpp"
#include "twinstar/router.hpp"
#include "twinstar/server.hpp"
#include "twinstar/tls.hpp"

namespace twinstar::shell {

using asio::ip::tcp;
using clock = std::chrono::steady_clock;
inline constexpr auto nothrow = asio::experimental::as_tuple(asio::use_awaitable);

// Read buffer for a request line: 1024 bytes of URI + CRLF.
inline constexpr std::size_t request_buffer_bytes = 1026;
inline constexpr std::size_t file_chunk_bytes = 64 * 1024;
// Upper bound on closing: discarding what the client already sent.
inline constexpr std::chrono::milliseconds linger_drain{2000};

// Everything built from one configuration. Immutable; a reload (SIGHUP)
// builds a new one and swaps the pointer, and each connection keeps the
// snapshot it started with until it ends.
struct snapshot {
  std::shared_ptr<const server_config> config;
  std::unique_ptr<router> routes;
  std::unique_ptr<tls::server_contexts> contexts;
  const host_config* gopher_host = nullptr;       // the host [server] gopher_listen serves
  std::uint16_t gemini_port = 0;                  // for Gopher text references to gemini:// URLs
  std::shared_ptr<rate_limiter> limiter;          // requests
  std::shared_ptr<rate_limiter> connection_rate;  // accepts, checked before any TLS work
  // Answers of this configuration, per host, port and path (Gemini) or
  // request line (Gopher); a reload starts with empty ones.
  std::unique_ptr<answer_cache<gemini_answer>> gemini_answers =
      std::make_unique<answer_cache<gemini_answer>>();
  std::unique_ptr<answer_cache<gopher_answer>> gopher_answers =
      std::make_unique<answer_cache<gopher_answer>>();
  // Generated directory listings, shared by both protocols.
  std::unique_ptr<listing_cache> listings;

  // Fails with the reason when a certificate or key cannot be loaded or a
  // root is unusable (check_on_disk). `previous` (on reload) hands its rate
  // limiters' memory (tokens, bans) over to the new ones.
  static result<std::shared_ptr<const snapshot>, std::string> build(
      std::shared_ptr<const server_config> config, std::uint16_t gemini_port,
      const snapshot* previous = nullptr, const server_hooks& hooks = {});
};

// Threads that build answers missing from the answer caches (file reads,
// directory listings, feed scans), so that a slow build (a directory of
// 100,000 files, a cold disk) holds up only the requests waiting for it,
// never a worker's event loop.
inline constexpr std::size_t builder_threads = 2;

// Answers being built, by key: a request that misses while the same
// answer is being built waits for that build instead of starting another,
// and waits without holding a thread (a channel of its own, signalled by
// the build's owner), so requests for one slow answer cannot take every
// builder thread.
class build_flights {
 public:
  struct flight;
  using signal = asio::experimental::concurrent_channel<void(
      std::error_code, bool)>;  // (the bool: 1.22 needs a second argument)

  // The flight building `key`, and whether the caller is to build it (it
  // then calls finish); else the caller waits on `done` (registered here
  // unless the flight is already over).
  std::pair<std::shared_ptr<flight>, bool> join(const std::string& key, signal* done);
  // Publishes the result (null: the build failed) and wakes the waiters.
  void finish(const std::string& key, const std::shared_ptr<flight>& f, std::shared_ptr<const void> result);
  // What the flight's owner built; null while it is building or if it failed.
  std::shared_ptr<const void> result(const flight& f);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<flight>> flights_;
};

struct build_flights::flight {
  std::vector<signal*> waiting;  // channels of suspended requests, each in its own frame
  std::shared_ptr<const void> result;
  bool over = false;
};

struct shared_state {
  // The snapshot new connections start with; a reload replaces it.
  std::shared_ptr<const snapshot> current() const;
  void replace(std::shared_ptr<const snapshot> next);

  std::unique_ptr<access_log> log;
  std::shared_ptr<connection_limits> connections;
  // CGI programs and SCGI requests running now ([server] max_cgi), across
  // workers and reloads.
  running_cap programs{default_max_cgi};
  feed::cache feeds;  // generated feed indexes, shared across reloads
  std::atomic<long> active{0};
  build_flights building;
  // Last member: joined before the rest of the state goes away.
  asio::thread_pool builders{builder_threads};

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const snapshot> current_;
};

// The answer under `key`, built by `build` on the builder pool (the calling
// coroutine resumes on its own executor), or, when a request for the same
// key is already building it, that build's result. The result must be
// copyable and default-constructible. Exceptions reach the builder's caller;
// its waiters then build for themselves.
template <class F>
asio::awaitable<std::invoke_result_t<F&>> build_off_loop(shared_state& state, const std::string& key,
                                                         F build) {
  using result = std::invoke_result_t<F&>;
  auto run = [&]() -> asio::awaitable<result> {
    co_return co_await asio::co_spawn(
        state.builders, [&build]() -> asio::awaitable<result> { co_return build(); }, asio::use_awaitable);
  };
  build_flights::signal done(co_await asio::this_coro::executor, 1);
  auto [flight, mine] = state.building.join(key, &done);
  if (!mine) {
    co_await done.async_receive(nothrow);
    if (auto made = state.building.result(*flight)) co_return *static_cast<const result*>(made.get());
    co_return co_await run();  // its build failed: try for ourselves
  }
  result made{};
  try {
    made = co_await run();
  } catch (...) {
    state.building.finish(key, flight, nullptr);
    throw;
  }
  state.building.finish(key, flight, std::make_shared<const result>(made));
  co_return made;
}

// One line to stderr, for events worth an operator's eye (limits, reloads).
void log_event(const std::string& line, log_level level = log_level::warning);

// For what clients cause in numbers (failed handshakes, timeouts): one line
// each, at most limited_lines_per_second on average (bursts of
// limited_lines_burst); what is held back is counted and said in the next
// line that passes ("(12 similar lines suppressed)").
void log_limited(const std::string& line);
inline constexpr double limited_lines_per_second = 5;
inline constexpr double limited_lines_burst = 20;

// Half-close, discard client bytes already received, close (bounded by linger_drain).
asio::awaitable<void> drain_and_close(tcp::socket& socket);

// The client's address, as accept() reported it (no getpeername per use).
struct peer {
  std::string address;  // "192.0.2.1", "2001:db8::1": limits and rate limits
  std::string text;     // "192.0.2.1:40000", "[2001:db8::1]:40000": the access log
  // Behind a PROXY-protocol proxy: the address the client connected to (the
  // proxy's), used instead of the socket's own. Unset: the socket's.
  std::optional<tcp::endpoint> local;
  static peer of(const tcp::endpoint& ep);
};

asio::awaitable<void> serve_gemini(tcp::socket socket, peer client, std::shared_ptr<const snapshot> site,
                                   shared_state& state, deadline_sweeper& sweeper);
// Where a Gopher connection stands when it first has to wait.
struct gopher_start {
  clock::time_point started;
  std::string received;                         // request bytes read, no complete line yet
  std::shared_ptr<const gopher_answer> answer;  // decided (null: not yet)
  bool missed = false;                          // not in the cache: built by serve_gopher, off the loop
  std::size_t sent = 0;                         // bytes of the answer sent
  std::string selector;                         // for the access log
  std::optional<gopher_kind> kind;              // for the access log (unset: nothing asked)
};

// Serves a just-accepted Gopher connection (non-blocking `fd`) on the spot
// if nothing has to wait: the selector is here and the answer goes out in
// one send. Then it closes `fd`, logs, and returns nullopt. Otherwise `fd`
// is still open and the result goes to serve_gopher with it.
// `host_name` is the host this listener serves (looked up in the snapshot,
// so a reload that changes the host takes effect).
std::optional<gopher_start> serve_gopher_now(int fd, const peer& client, const snapshot& site,
                                             shared_state& state, std::uint16_t local_port,
                                             const std::string& host_name);
asio::awaitable<void> serve_gopher(tcp::socket socket, peer client, std::shared_ptr<const snapshot> site,
                                   shared_state& state, deadline_sweeper& sweeper, std::uint16_t local_port,
                                   std::string host_name, gopher_start start);

}  // namespace twinstar::shell
