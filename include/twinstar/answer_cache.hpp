#pragma once
// Answers built from files (a small file's bytes, a generated listing, an
// index page with its {{latest}} lines, a Gopher menu converted from
// gemtext), kept in memory and served again while nothing they were built
// from has changed. No sockets.
//
// Each entry watches the files and directories it was built from by their
// stat stamp (device, inode, size, mtime, ctime): a write, a rename over it
// (how the importer updates articles), a new or removed entry in a watched
// directory, or a deletion shows at the next request. What no stamp sees,
// such as a symlink retargeted further up the path or a change to another
// file a menu merely links to, shows within max_age.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace twinstar {

struct file_stamp {
  bool exists = false;
  std::uint64_t device = 0, inode = 0, size = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;

  static file_stamp of(const std::filesystem::path& path);  // follows symlinks
  bool operator==(const file_stamp&) const = default;
};

template <class T>
class answer_cache {
 public:
  using clock = std::chrono::steady_clock;

  struct limits {
    std::chrono::milliseconds max_age{2000};
    std::size_t max_entries = 4096;
    std::size_t max_bytes = 64 * 1024 * 1024;  // summed over entries, as `store` is told
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
  // against max_bytes; over either bound the cache starts afresh.
  struct pending {
    std::vector<std::filesystem::path> watched;
    std::vector<file_stamp> stamps;
    clock::time_point at;
  };
  static pending watch(std::vector<std::filesystem::path> watched, clock::time_point now) {
    pending p{std::move(watched), {}, now};
    p.stamps.reserve(p.watched.size());
    for (const auto& w : p.watched) p.stamps.push_back(file_stamp::of(w));
    return p;
  }
  void store(const std::string& key, std::shared_ptr<const T> value, pending p, std::size_t bytes) {
    if (bytes > limits_.max_bytes) return;
    auto e = std::make_shared<entry>(entry{std::move(value), std::move(p.watched), std::move(p.stamps), p.at, bytes});
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

 private:
  struct entry {
    std::shared_ptr<const T> value;
    std::vector<std::filesystem::path> watched;
    std::vector<file_stamp> stamps;
    clock::time_point stored;
    std::size_t bytes = 0;
  };
  using map = std::unordered_map<std::string, std::shared_ptr<const entry>>;
  void erase(typename map::iterator it) {
    bytes_ -= it->second->bytes;
    entries_.erase(it);
  }

  limits limits_{};
  mutable std::mutex mutex_;
  map entries_;
  std::size_t bytes_ = 0;
};

}  // namespace twinstar
