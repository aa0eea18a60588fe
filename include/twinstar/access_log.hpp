#pragma once
// One line per request: time, client, protocol, host, path, status, bytes,
// duration. Thread-safe; "-" is stdout, "off" disables, else appends to a file.
//
// write() never blocks on the destination: it formats the line and queues
// it; a thread of the log's own writes the queue out in batches (at most
// batch_delay after a line was queued). A destination that stops taking lines (a full disk, a pipe
// nobody reads) costs at most max_pending_bytes of memory; past that, lines
// are counted and dropped, and the count is logged once the writer catches
// up. The destructor writes out what is queued.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace twinstar {

struct access_entry {
  std::string_view client;    // "127.0.0.1:53422"
  std::string_view protocol;  // "gemini" / "gopher"
  std::string_view host;
  std::string_view path;
  std::string_view status;  // "20", "51", "gopher:1", ...
  std::uint64_t bytes = 0;
  std::chrono::microseconds duration{0};
};

class access_log {
 public:
  explicit access_log(const std::string& destination);
  ~access_log();
  access_log(const access_log&) = delete;
  access_log& operator=(const access_log&) = delete;

  bool ok() const { return ok_; }
  void write(const access_entry& e);

  static constexpr std::size_t max_pending_bytes = 4 * 1024 * 1024;
  // How long queued lines wait for company before they are written.
  static constexpr std::chrono::milliseconds batch_delay{50};

 private:
  void run();

  std::FILE* file_ = nullptr;
  bool owned_ = false;
  bool ok_ = true;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;        // lines not yet handed to the writer
  std::uint64_t dropped_ = 0;  // lines refused since the last report
  bool closing_ = false;
  std::thread writer_;
};

// "2026-11-27T23:28:17Z" for a system clock time.
std::string iso8601(std::chrono::system_clock::time_point t);

}  // namespace twinstar
