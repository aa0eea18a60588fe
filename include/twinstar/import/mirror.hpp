#pragma once
// The feed mirror: fetch a feed over HTTP(S) with libcurl (conditional
// requests with ETag / Last-Modified), import its items into a directory,
// and a runner that polls every configured feed on its interval on its own
// thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "twinstar/config.hpp"
#include "twinstar/result.hpp"

namespace twinstar::news {

inline constexpr std::size_t max_feed_bytes = 16 * 1024 * 1024;
inline constexpr long max_redirects = 5;
// The per-directory file that remembers each feed's validators. A dotfile:
// the server never serves it.
inline constexpr std::string_view mirror_state_file = ".mirror-state";

struct fetch_request {
  std::string url;                   // http:// or https:// only; redirects may not leave them
  std::string etag;                  // sent as If-None-Match when not empty
  std::string last_modified;         // sent as If-Modified-Since when not empty
  std::chrono::seconds timeout{60};  // whole transfer
  std::chrono::seconds connect_timeout{15};
  const std::atomic<bool>* cancel = nullptr;  // aborts a transfer in flight
};

struct fetch_response {
  long status = 0;  // final HTTP status (after redirects)
  std::string body;
  std::string etag;           // of the final response; "" when none
  std::string last_modified;  // likewise
  std::string url;            // the effective URL (after redirects)
};

// One GET. Any HTTP status is a response; a transport failure (refused,
// timeout, TLS, too large, cancelled) is an error message. Thread-safe.
result<fetch_response, std::string> fetch(const fetch_request& request);

// .mirror-state, one feed per line: URL TAB ETAG TAB LAST-MODIFIED.
struct feed_validators {
  std::string etag;
  std::string last_modified;
};
using mirror_state = std::map<std::string, feed_validators>;
mirror_state parse_mirror_state(std::string_view text);  // malformed lines ignored
std::string format_mirror_state(const mirror_state& state);

// Whether an item with this title passes the feed's include/exclude rules.
bool title_selected(const mirror_config& feed, std::string_view title);

struct poll_result {
  enum class outcome { imported, not_modified, failed };
  outcome kind = outcome::failed;
  std::size_t created = 0, updated = 0, unchanged = 0, filtered = 0;
  std::size_t removed_temporaries = 0;  // stale ones of a killed run
  std::string message;                  // why it failed
  // One log line: "mirror URL: 2 new, 1 updated, 7 unchanged[, 3 filtered
  // out][, 1 stale temporary file(s) removed]" / "... not modified" / "...
  // failed: MESSAGE".
  std::string to_string(std::string_view url) const;
};

struct poll_options {
  std::chrono::system_clock::time_point now{};  // {} = the system clock's
  std::string today;                            // YYYY-MM-DD for dateless items; "" = now's (UTC)
  std::chrono::seconds timeout{60};
  const std::atomic<bool>* cancel = nullptr;
};

// Fetches one feed (conditionally), imports its selected items (at most
// max_items, in document order) into feed.into and updates the state file.
// A failure (transport, HTTP status other than 200/304, malformed feed, a
// write error) writes no article (apply_writes rolls back; its message ends
// with failure_summary) and keeps the old validators, so the next poll
// fetches again. Never throws.
poll_result poll_feed(const mirror_config& feed, const poll_options& options = {});

// Polls each feed once at start(), then every `interval` after its previous
// poll finished, failures included, on one background thread. Each poll
// logs one line through `log`.
class mirror_runner {
 public:
  using log_function = std::function<void(const std::string&)>;
  // `log` is called from the runner's thread; default: standard error.
  explicit mirror_runner(std::vector<mirror_config> feeds, log_function log = {});
  ~mirror_runner();  // stop()
  mirror_runner(const mirror_runner&) = delete;
  mirror_runner& operator=(const mirror_runner&) = delete;

  // Starts the thread; does nothing when there are no feeds or it runs.
  void start();
  // Cancels a transfer in flight, wakes the thread and joins it. Idempotent;
  // safe from any thread but the runner's own (not from a signal handler).
  void stop();

 private:
  void run();

  std::vector<mirror_config> feeds_;
  log_function log_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace twinstar::news
