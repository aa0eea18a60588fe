#pragma once
// Internal to the network shell: when each connection must be done with its
// current phase, and the per-worker sweeper that enforces it.
//
// Lifetime rules (tests/integration/deadline_test.cpp checks each one that
// can be checked without undefined behaviour):
// - A session_deadline refers to its socket and its sweeper, and is on the
//   sweeper's list from construction to destruction. So it is declared
//   after the socket (or the stream holding it) in the same scope, or in an
//   inner one, and is destroyed first: the sweeper never sees a socket that
//   is gone. A session coroutine holds both in its own frame (serve_gemini,
//   serve_gopher): no member order of another object is involved.
// - The sweeper outlives every deadline of its worker and is used only on
//   that worker's thread (no locks): the server owns one per worker and
//   destroys the workers' io_contexts (and with them every session frame)
//   before the sweepers.
// - Destroying a deadline takes it off the list in O(1), wherever it is,
//   also while others are due; a sweep never touches a destroyed one
//   because sweeps and destructors run on the same thread, never within
//   each other.
// - The sweeper only closes sockets; the session sees operation_aborted in
//   whatever it awaits and ends on its own, so a cut never destroys
//   anything under a suspended coroutine.
#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <optional>

#include "twinstar/config.hpp"

namespace twinstar::shell {

using asio::ip::tcp;
using clock = std::chrono::steady_clock;

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
  void set(clock::time_point at);
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
  void progressed();

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

}  // namespace twinstar::shell
