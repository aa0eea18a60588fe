#pragma once
// A destination for log lines that never blocks whoever writes to it.
//
// write() queues whole lines; a thread of the sink's own writes the queue out
// in batches. The destination is written without ever blocking for long: a
// pipe, FIFO or socket is written only when poll() says it has room, at most
// PIPE_BUF bytes at a time (so a write to a pipe cannot block), and a batch
// the destination has not taken within `stall_limit` is dropped, its lines
// counted. So a reader that stops reading (a stalled `| tee`, a full disk, a
// FIFO nobody reads) costs at most max_pending_bytes of memory, never a
// blocked event loop or signal handler. Dropped lines are reported in one line
// once the destination takes lines again. The destructor writes out what is
// queued, waiting at most one stall_limit for a stalled destination.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace twinstar {

class line_sink {
 public:
  // Writes to `fd`, which the sink closes at the end when `owned`.
  line_sink(int fd, bool owned, std::chrono::milliseconds batch_delay);
  ~line_sink();
  line_sink(const line_sink&) = delete;
  line_sink& operator=(const line_sink&) = delete;

  // Queue `line` (which must end with '\n'). Never blocks on the destination.
  void write(std::string_view line);
  // Write to `fd` from the next batch on (the old one, when owned, is closed
  // by the writer). -1 discards lines. For log rotation (reopen).
  void replace(int fd, bool owned);
  // Lines dropped so far (queue full or destination stalled).
  std::uint64_t dropped() const;

  static constexpr std::size_t max_pending_bytes = 4 * 1024 * 1024;
  static constexpr std::chrono::milliseconds stall_limit{1000};

 private:
  void run();
  // Writes what the destination takes; returns the bytes written.
  std::size_t put(std::string_view data);

  void adopt(int fd, bool owned);  // writer thread only

  int fd_ = -1;
  bool owned_ = false;
  bool regular_ = false;  // a regular file: whole writes, never a stall
  bool socket_ = false;   // send(MSG_DONTWAIT) instead of write()
  // A descriptor handed over by replace(), taken up by the writer.
  int next_fd_ = -1;
  bool next_owned_ = false;
  bool replacing_ = false;
  std::chrono::milliseconds batch_delay_;
  bool mid_line_ = false;  // a stall cut the last line short

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;
  std::uint64_t dropped_ = 0;        // since the last report
  std::uint64_t dropped_total_ = 0;  // ever
  bool closing_ = false;
  std::thread writer_;
};

// Opens a log file for appending without ever blocking: a FIFO without a
// reader is an error (ENXIO) instead of a hang. Returns the descriptor, or -1
// with errno set.
int open_log_file(const std::string& path);

// Operational lines (start, reload, signals, errors): written through a
// process-wide line_sink on stdout or stderr, so printing one never waits for
// a reader. Each line is "TIME LEVEL text": "2026-12-04T15:03:00Z info ...".
enum class log_stream { out, err };
enum class log_level { info, warning, error };
void log_line(log_stream stream, log_level level, std::string_view text);

}  // namespace twinstar
