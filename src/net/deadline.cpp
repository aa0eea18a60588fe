// Session deadlines and the per-worker sweeper that enforces them; for a
// response, the judgement of whether its client keeps up.
#include <algorithm>

#include "shell.hpp"

namespace twinstar::shell {

session_deadline::session_deadline(deadline_sweeper& sweeper, tcp::socket& socket, clock::time_point at)
    : sweeper_(sweeper), socket_(socket), at_(at) {
  sweeper_.add(*this);
}

session_deadline::~session_deadline() { sweeper_.remove(*this); }

void session_deadline::set(clock::time_point at) {
  at_ = at;
  writing_ = nullptr;
}

void session_deadline::progressed() { progressed_ = clock::now(); }

void session_deadline::writing(const server_config& config, std::uint64_t size) {
  const auto now = clock::now();
  const auto rate = config.min_write_rate;
  writing_ = &config;
  started_ = progressed_ = now;
  budget_ = now + config.write_timeout + std::chrono::milliseconds(rate ? size * 1000 / rate : 0);
  // Counted from the connection's start: for Gemini that includes the
  // handshake flight, a few KB the client did take.
  acked_ = 0;
  // Nothing to look at before a quarter of write_timeout: a response that
  // is done by then (nearly all) costs no getsockopt.
  at_ = std::min(budget_, now + config.write_timeout / 4);
}

bool session_deadline::still_taking(clock::time_point now) {
  const server_config& config = *writing_;
  const auto window = config.write_timeout;
  auto cut = budget_;
  if (auto acked = bytes_acked(socket_.native_handle())) {
    if (*acked > acked_) {
      acked_ = *acked;
      progressed_ = now;
    }
    // Running behind min_write_rate by more than write_timeout's worth.
    if (config.min_write_rate)
      cut =
          std::min(cut, started_ + window + std::chrono::milliseconds(acked_ * 1000 / config.min_write_rate));
  }
  cut = std::min(cut, progressed_ + window);
  if (cut <= now) return false;
  at_ = std::min(cut, now + window / 4);
  return true;
}

void deadline_sweeper::add(session_deadline& d) {
  const bool was_empty = empty();
  d.next_ = head_;
  if (head_) head_->prev_ = &d;
  head_ = &d;
  if (was_empty && idle_timer_) idle_timer_->cancel();  // start sweeping
}

void deadline_sweeper::remove(session_deadline& d) {
  (d.prev_ ? d.prev_->next_ : head_) = d.next_;
  if (d.next_) d.next_->prev_ = d.prev_;
  d.prev_ = d.next_ = nullptr;
}

void deadline_sweeper::close(session_deadline& d) {
  if (d.writing_) return reset_and_close(d.socket_);
  std::error_code ignored;
  d.socket_.close(ignored);
}

void deadline_sweeper::sweep(clock::time_point now) {
  for (session_deadline* d = head_; d; d = d->next_) {
    if (!d->socket_.is_open()) continue;
    const bool idle = d->writing_ == nullptr;
    if (!(stopping_ && idle) && (d->at_ > now || (!idle && d->still_taking(now)))) continue;
    // The session's pending operation ends with operation_aborted.
    close(*d);
  }
}

void deadline_sweeper::close_idle() {
  stopping_ = true;
  sweep(clock::time_point::min());  // only the idle ones
}

void deadline_sweeper::cut_all() {
  for (session_deadline* d = head_; d; d = d->next_)
    if (d->socket_.is_open()) close(*d);
}

asio::awaitable<void> deadline_sweeper::run() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  struct forget {  // the timer dies with this frame
    asio::steady_timer*& slot;
    ~forget() { slot = nullptr; }
  } guard{idle_timer_};
  for (;;) {
    if (empty()) {
      idle_timer_ = &timer;
      timer.expires_at(clock::time_point::max());
      co_await timer.async_wait(nothrow);  // cancelled by the first add()
      idle_timer_ = nullptr;
      continue;
    }
    timer.expires_after(interval);
    co_await timer.async_wait(nothrow);
    sweep(clock::now());
  }
}

void reset_and_close(tcp::socket& socket) {
  std::error_code ignored;
  socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

}  // namespace twinstar::shell
