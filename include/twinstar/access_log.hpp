#pragma once
// One line per request: time, client, protocol, host, path, status, bytes,
// duration. Thread-safe; "-" is stdout, "off" disables, else appends to a file.
//
// write() never blocks on the destination: lines go through a line_sink
// (line_sink.hpp), which drops and counts them when the destination stalls.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "twinstar/line_sink.hpp"

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
  // Why the destination could not be opened (when !ok()).
  const std::string& error() const { return error_; }
  void write(const access_entry& e);
  // Lines dropped because the destination stalled.
  std::uint64_t dropped() const { return sink_->dropped(); }
  // Opens `destination` again (log rotation: SIGUSR1, SIGHUP) or a new one
  // (a reload that changed access_log); lines queued so far go to the old
  // one. On failure `error` says why and the old destination stays.
  bool reopen(const std::string& destination, std::string& error);

  // How long queued lines wait for company before they are written.
  static constexpr std::chrono::milliseconds batch_delay{50};

 private:
  std::unique_ptr<line_sink> sink_;
  std::atomic<bool> on_{false};  // not "off"
  bool ok_ = true;
  std::string error_;
};

// "2026-11-27T23:28:17Z" for a system clock time.
std::string iso8601(std::chrono::system_clock::time_point t);

}  // namespace twinstar
