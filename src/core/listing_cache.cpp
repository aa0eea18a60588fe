// listing_cache: generated listings kept until their directory changes.
#include <utility>

#include "twinstar/answer_cache.hpp"
#include "twinstar/listing.hpp"

namespace twinstar {
namespace fs = std::filesystem;

struct listing_cache::slot {
  std::mutex building;                      // held by the one thread checking or (re)building this listing
  std::shared_ptr<const listing> current;   // written with both mutexes held
  std::optional<std::uint64_t> generation;  // set: inotify watches the directory, no stamp
  file_stamp stamp;
  clock::time_point built_at{};
  std::size_t bytes = 0;
};

listing_cache::listing_cache() : listing_cache(limits{}) {}

listing_cache::listing_cache(limits l, clock_fn now, build_hook before_build)
    : limits_(l),
      now_(now ? std::move(now) : clock_fn([] { return clock::now(); })),
      before_build_(std::move(before_build)),
      changes_(std::make_unique<change_watch>()) {}

listing_cache::~listing_cache() = default;

bool listing_cache::current(const slot& s, const fs::path& directory) const {
  if (!s.current || now_() - s.built_at >= limits_.recheck) return false;
  if (s.generation) return changes_->directory_generation(directory) == s.generation;
  return file_stamp::of(directory) == s.stamp;
}

std::shared_ptr<const listing> listing_cache::get(const fs::path& directory, std::string_view url_path,
                                                  const host_config& host, const fs::path& cert_dir) {
  const std::string key = host.name + '\n' + std::string(url_path) + '\n' + directory.string();
  std::shared_ptr<slot> s;
  {
    const std::lock_guard lock(mutex_);
    auto& found = slots_[key];
    if (!found) found = std::make_shared<slot>();
    s = found;
  }
  // One build per listing. Requests meanwhile get the listing as it was,
  // when there is one, instead of a thread each waiting; the first build is
  // waited for.
  std::unique_lock building(s->building, std::try_to_lock);
  if (!building.owns_lock()) {
    {
      const std::lock_guard lock(mutex_);
      if (s->current) return s->current;
    }
    building.lock();
  }
  if (current(*s, directory)) return s->current;

  // Stamped before reading: a change made during the build shows next time.
  s->generation = limits_.inotify ? changes_->directory_generation(directory) : std::nullopt;
  s->stamp = s->generation ? file_stamp{} : file_stamp::of(directory);
  if (before_build_) before_build_(directory);
  auto made = build_listing(directory, url_path, host, cert_dir);
  s->built_at = now_();

  const std::lock_guard lock(mutex_);
  s->current = std::move(made);
  ++builds_;
  const std::size_t before = s->bytes;
  s->bytes = s->current->gemtext.size();
  const auto kept = slots_.find(key);
  if (kept == slots_.end() || kept->second != s) return s->current;  // dropped while it was built
  bytes_ = bytes_ - before + s->bytes;
  if (slots_.size() > limits_.max_listings || bytes_ > limits_.max_bytes) {
    // Start afresh with this one (builds in flight finish with the slots
    // they hold, which are then simply not found again).
    slots_.clear();
    slots_.emplace(key, s);
    bytes_ = s->bytes;
  }
  return s->current;
}

std::size_t listing_cache::builds() const {
  const std::lock_guard lock(mutex_);
  return builds_;
}

void listing_cache::clear() {
  const std::lock_guard lock(mutex_);
  slots_.clear();  // builds in flight finish with the slots they hold
  bytes_ = 0;
}

}  // namespace twinstar
