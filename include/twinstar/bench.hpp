#pragma once
// The load generator behind `twinstar bench`: a config in, stats out.
//
// One io_context on the calling thread runs `concurrency` coroutines, each
// looping one request per connection (as Gemini and Gopher require) until the
// request count is used up or the duration has passed. It is kept cheap on
// purpose, since it usually shares the machine with the server it measures:
// the target is resolved once, bodies are counted, not kept, and a single
// ticker enforces timeouts, the duration and progress reports.
#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "twinstar/client.hpp"
#include "twinstar/result.hpp"

namespace twinstar::bench {

inline constexpr unsigned max_concurrency = 10'000;

// Latencies in microseconds, log-linear buckets (HDR-like): 256 exact values,
// then 128 buckets per power of two, so a percentile is off by < 0.8%.
// Fixed memory, O(1) record; values past ~19 hours are clamped.
class latency_histogram {
 public:
  void record(std::uint64_t micros) {
    micros = std::min(micros, max_trackable);
    ++counts_[index_of(micros)];
    ++count_;
    max_ = std::max(max_, micros);
  }
  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] std::uint64_t max() const { return max_; }

  // The smallest bucket bound below which `percent` of the values lie,
  // clamped to the maximum (so p50 <= p90 <= p99 <= max); 0 when empty.
  [[nodiscard]] std::uint64_t percentile(double percent) const {
    if (count_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(percent / 100.0 * static_cast<double>(count_) + 0.999999);
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(upper_bound_of(i), max_);
    }
    return max_;
  }

 private:
  static constexpr int sub_bits = 8;
  static constexpr std::uint64_t half = std::uint64_t{1} << (sub_bits - 1);
  static constexpr std::uint64_t max_trackable = (std::uint64_t{1} << 36) - 1;
  static constexpr std::size_t bucket_count = (36 - sub_bits + 2) * half;

  static std::size_t index_of(std::uint64_t v) {
    int shift = std::max(0, static_cast<int>(std::bit_width(v)) - sub_bits);
    return static_cast<std::size_t>(static_cast<std::uint64_t>(shift) * half + (v >> shift));
  }
  static std::uint64_t upper_bound_of(std::size_t index) {
    std::uint64_t shift = index < 2 * half ? 0 : index / half - 1;
    std::uint64_t mantissa = index - shift * half;
    return ((mantissa + 1) << shift) - 1;
  }

  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

struct progress {
  double elapsed_s = 0;
  std::uint64_t requests = 0;  // completed so far, failures included
  std::uint64_t errors = 0;
  double recent_rps = 0;  // successful requests per second since the previous report
};

struct config {
  std::string url;  // gemini://... or gopher://host[:port]/<type><selector>
  unsigned concurrency = 16;
  std::uint64_t requests = 0;  // total to send; 0 = run for `duration`
  std::chrono::milliseconds duration{10'000};
  bool resume = false;      // each worker offers its last TLS session
  int server_pid = 0;       // > 0: measure that process through /proc
  client::options options;  // connect host/port, SNI, timeout (per exchange), TLS, client cert
  std::chrono::milliseconds progress_interval{1000};
  std::function<void(const progress&)> on_progress;  // called on the bench thread
};

struct stats {
  std::string url;
  unsigned concurrency = 0;
  bool resume = false;
  std::uint64_t requests = 0;  // completed, failures included
  std::uint64_t ok = 0;        // 2x (Gemini); a non-empty reply, not an error menu (Gopher)
  std::uint64_t resumed = 0;   // TLS handshakes that resumed a session
  double elapsed_s = 0;
  double rps = 0;  // ok per second: 0 when nothing succeeded
  // Over every request that got a complete reply (any status).
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  // "connect", "handshake", "send", "timeout", "short_read", "bad_header",
  // "gopher_error", "status_NN".
  std::map<std::string, std::uint64_t> errors;
  std::uint64_t bytes = 0;  // every byte received: header + body
  double bytes_per_s = 0;
  double client_cpu_us_per_req = 0;             // getrusage(RUSAGE_SELF), user + system
  std::optional<double> server_cpu_us_per_req;  // /proc/PID/stat utime + stime
  std::optional<long> server_peak_rss_kb;       // /proc/PID/status VmHWM
  bool server_peak_is_run = false;  // the peak was reset at the start (else: since the process began)

  [[nodiscard]] std::uint64_t error_count() const {
    std::uint64_t n = 0;
    for (const auto& [name, count] : errors) n += count;
    return n;
  }
};

struct run_error {
  bool bad_argument = false;  // the config itself is wrong (exit 2), else the run could not start
  std::string message;
};

// Gemini sends the URL + CRLF; Gopher sends the decoded selector + CRLF
// (gopher://h/1/news/ -> "/news/", gopher://h/ -> ""). Errors: an invalid URL,
// a scheme other than gemini/gopher, a concurrency outside 1..max_concurrency,
// an unreadable /proc/PID (bad_argument); a host that does not resolve or a
// client certificate that does not load. Failed requests are not errors:
// they are counted by kind in stats::errors.
//
// A Gemini reply counts as complete only when it ends with close_notify
// (else short_read). With server_pid, CPU time has the kernel's clock-tick
// resolution (usually 10 ms), and the peak RSS is reset through
// /proc/PID/clear_refs (value 5) when permitted, so the peak is this run's
// (it cannot drop below the RSS the process holds when the run starts).
result<stats, run_error> run(const config& cfg);

}  // namespace twinstar::bench
