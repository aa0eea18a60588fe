#include "twinstar/access_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
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

namespace {

// The descriptor for a destination: -1 for "off", stdout for "-", else the
// file opened for appending (see open_log_file). `error` set on failure.
bool open_destination(const std::string& destination, int& fd, bool& owned, std::string& error) {
  owned = false;
  fd = -1;
  if (destination == "off") return true;
  if (destination == "-" || destination.empty()) {
    fd = STDOUT_FILENO;
    return true;
  }
  fd = open_log_file(destination);
  if (fd < 0) {
    error = errno == ENXIO ? "no process is reading the FIFO" : std::strerror(errno);
    return false;
  }
  owned = true;
  return true;
}

}  // namespace

access_log::access_log(const std::string& destination) {
  int fd = -1;
  bool owned = false;
  ok_ = open_destination(destination, fd, owned, error_);
  on_ = ok_ && fd >= 0;
  sink_ = std::make_unique<line_sink>(fd, owned, batch_delay);
}

access_log::~access_log() = default;

bool access_log::reopen(const std::string& destination, std::string& error) {
  int fd = -1;
  bool owned = false;
  if (!open_destination(destination, fd, owned, error)) return false;
  sink_->replace(fd, owned);
  on_ = fd >= 0;
  return true;
}

void access_log::write(const access_entry& e) {
  if (!on_) return;
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
  sink_->write(line);
}

}  // namespace twinstar
