#pragma once
// Generated directory listings: the index page of a directory without an
// index file (and, over Gopher, its menu). At most host.max_listing_entries
// entries are shown, with a note saying how many were left out, and a listing
// is kept until its directory changes. Disk access, no sockets.
//
// Cost: one readdir pass over the directory, with no stat for entries whose
// type readdir reports (symlinks are still resolved, and checked against the
// root); the first N entries are picked by a partial sort; only the .gmi
// files among those N are opened, for their heading. A directory of 100,000
// files costs what 100,000 names cost, not 100,000 opens.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/capsule.hpp"
#include "twinstar/config.hpp"
#include "twinstar/derived.hpp"

namespace twinstar {

class change_watch;

struct listing_entry {
  std::string name;  // file name inside the directory
  bool directory = false;
  std::string label;  // link text: "name/", a .gmi file's first heading, else the name
};

// One built listing: immutable once built, shared by every request.
struct listing {
  std::filesystem::path directory;   // canonical
  std::string url_path;              // "/docs/"
  std::vector<listing_entry> shown;  // directories first, then files, each by name (bytes)
  std::size_t left_out = 0;          // listable entries past the cap
  std::string gemtext;               // the page
  derived_renderings derived;        // e.g. its Gopher menu per host:port

  // The shown entry called `name`, a directory before a file; nullptr if none.
  const listing_entry* find(std::string_view name) const;
};

// The listing of `directory` as served at `url_path` of `host`: "# Index of
// <url_path>", a ".." link except at "/", then directories and files as
// described for listing::shown, each as a link line; entries that
// resolve_on_disk would refuse are left out (dotfiles, the host's key and
// certificate, anything inside `cert_dir`, symlinks leading out of the root
// or to anything but a file or a directory). When more than
// host.max_listing_entries qualify, the first ones by that order are shown
// and a last text line says how many more there are. An unreadable or
// missing directory gives a listing with no entries.
std::shared_ptr<const listing> build_listing(const std::filesystem::path& directory,
                                             std::string_view url_path, const host_config& host,
                                             const std::filesystem::path& cert_dir);

// What resolve_on_disk answers for `path` when it names an entry shown in
// `shown`, found without touching the disk: a file as serve_file (mime from
// its name, size 0), a directory (with or without its trailing slash) as a
// serve_generated without a body, like probe_on_disk. nullopt for any other
// path. For menus that link to every entry of a listing.
std::optional<resolution> resolve_listed(const listing& shown, const route_path& path);

// Listings kept per host, URL path and directory, one build at a time per
// listing: requests that come while it is rebuilt get it as it was (they
// overlap the change), and only its first build is waited for, so a
// listing being built holds one thread, however many ask for it. One per
// configuration: the key does not hold the host's settings.
//
// A kept listing is current while its directory shows no change: with
// inotify, no event in the directory (an entry added, removed, renamed or
// written: a heading edited in place shows at once); without it, the same
// stat stamp of the directory (an in-place edit then shows at the recheck).
// Either way it is rebuilt after `recheck`, counted from the end of its
// build, so a slow build is kept as long as a quick one, and what neither
// sees (a symlinked entry's target changing) shows within recheck.
class listing_cache {
 public:
  using clock = std::chrono::steady_clock;
  using clock_fn = std::function<clock::time_point()>;
  // Called before each build, on the building thread, with the directory.
  using build_hook = std::function<void(const std::filesystem::path&)>;

  struct limits {
    std::chrono::milliseconds recheck{10'000};
    std::size_t max_listings = 256;
    std::size_t max_bytes = 64u << 20;  // of gemtext, summed; over either bound the cache starts afresh
    bool inotify = true;                // false: stat stamps only
  };

  listing_cache();
  explicit listing_cache(limits l, clock_fn now = {}, build_hook before_build = {});
  ~listing_cache();
  listing_cache(const listing_cache&) = delete;
  listing_cache& operator=(const listing_cache&) = delete;

  // The listing of `directory` (canonical) at `url_path`, as build_listing
  // makes it, built now unless a current one is kept. Thread-safe.
  std::shared_ptr<const listing> get(const std::filesystem::path& directory, std::string_view url_path,
                                     const host_config& host, const std::filesystem::path& cert_dir);

  std::size_t builds() const;  // since construction
  // Forgets every listing (a Titan upload changed a directory): the next
  // get() builds afresh.
  void clear();

 private:
  struct slot;
  bool current(const slot& s, const std::filesystem::path& directory) const;

  limits limits_;
  clock_fn now_;
  build_hook before_build_;
  std::unique_ptr<change_watch> changes_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<slot>> slots_;
  std::size_t bytes_ = 0;
  std::size_t builds_ = 0;
};

}  // namespace twinstar
