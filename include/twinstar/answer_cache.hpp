#pragma once
// Answers built from files (a small file's bytes, a generated listing, an
// index page with its {{latest}} lines, a Gopher menu converted from
// gemtext), kept in memory and served again while nothing they were built
// from has changed. No sockets.
//
// Each entry watches the files and directories it was built from: a write,
// a rename over it (how the importer updates articles), a new or removed
// entry in a watched directory, or a deletion shows at the next request.
// Two ways, one result:
// - inotify (Linux): the directories holding those paths are watched, and
//   any event in any of them makes every entry stale (changes are rare,
//   requests are not). A lookup costs one non-blocking read, however many
//   paths the entry has (a page with {{latest}} lines watches three or more).
// - stat stamps (device, inode, size, mtime, ctime) of each path, compared
//   at every lookup: where inotify is unavailable or out of watches.
// What neither sees, such as a symlink retargeted further up the path, a
// change made on another machine of a network file system, or a change to
// another file a menu merely links to, shows within max_age.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace twinstar {

// The key of an answer: the host it was asked of, the local port (menus and
// feeds name it) and the path or selector line. Sessions keep their answers
// in separate caches, so protocols cannot collide.
inline std::string answer_key(std::string_view host, std::uint16_t port, std::string_view path) {
  std::string key;
  key.reserve(host.size() + path.size() + 8);
  key.append(host).append(1, '\n').append(std::to_string(port)).append(1, '\n').append(path);
  return key;
}

struct file_stamp {
  bool exists = false;
  std::uint64_t device = 0, inode = 0, size = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;

  static file_stamp of(const std::filesystem::path& path);  // follows symlinks
  bool operator==(const file_stamp&) const = default;
};

// The inotify side: a generation counter that any event in a watched
// directory moves on. Thread-safe.
class change_watch {
 public:
  change_watch();
  ~change_watch();
  change_watch(const change_watch&) = delete;
  change_watch& operator=(const change_watch&) = delete;

  // Watches the directory of each path, each path that is a directory, and
  // the directory of a symlink's target; returns the generation as of now,
  // or nullopt when something cannot be watched (no inotify, a missing
  // directory, the watch limit): then use stamps.
  std::optional<std::uint64_t> watch(const std::vector<std::filesystem::path>& paths);
  // Takes in pending events (one read when there are none): the generation now.
  std::uint64_t generation();
  // The change count of one directory: it moves on with an event in that
  // directory only (an entry added, removed, renamed or written; the
  // directory itself removed or moved), and differs from every earlier
  // value once the directory is watched afresh. Watches it if it is not
  // yet; nullopt when it cannot be (then use a stamp).
  std::optional<std::uint64_t> directory_generation(const std::filesystem::path& directory);

  static constexpr std::size_t max_directories = 4096;

 private:
  void drain();                                  // with mutex_ held
  bool add_watch(const std::string& directory);  // with mutex_ held
  int fd_ = -1;
  std::mutex mutex_;
  std::uint64_t generation_ = 0;
  std::uint64_t changes_ = 0;  // numbers events and new watches, for directory_generation
  std::unordered_map<int, std::string> directories_;  // watch descriptor -> directory
  std::unordered_map<std::string, int> by_directory_;
  std::unordered_map<int, std::uint64_t> changed_at_;  // watch descriptor -> changes_ at its last event
};

template <class T>
class answer_cache {
 public:
  using clock = std::chrono::steady_clock;

  struct limits {
    std::chrono::milliseconds max_age{2000};
    std::size_t max_entries = 4096;
    std::size_t max_bytes = 64 * 1024 * 1024;  // summed over entries, as `store` is told
    bool inotify = true;                       // false: stat stamps only
  };

  answer_cache() = default;
  explicit answer_cache(limits l) : limits_(l) {}

  // The answer stored under `key`, if it is younger than max_age and every
  // watched path still has the stamp it had; else nullptr (and it is gone).
  std::shared_ptr<const T> find(const std::string& key, clock::time_point now) {
    std::shared_ptr<const entry> e;
    {
      std::lock_guard lock(mutex_);
      auto it = entries_.find(key);
      if (it == entries_.end()) return nullptr;
      e = it->second;
    }
    bool fresh = now - e->stored < limits_.max_age;
    if (fresh && e->generation)
      fresh = changes_->generation() == *e->generation;
    else
      for (std::size_t i = 0; fresh && i < e->watched.size(); ++i)
        fresh = file_stamp::of(e->watched[i]) == e->stamps[i];  // outside the lock: a syscall each
    if (fresh) return e->value;
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second == e) erase(it);
    return nullptr;
  }

  // Stamps `watched` now: call it before reading what they hold, so a change
  // made while the answer was built is seen at the next find. `bytes` counts
  // against max_bytes; over either bound the cache starts afresh. The entry
  // ages from `now` at store(), when it is built: a slow build is not stale
  // on arrival (its stamps are still those taken before it).
  struct pending {
    std::vector<std::filesystem::path> watched;
    std::vector<file_stamp> stamps;
    std::optional<std::uint64_t> generation;  // set: inotify watches these, no stamps
    clock::time_point at;
  };
  pending watch(std::vector<std::filesystem::path> watched, clock::time_point now) {
    pending p{std::move(watched), {}, std::nullopt, now};
    if (limits_.inotify) p.generation = changes_->watch(p.watched);
    if (p.generation) return p;
    p.stamps.reserve(p.watched.size());
    for (const auto& w : p.watched) p.stamps.push_back(file_stamp::of(w));
    return p;
  }
  void store(const std::string& key, std::shared_ptr<const T> value, pending p, std::size_t bytes,
             clock::time_point now) {
    if (bytes > limits_.max_bytes) return;
    auto e = std::make_shared<entry>(entry{std::move(value), std::move(p.watched), std::move(p.stamps),
                                           p.generation, std::max(now, p.at), bytes});
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(key); it != entries_.end()) erase(it);
    if (entries_.size() >= limits_.max_entries || bytes_ + bytes > limits_.max_bytes) {
      entries_.clear();
      bytes_ = 0;
    }
    bytes_ += bytes;
    entries_.emplace(key, std::move(e));
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

  // Forgets every answer: for a change made by the server itself (a Titan
  // upload), which must show at the very next request, not after the
  // watches catch up.
  void clear() {
    std::lock_guard lock(mutex_);
    entries_.clear();
    bytes_ = 0;
  }

 private:
  struct entry {
    std::shared_ptr<const T> value;
    std::vector<std::filesystem::path> watched;
    std::vector<file_stamp> stamps;
    std::optional<std::uint64_t> generation;
    clock::time_point stored;
    std::size_t bytes = 0;
  };
  using map = std::unordered_map<std::string, std::shared_ptr<const entry>>;
  void erase(typename map::iterator it) {
    bytes_ -= it->second->bytes;
    entries_.erase(it);
  }

  limits limits_{};
  std::unique_ptr<change_watch> changes_ = std::make_unique<change_watch>();
  mutable std::mutex mutex_;
  map entries_;
  std::size_t bytes_ = 0;
};

}  // namespace twinstar
