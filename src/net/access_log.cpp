#include "twinstar/access_log.hpp"

#include <ctime>
#include <utility>

namespace twinstar {

std::string iso8601(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

access_log::access_log(const std::string& destination) {
  if (destination == "off") return;
  if (destination == "-" || destination.empty()) {
    file_ = stdout;
  } else {
    file_ = std::fopen(destination.c_str(), "a");
    owned_ = file_ != nullptr;
    ok_ = owned_;
  }
  if (file_) writer_ = std::thread([this] { run(); });
}

access_log::~access_log() {
  if (writer_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    wake_.notify_one();
    writer_.join();
  }
  if (owned_) std::fclose(file_);
}

void access_log::run() {
  std::string batch;
  for (;;) {
    std::uint64_t dropped = 0;
    bool last = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return closing_ || !pending_.empty(); });
      // Let lines gather for a moment: one wake-up and one write per batch,
      // not per request (that would cost more than writing in place).
      wake_.wait_for(lock, batch_delay, [this] { return closing_; });
      batch.swap(pending_);
      dropped = std::exchange(dropped_, 0);
      last = closing_ && batch.empty();
    }
    if (last) return;
    if (dropped > 0)
      batch += iso8601(std::chrono::system_clock::now()) + " access log: " + std::to_string(dropped) +
               " lines dropped (the destination was not keeping up)\n";
    std::fwrite(batch.data(), 1, batch.size(), file_);
    std::fflush(file_);
    batch.clear();
    if (batch.capacity() > max_pending_bytes / 4) std::string().swap(batch);
  }
}

void access_log::write(const access_entry& e) {
  if (!file_) return;
  std::string line = iso8601(std::chrono::system_clock::now());
  auto add = [&line](std::string_view field) {
    line += ' ';
    line += field.empty() ? std::string_view("-") : field;
  };
  add(e.client);
  add(e.protocol);
  add(e.host);
  // Paths come from the network: escape anything that could forge a log line.
  std::string path;
  for (unsigned char c : e.path) {
    if (c < 0x20 || c == 0x7f || c == ' ') {
      char esc[5];
      std::snprintf(esc, sizeof esc, "%%%02X", c);
      path += esc;
    } else {
      path += static_cast<char>(c);
    }
  }
  add(path);
  add(e.status);
  add(std::to_string(e.bytes));
  add(std::to_string(e.duration.count()) + "us");
  line += '\n';
  {
    std::lock_guard lock(mutex_);
    if (pending_.size() + line.size() > max_pending_bytes) {
      ++dropped_;
      return;
    }
    const bool was_empty = pending_.empty();
    pending_ += line;
    if (!was_empty) return;  // the writer is already due to wake
  }
  wake_.notify_one();
}

}  // namespace twinstar
