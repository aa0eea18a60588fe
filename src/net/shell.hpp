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

#include "twinstar/access_log.hpp"
#include "twinstar/answer_cache.hpp"
#include "twinstar/config.hpp"
#include "twinstar/feed_cache.hpp"
#include "twinstar/gopher_site.hpp"
#include "twinstar/limits.hpp"
#include "twinstar/listing.hpp"
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

// A Gemini answer kept in memory: the header's meta and either the body or,
// for a file too large to keep, its path (opened per request).
struct gemini_answer {
  std::string meta;
  std::shared_ptr<const std::string> body;
  std::string file;
  std::uint64_t file_size = 0;
  // What the request resolved to on disk: certificate rules apply to it too
  // (a symlink into a protected directory), on every request.
  std::filesystem::path resolved;
};
// Files up to this size are served from memory.
inline constexpr std::uintmax_t cached_file_bytes = 64 * 1024;

// Everything built from one configuration. Immutable; a reload (SIGHUP)
// builds a new one and swaps the pointer, and each connection keeps the
// snapshot it started with until it ends.
struct snapshot {
  std::shared_ptr<const server_config> config;
  std::unique_ptr<router> routes;
  std::unique_ptr<tls::server_contexts> contexts;
  const host_config* gopher_host = nullptr;         // the host [server] gopher_listen serves
  std::uint16_t gemini_port = 0;                    // for Gopher text references to gemini:// URLs
  std::shared_ptr<rate_limiter> limiter;          // requests
  std::shared_ptr<rate_limiter> connection_rate;  // accepts, checked before any TLS work
  // Answers of this configuration, per host, port and path (Gemini) or
  // request line (Gopher); a reload starts with empty ones.
  std::unique_ptr<answer_cache<gemini_answer>> gemini_answers = std::make_unique<answer_cache<gemini_answer>>();
  std::unique_ptr<answer_cache<gopher_answer>> gopher_answers = std::make_unique<answer_cache<gopher_answer>>();
  // Generated directory listings, shared by both protocols.
  std::unique_ptr<listing_cache> listings;

  // nullptr and `error` set when a certificate or key cannot be loaded or a
  // root is unusable (check_on_disk). `previous` (on reload) hands its rate
  // limiters' memory (tokens, bans) over to the new ones.
  static std::shared_ptr<const snapshot> build(std::shared_ptr<const server_config> config,
                                               std::uint16_t gemini_port, std::string& error,
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
  std::shared_ptr<const snapshot> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void replace(std::shared_ptr<const snapshot> next) {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
  }

  std::unique_ptr<access_log> log;
  std::shared_ptr<connection_limits> connections;
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

class deadline_sweeper;

// When a connection must be done with its current phase. The session moves
// it (later or earlier) as phases change; its worker's deadline_sweeper
// closes the socket once it has passed, which ends whatever the session
// was waiting for (operation_aborted).
class session_deadline {
 public:
  session_deadline(deadline_sweeper& sweeper, tcp::socket& socket, clock::time_point at);
  ~session_deadline();
  session_deadline(const session_deadline&) = delete;
  session_deadline& operator=(const session_deadline&) = delete;
  clock::time_point at() const { return at_; }
  // A phase with a fixed end: handshake, request, closing. These phases are
  // idle: a server that stops closes them at once.
  void set(clock::time_point at) {
    at_ = at;
    writing_ = nullptr;
  }
  // The response phase, `size` bytes, judged by the bytes the client takes
  // (what its TCP acknowledged, TCP_INFO; not what sits in our send buffer,
  // which holds megabytes). The client is cut when it has taken nothing for
  // write_timeout, or has fallen more than write_timeout behind
  // min_write_rate since the response began, and in any case at the
  // whole-response budget write_timeout + size / min_write_rate. Progress is
  // looked at every write_timeout / 4, so a stalled reader goes at most
  // 1.25 write_timeout after its last byte. A cut closes with a reset
  // (SO_LINGER 0): a Gopher client must not read it as a complete answer,
  // and the kernel drops the unsent bytes at once. `config` must outlive
  // the phase.
  void writing(const server_config& config, std::uint64_t size);
  // The session handed bytes to the kernel: the client took some, or the
  // send buffer was still filling. (Progress even where TCP_INFO is missing.)
  void progressed() { progressed_ = clock::now(); }

 private:
  friend class deadline_sweeper;
  // At the deadline of a response: true (and at_ moved) while the client
  // keeps up; false when it is to be cut.
  bool still_taking(clock::time_point now);

  deadline_sweeper& sweeper_;
  tcp::socket& socket_;
  clock::time_point at_;
  session_deadline* prev_ = nullptr;
  session_deadline* next_ = nullptr;
  // The response phase (writing_ set): when it began, when the client last
  // took bytes, its budget, and the bytes acknowledged when last looked at.
  const server_config* writing_ = nullptr;
  clock::time_point started_, progressed_, budget_;
  std::uint64_t acked_ = 0;
};

// One per worker (io_context), used only by that worker's thread: the
// deadlines of its open sessions, in a list, swept every `interval` while
// there are any. One timer per worker instead of a timer and a second
// coroutine per connection (`work() || watchdog()`): less memory per idle
// connection and no timer syscalls per request. Deadlines hold to within
// `interval`.
class deadline_sweeper {
 public:
  static constexpr std::chrono::milliseconds interval{50};

  // Closes the socket of every session whose deadline is at or before `now`
  // (a response only if its client is not keeping up), and once stopping,
  // of every idle one.
  void sweep(clock::time_point now);
  // The server is stopping: idle sessions (no request yet, or closing) are
  // closed now and whenever one becomes idle; responses go on.
  void close_idle();
  // The shutdown grace is over: every session is closed (responses with a
  // reset), so each ends, and logs, on its own.
  void cut_all();
  bool empty() const { return head_ == nullptr; }
  // The worker's sweeping coroutine; never returns (it ends with its io_context).
  asio::awaitable<void> run();

 private:
  friend class session_deadline;
  void add(session_deadline& d);
  void remove(session_deadline& d);
  // A response is cut with a reset; any other phase just closed.
  static void close(session_deadline& d);
  session_deadline* head_ = nullptr;
  asio::steady_timer* idle_timer_ = nullptr;  // run() sleeping with nothing to sweep
  bool stopping_ = false;
};

// Bytes of ours the peer's TCP has acknowledged since the connection began
// (TCP_INFO tcpi_bytes_acked, Linux 4.1); nullopt where the kernel does not say.
std::optional<std::uint64_t> bytes_acked(int fd);

// Closes with a reset (SO_LINGER 0) instead of a FIN: for an answer cut
// short, so the client cannot take it for a complete one.
void reset_and_close(tcp::socket& socket);

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
  std::string selector, kind;                   // for the access log
};

// Serves a just-accepted Gopher connection (non-blocking `fd`) on the spot
// if nothing has to wait: the selector is here and the answer goes out in
// one send. Then it closes `fd`, logs, and returns nullopt. Otherwise `fd`
// is still open and the result goes to serve_gopher with it.
// `host_name` is the host this listener serves (looked up in the snapshot,
// so a reload that changes the host takes effect).
std::optional<gopher_start> serve_gopher_now(int fd, const peer& client, const snapshot& site, shared_state& state,
                                             std::uint16_t local_port, const std::string& host_name);
asio::awaitable<void> serve_gopher(tcp::socket socket, peer client, std::shared_ptr<const snapshot> site,
                                   shared_state& state, deadline_sweeper& sweeper, std::uint16_t local_port,
                                   std::string host_name, gopher_start start);

}  // namespace twinstar::shell
