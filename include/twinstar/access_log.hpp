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

#include "twinstar/config.hpp"
#include "twinstar/line_sink.hpp"
#include "twinstar/protocol.hpp"
#include "twinstar/result.hpp"

namespace twinstar {

struct access_entry {
  std::string_view client;  // "127.0.0.1:53422"
  twinstar::protocol protocol = twinstar::protocol::gemini;
  std::string_view host;
  std::string_view path;    // Gemini: path and "?query" as sent; Gopher: the request line
  std::string_view status;  // "20", "51", "gopher:1", ...
  std::uint64_t bytes = 0;
  std::chrono::microseconds duration{0};
};

class access_log {
 public:
  // Opens `destination` ("" or "-": see config.hpp); fails with the reason.
  static result<std::unique_ptr<access_log>, std::string> open(const std::string& destination);
  ~access_log();
  access_log(const access_log&) = delete;
  access_log& operator=(const access_log&) = delete;

  void write(const access_entry& e);
  // Lines dropped because the destination stalled.
  std::uint64_t dropped() const { return sink_->dropped(); }
  // Opens `destination` again (log rotation: SIGUSR1, SIGHUP) or a new one
  // (a reload that changed access_log); lines queued so far go to the old
  // one. Fails with the reason; the old destination then stays.
  result<void, std::string> reopen(const std::string& destination);
  // The line layout and how much of the client address is kept.
  void set_format(log_style style, ip_logging ip);

  // How long queued lines wait for company before they are written.
  static constexpr std::chrono::milliseconds batch_delay{50};

 private:
  std::unique_ptr<line_sink> sink_;
  std::atomic<bool> on_{false};  // not "off"
  std::atomic<log_style> style_{log_style::twinstar};
  std::atomic<ip_logging> ip_{ip_logging::full};
  access_log(int fd, bool owned);
};

// One access log line (ending in '\n') in `style`, the client shown as `ip` says.
std::string format_access_line(const access_entry& e, log_style style, ip_logging ip,
                               std::chrono::system_clock::time_point now);
// A client ("1.2.3.4:5678", "[2001:db8::1]:5678") as much as `mode` keeps:
// all, "1.2.3.0" / "2001:db8:1::" (/24, /48, no port), or "-".
std::string shown_address(std::string_view client, ip_logging mode);

// "2026-11-27T23:28:17Z" for a system clock time.
std::string iso8601(std::chrono::system_clock::time_point t);

}  // namespace twinstar
