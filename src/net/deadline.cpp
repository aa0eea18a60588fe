// Session deadlines and the per-worker sweeper that enforces them.
#include "shell.hpp"

namespace twinstar::shell {

session_deadline::session_deadline(deadline_sweeper& sweeper, tcp::socket& socket, clock::time_point at)
    : sweeper_(sweeper), socket_(socket), at_(at) {
  sweeper_.add(*this);
}

session_deadline::~session_deadline() { sweeper_.remove(*this); }

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

void deadline_sweeper::sweep(clock::time_point now) {
  for (session_deadline* d = head_; d; d = d->next_) {
    if (d->at_ > now || !d->socket_.is_open()) continue;
    std::error_code ignored;
    d->socket_.close(ignored);  // the session's pending operation ends with operation_aborted
  }
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

}  // namespace twinstar::shell
