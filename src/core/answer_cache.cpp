#include "twinstar/answer_cache.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#ifdef __linux__
#include <sys/inotify.h>
#endif

namespace twinstar {

file_stamp file_stamp::of(const std::filesystem::path& path) {
  struct stat st {};
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
    if (!add_watch(d.empty() ? "." : d.string())) return std::nullopt;
  }
  drain();
  return generation_;
}

std::uint64_t change_watch::generation() {
  std::lock_guard lock(mutex_);
  drain();
  return generation_;
}

std::optional<std::uint64_t> change_watch::directory_generation(const std::filesystem::path& directory) {
  if (fd_ < 0) return std::nullopt;
  const std::string name = directory.empty() ? "." : directory.string();
  std::lock_guard lock(mutex_);
  drain();  // first: an event for a watch that is then dropped must not be missed
  if (!add_watch(name)) return std::nullopt;
  return changed_at_[by_directory_.at(name)];
}

bool change_watch::add_watch(const std::string& name) {
  if (by_directory_.contains(name)) return true;
  if (by_directory_.size() >= max_directories) return false;
  const int wd = ::inotify_add_watch(fd_, name.c_str(), change_events | IN_ONLYDIR);
  if (wd < 0) return false;
  // Watching the same directory under two names gives one descriptor.
  if (auto old = directories_.find(wd); old != directories_.end()) {
    by_directory_.erase(old->second);
  } else {
    changed_at_[wd] = ++changes_;  // a new watch: unlike any value seen before
  }
  directories_[wd] = name;
  by_directory_[name] = wd;
  return true;
}

void change_watch::drain() {
  if (fd_ < 0) return;
  alignas(inotify_event) char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) break;  // EAGAIN: nothing (more) pending
    ++generation_;
    ++changes_;
    for (ssize_t at = 0; at < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
      if (ev->mask & IN_Q_OVERFLOW) {  // events were lost: anything may have changed
        for (auto& [wd, changed] : changed_at_) changed = changes_;
      } else if (ev->mask & IN_IGNORED) {  // the directory is gone: watch it again if asked
        if (auto it = directories_.find(ev->wd); it != directories_.end()) {
          by_directory_.erase(it->second);
          directories_.erase(it);
        }
        changed_at_.erase(ev->wd);
      } else if (auto it = changed_at_.find(ev->wd); it != changed_at_.end()) {
        it->second = changes_;
      }
      at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
    }
  }
}
#else
change_watch::change_watch() = default;
change_watch::~change_watch() = default;
std::optional<std::uint64_t> change_watch::watch(const std::vector<std::filesystem::path>&) {
  return std::nullopt;
}
std::uint64_t change_watch::generation() { return 0; }
std::optional<std::uint64_t> change_watch::directory_generation(const std::filesystem::path&) {
  return std::nullopt;
}
void change_watch::drain() {}
bool change_watch::add_watch(const std::string&) { return false; }
#endif

}  // namespace twinstar
