#include "twinstar/limits.hpp"

#include <algorithm>
#include <cmath>

namespace twinstar {

rate_limiter::rate_limiter(rate_limit_config config, const rate_limiter& previous) : config_(config) {
  std::lock_guard lock(previous.mutex_);
  buckets_ = previous.buckets_;
  for (auto& [client, b] : buckets_) b.tokens = std::min(b.tokens, config_.burst);
}

rate_limit_config rate_limiter::for_connections(const rate_limit_config& requests) {
  rate_limit_config c = requests;
  c.per_second = requests.per_second * 2;
  c.burst = requests.burst * 2 + 10;
  return c;
}

rate_limiter::verdict rate_limiter::admit(std::string_view client, limit_clock::time_point now) {
  verdict v;
  if (!enabled()) return v;
  std::lock_guard lock(mutex_);
  auto [it, fresh] = buckets_.try_emplace(std::string(client), bucket{config_.burst, now});
  bucket& b = it->second;
  if (b.banned_until > now) {
    v.allowed = false;
    v.banned = true;
    v.retry_after = std::chrono::ceil<std::chrono::seconds>(b.banned_until - now);
    return v;
  }
  std::chrono::duration<double> elapsed = now - b.refreshed;
  b.tokens = std::min(config_.burst, b.tokens + elapsed.count() * config_.per_second);
  b.refreshed = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    b.refusals = 0;
    return v;
  }
  v.allowed = false;
  v.log = b.refusals == 0;
  ++b.refusals;
  double wait = (1.0 - b.tokens) / config_.per_second;
  v.retry_after = std::chrono::seconds(std::max<long>(1, static_cast<long>(std::ceil(wait))));
  if (config_.ban_after > 0 && b.refusals >= config_.ban_after) {
    b.banned_until = now + config_.ban_for;
    b.refusals = 0;
    v.banned = true;
    v.log = true;  // the ban itself is worth one line
    v.retry_after = config_.ban_for;
  }
  return v;
}

bool rate_limiter::banned(std::string_view client, limit_clock::time_point now) const {
  if (!enabled() || config_.ban_after == 0) return false;
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(client));
  return it != buckets_.end() && it->second.banned_until > now;
}

void rate_limiter::prune(limit_clock::time_point now) {
  std::lock_guard lock(mutex_);
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const bucket& b = it->second;
    std::chrono::duration<double> elapsed = now - b.refreshed;
    bool full = b.tokens + elapsed.count() * config_.per_second >= config_.burst;
    if (full && b.banned_until <= now)
      it = buckets_.erase(it);
    else
      ++it;
  }
}

std::size_t rate_limiter::tracked() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

void connection_limits::set_caps(std::size_t max_total, std::size_t max_per_client) {
  std::lock_guard lock(mutex_);
  max_total_ = max_total;
  max_per_client_ = max_per_client;
}

connection_limits::admission connection_limits::acquire(std::string_view client) {
  std::lock_guard lock(mutex_);
  if (max_total_ && total_ >= max_total_) return admission::over_total;
  auto& n = per_client_[std::string(client)];
  if (max_per_client_ && n >= max_per_client_) {
    if (n == 0) per_client_.erase(std::string(client));
    return admission::over_client;
  }
  ++n;
  ++total_;
  return admission::ok;
}

void connection_limits::release(std::string_view client) {
  std::lock_guard lock(mutex_);
  auto it = per_client_.find(std::string(client));
  if (it == per_client_.end()) return;
  --total_;
  if (--it->second == 0) per_client_.erase(it);
}

std::size_t connection_limits::open() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::size_t connection_limits::open_for(std::string_view client) const {
  std::lock_guard lock(mutex_);
  auto it = per_client_.find(std::string(client));
  return it == per_client_.end() ? 0 : it->second;
}

running_cap::slot& running_cap::slot::operator=(slot&& other) noexcept {
  if (this != &other) {
    release();
    cap_ = std::exchange(other.cap_, nullptr);
  }
  return *this;
}

void running_cap::slot::release() {
  if (cap_ == nullptr) return;
  std::lock_guard lock(cap_->mutex_);
  --cap_->running_;
  cap_ = nullptr;
}

running_cap::slot running_cap::try_acquire() {
  std::lock_guard lock(mutex_);
  if (running_ >= max_) return slot();
  ++running_;
  return slot(this);
}

void running_cap::set_max(std::size_t max) {
  std::lock_guard lock(mutex_);
  max_ = max;
}

std::size_t running_cap::max() const {
  std::lock_guard lock(mutex_);
  return max_;
}

std::size_t running_cap::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

std::string rate_limit_line(const rate_limiter::verdict& verdict, std::string_view client) {
  return "rate limit: " + std::string(client) + (verdict.banned ? " banned for " : " told to wait ") +
         std::to_string(verdict.retry_after.count()) + " s";
}

}  // namespace twinstar
