// The feed cache and the feed-aware resolution layer above resolve_on_disk.
#include "twinstar/feed_cache.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <system_error>
#include <unordered_map>

namespace twinstar::feed {
namespace fs = std::filesystem;
namespace {

inline constexpr std::string_view atom_file = "atom.xml";

std::optional<std::int64_t> mtime_ns(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::int64_t wall_now_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

// Everything a built feed depends on besides the directory's contents.
std::string slot_key(const fs::path& directory, const feed_config& feed,
                     const std::vector<std::string>& index_files) {
  std::string key = directory.string();
  for (std::string_view part : {std::string_view(feed.path), std::string_view(feed.title)}) {
    key += '\n';
    key += part;
  }
  key += '\n' + std::to_string(feed.summary_chars);
  for (const auto& name : index_files) key += '\n' + name;
  return key;
}

// Reuses the entries of `previous` whose stamp is unchanged; reads the rest.
std::shared_ptr<const built_feed> build(const fs::path& directory, const feed_config& feed,
                                        std::vector<std::pair<std::string, file_stamp>> listing,
                                        std::int64_t directory_mtime, const built_feed* previous) {
  std::unordered_map<std::string_view, const entry*> known;
  if (previous != nullptr) {
    known.reserve(previous->entries.size());
    for (const auto& e : previous->entries) known.emplace(e.file, &e);
  }
  auto next = std::make_shared<built_feed>();
  next->entries.reserve(listing.size());
  for (const auto& [name, stamp] : listing) {
    const auto found = known.find(name);
    if (found != known.end() && found->second->stamp == stamp) {
      next->entries.push_back(*found->second);
      continue;
    }
    next->entries.push_back(read_entry(directory, name, stamp, feed.summary_chars));
    ++next->articles_read;
  }
  sort_newest_first(next->entries);
  next->index = render_index(feed, next->entries);
  next->listing = std::move(listing);
  next->directory_mtime_ns = directory_mtime;
  return next;
}

std::string author_of(const host_config& host, const feed_config& feed) {
  return feed.author.empty() ? host.name : feed.author;
}

}  // namespace

bool built_feed::contains(std::string_view file) const {
  const auto at = std::lower_bound(listing.begin(), listing.end(), file,
                                   [](const auto& item, std::string_view name) { return item.first < name; });
  return at != listing.end() && at->first == file;
}

cache::cache(std::chrono::milliseconds recheck, clock_fn now, wall_fn wall)
    : recheck_(recheck),
      now_(now ? std::move(now) : clock_fn([] { return std::chrono::steady_clock::now(); })),
      wall_(wall ? std::move(wall) : wall_fn(wall_now_ns)) {}

std::shared_ptr<const built_feed> cache::get(const fs::path& directory, const feed_config& feed,
                                             const std::vector<std::string>& index_files) {
  const auto directory_mtime = mtime_ns(directory);
  if (!directory_mtime) return nullptr;
  const auto now = now_();
  const std::int64_t wall = wall_();
  const std::lock_guard lock(mutex_);
  slot& s = slots_[slot_key(directory, feed, index_files)];
  const bool settle_due = s.settle_at_ns != 0 && wall >= s.settle_at_ns;
  if (s.current && s.directory_mtime_ns == *directory_mtime && now - s.checked < recheck_ && !settle_due) {
    return s.current;
  }
  // The wall clock was read before listing: a change during the scan leaves
  // a newer mtime behind, which the next lookup sees.
  auto listing = list_articles(directory, index_files);
  s.checked = now;
  s.directory_mtime_ns = *directory_mtime;
  s.settle_at_ns = wall < *directory_mtime + racy_window_ns ? *directory_mtime + racy_window_ns : 0;
  if (!s.current || s.current->listing != listing) {
    s.current = build(directory, feed, std::move(listing), *directory_mtime, s.current.get());
  }
  return s.current;
}

void cache::forget(const fs::path& directory) {
  const std::string prefix = directory.string() + '\n';
  const std::lock_guard lock(mutex_);
  // The snapshot stays, so the rescan reuses its unchanged articles.
  for (auto& [key, s] : slots_)
    if (key.starts_with(prefix)) s.directory_mtime_ns = -1;
}

const feed_config* find_feed(const host_config& host, std::string_view url_path) {
  for (const auto& feed : host.feeds) {
    if (feed.path == url_path) return &feed;
  }
  return nullptr;
}

fs::path feed_directory(const host_config& host, const feed_config& feed) {
  std::error_code ec;
  const auto root = fs::canonical(host.root, ec);
  if (ec) return {};
  auto candidate = root;
  for (const auto& part : fs::path(feed.path).relative_path()) {
    if (part.empty()) continue;
    if (part.native().front() == '.') return {};  // "..", dotfiles: never served
    candidate /= part;
  }
  auto canon = fs::canonical(candidate, ec);
  if (ec || !fs::is_directory(canon, ec) || !inside_root(root, canon)) return {};
  return canon;
}

std::string gemini_base_url(std::string_view host_name, std::uint16_t port) {
  std::string url = "gemini://";
  const bool ipv6 = host_name.find(':') != std::string_view::npos;
  url += ipv6 ? "[" + std::string(host_name) + "]" : std::string(host_name);
  if (port != gemini::default_port) url += ":" + std::to_string(port);
  return url;
}

namespace {

struct found_feed {
  const feed_config* feed = nullptr;
  fs::path directory;
  std::shared_ptr<const built_feed> snap;  // null when any step failed
};

found_feed look_up(const host_config& host, std::string_view url_path, cache& feeds) {
  found_feed found{find_feed(host, url_path), {}, nullptr};
  if (found.feed == nullptr) return found;
  found.directory = feed_directory(host, *found.feed);
  if (!found.directory.empty()) found.snap = feeds.get(found.directory, *found.feed, host.index_files);
  return found;
}

}  // namespace

std::shared_ptr<const built_feed> built_feed_for(const host_config& host, std::string_view url_path,
                                                 cache& feeds) {
  return look_up(host, url_path, feeds).snap;
}

namespace {

// An index page with its {{latest}} markers expanded; other answers as they are.
resolution with_markers(resolution res, const route_path& path, cache& feeds) {
  const auto* file = std::get_if<serve_file>(&res);
  if (file == nullptr || !path.url_path.ends_with('/') || file->mime != "text/gemini" ||
      file->size > max_marker_page_bytes) {
    return res;
  }
  const std::string page = read_file_prefix(file->file, file->size).value_or("");
  if (!has_marker(page)) return res;
  std::vector<fs::path> sources{file->file};
  const auto expand = [&](const latest_marker& marker) -> std::optional<std::string> {
    const auto found = look_up(*path.host, marker.path, feeds);
    if (!found.snap) return std::nullopt;
    sources.push_back(found.directory);
    return render_latest(*found.feed, found.snap->entries, marker.count.value_or(found.feed->latest));
  };
  auto body = expand_markers(page, expand);
  return serve_generated{"text/gemini", std::move(body), file->file.parent_path(), nullptr,
                         std::move(sources)};
}

// The index file of a directory request, through resolve_on_disk's own checks
// (symlinks, dotfiles, readability), or nullopt. Asking resolve_on_disk for
// the directory itself would build the plain listing when there is no index
// file, reading the heading of every article, only to throw it away.
std::optional<resolution> index_file(const route_path& path, const fs::path& cert_dir) {
  for (const auto& name : path.host->index_files) {
    if (name.empty() || name.front() == '.' || name.find('/') != std::string::npos) continue;
    route_path candidate = path;
    candidate.path.segments.push_back(name);
    candidate.path.trailing_slash = false;
    candidate.url_path += name;
    auto res = resolve_on_disk(candidate, cert_dir);
    if (std::holds_alternative<serve_file>(res)) return res;
  }
  return std::nullopt;
}

}  // namespace

resolution resolve(const route_path& path, const fs::path& cert_dir, cache& feeds, std::string_view base_url,
                   listing_cache* listings) {
  if (path.host == nullptr || path.host->feeds.empty()) return resolve_on_disk(path, cert_dir, listings);
  const host_config& host = *path.host;

  // A feed directory: its index file if it has one, else the feed index (the
  // feed setting is explicit, so it wins over `listing`).
  if ((path.path.trailing_slash || path.path.segments.empty()) && find_feed(host, path.url_path) != nullptr) {
    if (auto index = index_file(path, cert_dir)) return with_markers(std::move(*index), path, feeds);
    const auto found = look_up(host, path.url_path, feeds);
    if (found.snap) {
      // Aliasing: the body points into the built feed and keeps it alive.
      return serve_generated{"text/gemini",
                             {},
                             found.directory,
                             std::shared_ptr<const std::string>(found.snap, &found.snap->index)};
    }
    return resolve_on_disk(path, cert_dir, listings);  // missing, or outside the root: its own answer
  }

  resolution res = resolve_on_disk(path, cert_dir, listings);
  const auto* failed = std::get_if<error>(&res);
  if (failed && failed->code == errc::not_found && path.url_path.ends_with(atom_file)) {
    const auto dir_path = std::string_view(path.url_path).substr(0, path.url_path.size() - atom_file.size());
    const auto found = look_up(host, dir_path, feeds);
    if (!found.snap) return res;
    const atom_context context{std::string(base_url), author_of(host, *found.feed),
                               found.snap->directory_mtime_ns, host.lang};
    auto atom = found.snap->derived("atom\n" + context.base_url + "\n" + context.author + "\n" + context.lang,
                                    [&] { return render_atom(*found.feed, found.snap->entries, context); });
    return serve_generated{"application/atom+xml", {}, found.directory, std::move(atom)};
  }
  return with_markers(std::move(res), path, feeds);
}

}  // namespace twinstar::feed
