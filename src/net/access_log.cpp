#include "twinstar/access_log.hpp"

#include <ctime>

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
    return;
  }
  file_ = std::fopen(destination.c_str(), "a");
  owned_ = file_ != nullptr;
  ok_ = owned_;
}

access_log::~access_log() {
  if (owned_) std::fclose(file_);
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
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace twinstar
