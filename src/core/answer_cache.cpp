#include "twinstar/answer_cache.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#ifdef __linux__
#include <sys/inotify.h>
#endif

namespace twinstar {

file_stamp file_stamp::of(const std::filesystem::path& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {true,
          static_cast<std::uint64_t>(st.st_dev),
          static_cast<std::uint64_t>(st.st_ino),
          static_cast<std::uint64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec};
}

#ifdef __linux__
namespace {
// Everything that changes what a file or directory listing holds. No
// IN_ACCESS or IN_OPEN: reading is not a change.
constexpr std::uint32_t change_events = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE |
                                        IN_DELETE_SELF | IN_MOVE_SELF | IN_MOVED_FROM | IN_MOVED_TO;
}  // namespace

change_watch::change_watch() : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}

change_watch::~change_watch() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::uint64_t> change_watch::watch(const std::vector<std::filesystem::path>& paths) {
  if (fd_ < 0) return std::nullopt;
  namespace fs = std::filesystem;
  std::vector<fs::path> directories;
  for (const auto& p : paths) {
    std::error_code ec;
    const auto status = fs::symlink_status(p, ec);
    if (fs::is_symlink(status)) {
      // The link itself (its directory) and what it points to.
      const fs::path target = fs::canonical(p, ec);
      if (ec) return std::nullopt;  // dangling: only a stamp tells when it starts to point somewhere
      directories.push_back(p.parent_path());
      directories.push_back(fs::is_directory(target, ec) ? target : target.parent_path());
    } else if (fs::is_directory(status)) {
      directories.push_back(p);  // entries added, removed, renamed; itself removed or moved
    } else {
      directories.push_back(p.parent_path());  // a file, or a path that may appear
    }
  }
  std::lock_guard lock(mutex_);
  for (const auto& d : directories) {
    const std::string name = d.empty() ? "." : d.string();
    if (by_directory_.contains(name)) continue;
    if (by_directory_.size() >= max_directories) return std::nullopt;
    const int wd = ::inotify_add_watch(fd_, name.c_str(), change_events | IN_ONLYDIR);
    if (wd < 0) return std::nullopt;
    // Watching the same directory under two names gives one descriptor.
    if (auto old = directories_.find(wd); old != directories_.end()) by_directory_.erase(old->second);
    directories_[wd] = name;
    by_directory_[name] = wd;
  }
  drain();
  return generation_;
}

std::uint64_t change_watch::generation() {
  std::lock_guard lock(mutex_);
  drain();
  return generation_;
}

void change_watch::drain() {
  if (fd_ < 0) return;
  alignas(inotify_event) char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) break;  // EAGAIN: nothing (more) pending
    ++generation_;
    for (ssize_t at = 0; at < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
      if (ev->mask & IN_IGNORED) {  // the directory is gone: watch it again if asked
        if (auto it = directories_.find(ev->wd); it != directories_.end()) {
          by_directory_.erase(it->second);
          directories_.erase(it);
        }
      }
      at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
    }
  }
}
#else
change_watch::change_watch() = default;
change_watch::~change_watch() = default;
std::optional<std::uint64_t> change_watch::watch(const std::vector<std::filesystem::path>&) { return std::nullopt; }
std::uint64_t change_watch::generation() { return 0; }
void change_watch::drain() {}
#endif

}  // namespace twinstar
