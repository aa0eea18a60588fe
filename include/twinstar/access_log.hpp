#pragma once
// One line per request: time, client, protocol, host, path, status, bytes,
// duration. Thread-safe; "-" is stdout, "off" disables, else appends to a file.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

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

 private:
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  bool ok_ = true;
};

// "2026-11-27T23:28:17Z" for a system clock time.
std::string iso8601(std::chrono::system_clock::time_point t);

}  // namespace twinstar
