// Building one generated directory listing (the cache is listing_cache.cpp).
#include "twinstar/listing.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "capsule_detail.hpp"
#include "twinstar/gemtext.hpp"
#include "twinstar/mime.hpp"
#include "twinstar/url.hpp"

namespace twinstar {
namespace fs = std::filesystem;
namespace {

using detail::entry_kind;
using detail::is_dotfile;
using gemtext::printable;

// How much of a .gmi file the listing reads looking for its heading: a
// listing must not read whole files.
inline constexpr std::size_t heading_scan_bytes = 16 * 1024;

struct found_entry {
  std::string name;
  bool directory = false;
};

// Directories first, then files; each by name, as unsigned bytes (the order
// is locale-free).
bool listed_before(const found_entry& a, const found_entry& b) {
  if (a.directory != b.directory) return a.directory;
  return a.name < b.name;
}

struct dir_closer {
  void operator()(DIR* d) const { ::closedir(d); }
};

// What the guard says about a plain (non-symlink) entry of `directory`,
// without building its path: the entry's canonical path is directory/name,
// so only the names of the key, certificate and cert dir can be hit.
struct plain_rules {
  bool all_forbidden = false;  // the directory itself is off limits
  std::string cert, key, cert_dir;

  plain_rules(const detail::guard& rules, const fs::path& directory)
      : all_forbidden(rules.forbids(directory)) {
    const auto name_here = [&](const fs::path& p) {
      return !p.empty() && p.parent_path() == directory ? p.filename().string() : std::string();
    };
    cert = name_here(rules.cert);
    key = name_here(rules.key);
    cert_dir = name_here(rules.cert_dir);
  }
  bool forbids(std::string_view name) const {
    return all_forbidden || (!cert.empty() && name == cert) || (!key.empty() && name == key) ||
           (!cert_dir.empty() && name == cert_dir);
  }
};

// Every entry of `directory` a listing may show, in readdir order. One
// readdir pass: plain files and directories are known from d_type; only
// symlinks (and entries of file systems that report no type) cost a lookup.
std::vector<found_entry> scan(const fs::path& directory, const detail::guard& rules) {
  std::vector<found_entry> found;
  const std::unique_ptr<DIR, dir_closer> dir(::opendir(directory.c_str()));
  if (!dir) return found;
  const plain_rules plain(rules, directory);
  const int fd = ::dirfd(dir.get());
  while (const dirent* e = ::readdir(dir.get())) {
    const std::string_view name = e->d_name;
    if (is_dotfile(name)) continue;  // ".", ".." and every dotfile
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st {};
      if (::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      type = S_ISDIR(st.st_mode)   ? DT_DIR
             : S_ISREG(st.st_mode) ? DT_REG
             : S_ISLNK(st.st_mode) ? DT_LNK
                                   : DT_UNKNOWN;
    }
    if (type == DT_DIR || type == DT_REG) {
      if (!plain.forbids(name)) found.push_back({std::string(name), type == DT_DIR});
    } else if (type == DT_LNK) {
      // Where it leads decides: inside the root, not a dotfile or key, and a
      // file or directory.
      const auto target = detail::inspect(rules, directory / name);
      if (target.kind == entry_kind::directory || target.kind == entry_kind::file)
        found.push_back({std::string(name), target.kind == entry_kind::directory});
    }
  }
  return found;
}

// A .gmi file's first heading, else its name. Reads at most
// heading_scan_bytes into `buffer` (reused across files).
std::string label_for_file(const fs::path& file, const std::string& name, const host_config& host,
                           std::string& buffer) {
  if (mime_for_path(name, host.mime_overrides) != "text/gemini") return name;
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return name;
  buffer.resize(heading_scan_bytes);
  std::size_t have = 0;
  while (have < buffer.size()) {
    const ssize_t n = ::read(fd, buffer.data() + have, buffer.size() - have);
    if (n <= 0) break;
    have += static_cast<std::size_t>(n);
  }
  ::close(fd);
  auto heading = gemtext::first_heading(std::string_view(buffer.data(), have));
  return heading && !heading->empty() ? std::move(*heading) : name;
}

std::string render(const listing& l, std::size_t cap) {
  std::string body = "# Index of " + printable(l.url_path) + "\n\n";
  if (l.url_path != "/") body += "=> ../ ..\n";
  for (const auto& e : l.shown) {
    if (e.directory) {
      body += "=> " + percent_encode_path(e.name) + "/ " + printable(e.label) + "\n";
    } else {
      body += "=> " + percent_encode_path(e.name) + " " + printable(e.label) + "\n";
    }
  }
  if (l.left_out > 0) {
    body += "\n" + std::to_string(l.left_out) + (l.left_out == 1 ? " more entry is" : " more entries are") +
            " not listed (a listing shows at most " + std::to_string(cap) + ").\n";
  }
  return body;
}

}  // namespace

const listing_entry* listing::find(std::string_view name) const {
  for (const bool directory : {true, false}) {
    const auto at =
        std::lower_bound(shown.begin(), shown.end(), name, [&](const listing_entry& e, std::string_view n) {
          return e.directory != directory ? e.directory : e.name < n;
        });
    if (at != shown.end() && at->directory == directory && at->name == name) return &*at;
  }
  return nullptr;
}

std::shared_ptr<const listing> build_listing(const fs::path& directory, std::string_view url_path,
                                             const host_config& host, const fs::path& cert_dir) {
  auto made = std::make_shared<listing>();
  made->url_path = std::string(url_path);
  const std::size_t cap = std::max<std::size_t>(host.max_listing_entries, 1);
  auto root = detail::canonical_or_empty(host.root);
  made->directory = detail::canonical_or_empty(directory);
  if (!root.empty() && !made->directory.empty()) {
    const detail::guard rules(host, std::move(root), cert_dir);
    auto found = scan(made->directory, rules);
    // The first `cap` by listing order; the rest are only counted.
    const std::size_t shown = std::min(cap, found.size());
    std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(shown), found.end(),
                      listed_before);
    made->left_out = found.size() - shown;
    found.resize(shown);
    made->shown.reserve(shown);
    std::string buffer;
    for (auto& e : found) {
      std::string label =
          e.directory ? e.name + "/" : label_for_file(made->directory / e.name, e.name, host, buffer);
      made->shown.push_back({std::move(e.name), e.directory, std::move(label)});
    }
  }
  made->gemtext = render(*made, cap);
  return made;
}

std::optional<resolution> resolve_listed(const listing& shown, const route_path& path) {
  if (path.host == nullptr || path.path.segments.empty()) return std::nullopt;
  std::string_view url = path.url_path;
  const bool slash = url.ends_with('/');
  if (slash) url.remove_suffix(1);
  const std::string_view name = url.substr(url.rfind('/') + 1);
  if (url.substr(0, url.size() - name.size()) != shown.url_path || name != path.path.segments.back()) {
    return std::nullopt;
  }
  const listing_entry* e = shown.find(name);
  if (e == nullptr) return std::nullopt;
  if (e->directory) return serve_generated{"text/gemini", {}, shown.directory / e->name};
  if (slash) return error{errc::not_found, {}};  // "file.gmi/" names no directory
  return serve_file{shown.directory / e->name, mime_for_path(e->name, path.host->mime_overrides), 0};
}

std::string generate_index(const fs::path& directory, std::string_view url_path, const host_config& host) {
  return generate_index(directory, url_path, host, {});
}

std::string generate_index(const fs::path& directory, std::string_view url_path, const host_config& host,
                           const fs::path& cert_dir) {
  return build_listing(directory, url_path, host, cert_dir)->gemtext;
}

}  // namespace twinstar
