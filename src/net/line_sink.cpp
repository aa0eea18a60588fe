#include "twinstar/line_sink.hpp"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "twinstar/access_log.hpp"

namespace twinstar {

line_sink::line_sink(int fd, bool owned, std::chrono::milliseconds batch_delay) : batch_delay_(batch_delay) {
  adopt(fd, owned);
  writer_ = std::thread([this] { run(); });
}

void line_sink::adopt(int fd, bool owned) {
  if (owned_ && fd_ >= 0) ::close(fd_);
  fd_ = fd;
  owned_ = owned;
  regular_ = socket_ = mid_line_ = false;
  struct stat st {};
  if (fd_ >= 0 && ::fstat(fd_, &st) == 0) {
    regular_ = S_ISREG(st.st_mode);
    socket_ = S_ISSOCK(st.st_mode);
  }
}

void line_sink::replace(int fd, bool owned) {
  {
    std::lock_guard lock(mutex_);
    if (replacing_ && next_owned_ && next_fd_ >= 0) ::close(next_fd_);  // superseded before use
    next_fd_ = fd;
    next_owned_ = owned;
    replacing_ = true;
  }
  wake_.notify_one();
}

line_sink::~line_sink() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  wake_.notify_one();
  writer_.join();
  if (replacing_ && next_owned_ && next_fd_ >= 0) ::close(next_fd_);
  if (owned_ && fd_ >= 0) ::close(fd_);
}

std::uint64_t line_sink::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_total_;
}

void line_sink::write(std::string_view line) {
  {
    std::lock_guard lock(mutex_);
    if (pending_.size() + line.size() > max_pending_bytes) {
      ++dropped_;
      ++dropped_total_;
      return;
    }
    const bool was_empty = pending_.empty();
    pending_ += line;
    if (!was_empty) return;  // the writer is already due to wake
  }
  wake_.notify_one();
}

std::size_t line_sink::put(std::string_view data) {
  if (fd_ < 0) return data.size();  // "off": nothing to write to
  std::size_t done = 0;
  while (done < data.size()) {
    if (!regular_) {
      pollfd p{fd_, POLLOUT, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(stall_limit.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0 || (p.revents & (POLLERR | POLLNVAL | POLLHUP)) != 0) break;  // stalled or gone
    }
    auto chunk = data.substr(done);
    if (!regular_ && chunk.size() > PIPE_BUF) {
      // Whole lines where one fits: a stall then cuts between lines.
      const auto cut = chunk.substr(0, PIPE_BUF).rfind('\n');
      chunk = chunk.substr(0, cut == std::string_view::npos ? PIPE_BUF : cut + 1);
    }
    const ssize_t n = socket_ ? ::send(fd_, chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL)
                              : ::write(fd_, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      break;  // EPIPE (no reader), ENOSPC, EIO: drop the rest
    }
    done += static_cast<std::size_t>(n);
  }
  return done;
}

void line_sink::run() {
  // A reader that went away must not kill the server with SIGPIPE: the
  // write fails with EPIPE instead (the signal stays pending on this thread).
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);

  std::string batch;
  for (;;) {
    std::uint64_t dropped = 0;
    bool last = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return closing_ || replacing_ || !pending_.empty(); });
      // Let lines gather for a moment: one wake-up and one write per batch.
      if (batch_delay_.count() > 0 && !replacing_)
        wake_.wait_for(lock, batch_delay_, [this] { return closing_; });
      batch.swap(pending_);
      if (replacing_) {
        // Lines queued before the reopen still belong to the old file.
        lock.unlock();
        put(batch);
        lock.lock();
        adopt(std::exchange(next_fd_, -1), next_owned_);
        replacing_ = false;
        batch.clear();
        batch.swap(pending_);
      }
      dropped = std::exchange(dropped_, 0);
      last = closing_ && batch.empty();
    }
    if (last) return;
    if (dropped > 0)
      batch += iso8601(std::chrono::system_clock::now()) + " log: " + std::to_string(dropped) +
               " lines dropped (the destination was not keeping up)\n";
    std::string_view out = batch;
    std::string resumed;
    if (mid_line_) {  // end the line a stall cut short before anything else
      resumed = "\n" + batch;
      out = resumed;
    }
    const std::size_t written = put(out);
    if (written < out.size()) {
      const auto rest = out.substr(written);
      const auto lost = static_cast<std::uint64_t>(std::count(rest.begin(), rest.end(), '\n'));
      std::lock_guard lock(mutex_);
      dropped_ += lost;
      dropped_total_ += lost;
    }
    if (written > 0 || out.empty()) mid_line_ = written < out.size() && out[written - 1] != '\n';
    batch.clear();
    if (batch.capacity() > max_pending_bytes / 4) std::string().swap(batch);
  }
}

int open_log_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for writing would otherwise wait for a reader.
  // It stays set on this description only, and put() never waits on it.
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
}

void log_line(log_stream stream, log_level level, std::string_view text) {
  // Built on first use and kept for the life of the process; written out by
  // their destructors at exit.
  static line_sink out(STDOUT_FILENO, false, std::chrono::milliseconds(0));
  static line_sink err(STDERR_FILENO, false, std::chrono::milliseconds(0));
  std::string line = iso8601(std::chrono::system_clock::now());
  line += level == log_level::info ? " info " : level == log_level::warning ? " warning " : " error ";
  line += text;
  line += '\n';
  (stream == log_stream::out ? out : err).write(line);
}

}  // namespace twinstar
