// mirror_runner: every feed polled on its own interval, on one thread.
#include <algorithm>
#include <cstdio>

#include "twinstar/import/mirror.hpp"

namespace twinstar::news {

mirror_runner::mirror_runner(std::vector<mirror_config> feeds, log_function log)
    : feeds_(std::move(feeds)), log_(std::move(log)) {
  if (!log_) {
    log_ = [](const std::string& line) {
      std::fprintf(stderr, "%s\n", line.c_str());
      std::fflush(stderr);
    };
  }
}

mirror_runner::~mirror_runner() { stop(); }

void mirror_runner::start() {
  if (feeds_.empty() || thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void mirror_runner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void mirror_runner::run() {
  using clock = std::chrono::steady_clock;
  std::vector<clock::time_point> due(feeds_.size(), clock::now());
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto next = std::min_element(due.begin(), due.end());
    if (wake_.wait_until(lock, *next, [this] { return stopping_.load(); })) break;
    const auto index = static_cast<std::size_t>(next - due.begin());
    lock.unlock();
    poll_options options;
    options.cancel = &stopping_;
    const poll_result result = poll_feed(feeds_[index], options);
    // A poll cut short by stop() is not worth a line.
    if (!stopping_) {
      try {
        log_(result.to_string(feeds_[index].url));
      } catch (...) {  // a logger must not end the mirror
      }
    }
    due[index] = clock::now() + feeds_[index].interval;
    lock.lock();
  }
}

}  // namespace twinstar::news
