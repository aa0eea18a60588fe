#pragma once
// Test helper: what was really opened in one directory (inotify IN_OPEN),
// whichever way the code under test got there. A listing opens the
// directory (readdir) and the files whose heading it reads.
#include <doctest/doctest.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

namespace twinstar::test {

struct open_watch {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  explicit open_watch(const std::filesystem::path& dir) {
    REQUIRE(::inotify_add_watch(fd, dir.c_str(), IN_OPEN) >= 0);
  }
  ~open_watch() { ::close(fd); }
  open_watch(const open_watch&) = delete;
  open_watch& operator=(const open_watch&) = delete;

  // The names opened since the last call; "." for the directory itself.
  std::multiset<std::string> opened() const {
    std::multiset<std::string> out;
    alignas(inotify_event) char buf[64 * 1024];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
      for (ssize_t at = 0; at < n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
        out.insert(ev->len > 0 ? std::string(ev->name) : std::string("."));
        at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      }
    }
    return out;
  }
};

}  // namespace twinstar::test
