#pragma once
// Abuse limits, as plain logic with the clock passed in: a per-client token
// bucket with optional temporary bans, and connection caps (global and per
// client address). Thread-safe; no sockets.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace twinstar {

using limit_clock = std::chrono::steady_clock;

struct rate_limit_config {
  double per_second = 0;   // refill rate; 0 switches rate limiting off
  double burst = 20;       // bucket size
  unsigned ban_after = 0;  // refusals in a row that start a ban; 0 = never ban
  std::chrono::seconds ban_for{600};
};

class rate_limiter {
 public:
  explicit rate_limiter(rate_limit_config config) : config_(config) {}
  // A limiter for a reloaded configuration that remembers what `previous`
  // knew: each client's tokens (capped at the new burst), refusals and bans.
  // A reload must not be a way out of a ban.
  rate_limiter(rate_limit_config config, const rate_limiter& previous);

  // The limit on new connections (TCP accepts, and so TLS handshakes) that
  // goes with a request limit: twice its rate, and twice its burst plus 10,
  // so a client that keeps to the request limit never meets it, one told 44
  // still has ten answered tries (and meets ban_after first), and one that
  // keeps hammering (or floods ClientHellos and resets) is dropped at accept,
  // before any TLS work. Off when the request limit is off.
  static rate_limit_config for_connections(const rate_limit_config& requests);

  struct verdict {
    bool allowed = true;
    std::chrono::seconds retry_after{0};  // >= 1 when refused (the 44 meta)
    bool log = false;                     // first refusal of this offence: log it once
    bool banned = false;                  // refused because of a ban
  };

  // One request from `client` at `now`. Refusals do not consume tokens.
  verdict admit(std::string_view client, limit_clock::time_point now);

  // Whether `client` is serving a ban at `now` (checked at accept, so a
  // banned client costs no TLS handshake).
  bool banned(std::string_view client, limit_clock::time_point now) const;

  // Forget clients whose bucket is full again and who are not banned, so the
  // table does not grow without bound. Call now and then.
  void prune(limit_clock::time_point now);
  std::size_t tracked() const;
  bool enabled() const { return config_.per_second > 0; }

 private:
  struct bucket {
    double tokens;
    limit_clock::time_point refreshed;
    unsigned refusals = 0;
    limit_clock::time_point banned_until{};
  };
  rate_limit_config config_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
};

// The operator's line for a refused request (`verdict.log` set), the same
// for both protocols: "rate limit: <client> told to wait 3 s" or
// "rate limit: <client> banned for 600 s". `client` as the log shows it
// (access_log.hpp's shown_address).
std::string rate_limit_line(const rate_limiter::verdict& verdict, std::string_view client);

// Caps on open connections. acquire() is cheap and never blocks: past a cap
// the caller answers "slow down" or closes at once, nothing is queued.
class connection_limits {
 public:
  connection_limits(std::size_t max_total, std::size_t max_per_client)
      : max_total_(max_total), max_per_client_(max_per_client) {}

  // New caps (a reload): connections already open stay counted.
  void set_caps(std::size_t max_total, std::size_t max_per_client);

  enum class admission { ok, over_total, over_client };
  admission acquire(std::string_view client);
  void release(std::string_view client);  // once per successful acquire
  std::size_t open() const;
  std::size_t open_for(std::string_view client) const;

 private:
  std::size_t max_total_, max_per_client_;
  mutable std::mutex mutex_;
  std::size_t total_ = 0;
  std::unordered_map<std::string, std::size_t> per_client_;
};

// A cap on work running at once: the CGI programs and SCGI requests of a
// server ([server] max_cgi). try_acquire() never blocks and queues nothing:
// with every slot taken it returns an empty slot and the caller refuses the
// request at once. A slot gives itself back when destroyed, so however the
// work ends (done, timed out, its client gone, an exception, its coroutine
// destroyed) the count goes down exactly once. Thread-safe; the cap must
// outlive its slots.
class running_cap {
 public:
  explicit running_cap(std::size_t max) : max_(max) {}
  running_cap(const running_cap&) = delete;
  running_cap& operator=(const running_cap&) = delete;

  class slot {
   public:
    slot() = default;
    slot(slot&& other) noexcept : cap_(std::exchange(other.cap_, nullptr)) {}
    slot& operator=(slot&& other) noexcept;
    slot(const slot&) = delete;
    slot& operator=(const slot&) = delete;
    ~slot() { release(); }
    explicit operator bool() const { return cap_ != nullptr; }
    void release();  // early give-back; a second call (and the destructor) does nothing

   private:
    friend class running_cap;
    explicit slot(running_cap* cap) : cap_(cap) {}
    running_cap* cap_ = nullptr;
  };

  slot try_acquire();
  // A new cap (a reload): work already running stays counted, and no new
  // work starts until the count is below the new cap.
  void set_max(std::size_t max);
  std::size_t max() const;
  std::size_t running() const;

 private:
  mutable std::mutex mutex_;
  std::size_t max_;
  std::size_t running_ = 0;
};

}  // namespace twinstar
