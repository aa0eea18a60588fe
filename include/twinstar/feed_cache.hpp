#pragma once
// Feed indexes built once and kept, and the request-side layer that serves
// them: a feed directory's generated index, its atom.xml, and the
// "{{latest PATH N}}" markers of index pages. Disk access, no sockets.
//
// Invalidation: every lookup stats the feed directory (one call). Adding,
// removing or renaming an article changes the directory's mtime, and so does
// an edit written as temp file + rename (the importer's way): the next lookup
// rescans. A rescan lists the directory and lstats each article, and reads
// only the articles whose (mtime, size) changed; the rest are reused. An edit
// written in place changes no directory mtime: it is noticed at the next full
// rescan, at most `recheck` (default 10 s) later. That is the trade-off: a
// cached lookup costs one stat instead of one per article (10,000 for a large
// archive), and an in-place edit shows up late. Two changes within one tick
// of the directory's mtime (the kernel's coarse clock; 1-2 s on some file
// systems) leave the same mtime: a built feed scanned while its directory's
// mtime was less than racy_window old gets one more rescan once that window
// has passed (as git does for "racily clean" files), not one per lookup.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "twinstar/capsule.hpp"
#include "twinstar/config.hpp"
#include "twinstar/derived.hpp"
#include "twinstar/feed.hpp"
#include "twinstar/router.hpp"

namespace twinstar::feed {

inline constexpr std::chrono::milliseconds default_recheck{10'000};
inline constexpr std::int64_t racy_window_ns = 2'000'000'000;
// Index pages larger than this are sent as they are, markers and all.
inline constexpr std::uintmax_t max_marker_page_bytes = 1u << 20;

// One built feed: immutable once published, shared by every request.
struct built_feed {
  std::vector<entry> entries;                               // newest first
  std::string index;                                        // render_index(feed, entries)
  std::vector<std::pair<std::string, file_stamp>> listing;  // by name
  std::int64_t directory_mtime_ns = 0;                      // when built
  std::size_t articles_read = 0;                            // files read to build it; the others were reused

  bool contains(std::string_view file) const;  // an article of this feed

  // A rendering derived from this built feed that depends on the request only
  // through `key` (the Atom document for one base URL, the Gopher menu for
  // one host:port): built by `make` on first use, then shared. Thread-safe.
  std::shared_ptr<const std::string> derived(const std::string& key,
                                             const std::function<std::string()>& make) const {
    return derived_.get(key, make);
  }

 private:
  derived_renderings derived_;
};

class cache {
 public:
  using clock_fn = std::function<std::chrono::steady_clock::time_point()>;
  using wall_fn = std::function<std::int64_t()>;  // ns since the Unix epoch, as file times

  // `now` defaults to std::chrono::steady_clock::now and `wall` to the
  // system clock; tests pass their own.
  explicit cache(std::chrono::milliseconds recheck = default_recheck, clock_fn now = {}, wall_fn wall = {});
  cache(const cache&) = delete;
  cache& operator=(const cache&) = delete;

  // The built feed of `directory` (canonical) as `feed`, built on first use and
  // rebuilt as described above; the same pointer while nothing changed.
  // nullptr when the directory cannot be stat'ed. Thread-safe: one mutex;
  // a rebuild holds it, so concurrent lookups wait for one rebuild instead
  // of each starting their own.
  std::shared_ptr<const built_feed> get(const std::filesystem::path& directory, const feed_config& feed,
                                        const std::vector<std::string>& index_files);
  // Forgets the snapshots of `directory` (canonical): the next get()
  // rescans it even when its mtime did not move (two writes within one tick
  // of the file system's clock). For changes the server makes itself.
  void forget(const std::filesystem::path& directory);

 private:
  struct slot {
    std::shared_ptr<const built_feed> current;
    std::int64_t directory_mtime_ns = 0;
    std::chrono::steady_clock::time_point checked{};
    std::int64_t settle_at_ns = 0;  // wall time of the extra rescan; 0 = none due
  };

  std::chrono::milliseconds recheck_;
  clock_fn now_;
  wall_fn wall_;
  std::mutex mutex_;
  std::map<std::string, slot> slots_;  // by directory and feed settings
};

// The feed configured at exactly `url_path` ("/news/"), or nullptr.
const feed_config* find_feed(const host_config& host, std::string_view url_path);

// The canonical directory of `feed` inside the host's root; empty when it is
// missing, not a directory, or (through a symlink) outside the root.
std::filesystem::path feed_directory(const host_config& host, const feed_config& feed);

// "gemini://name" plus ":port" unless port is 1965; IPv6 names bracketed.
std::string gemini_base_url(std::string_view host_name, std::uint16_t port);

// The built feed behind a directory request, or nullptr when `url_path`
// is no feed (or its directory is missing).
std::shared_ptr<const built_feed> built_feed_for(const host_config& host, std::string_view url_path,
                                                 cache& feeds);

// resolve_on_disk plus the generated parts of feeds:
//  - a feed directory (with its trailing slash) serves its index file if it
//    has one, else the cached feed index as serve_generated::shared, whatever
//    `listing` says (the feed setting is explicit). resolve_on_disk is not
//    asked for the directory: it would build the plain listing first,
//    reading every article's heading;
//  - "<feed path>atom.xml", when no such file exists, gets the Atom document
//    (mime application/atom+xml), with absolute links under `base_url`;
//  - an index file (a directory request answered with a text/gemini file of
//    at most max_marker_page_bytes) that holds "{{latest PATH [N]}}" lines
//    gets them replaced by the newest N links of the feed at PATH (N from the
//    marker, else the feed's `latest`); markers naming no feed stay as written.
// Everything else is resolve_on_disk's answer, unchanged (its generated
// listings from `listings` when given).
resolution resolve(const route_path& path, const std::filesystem::path& cert_dir, cache& feeds,
                   std::string_view base_url, listing_cache* listings = nullptr);

}  // namespace twinstar::feed
