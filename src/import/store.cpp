// Articles -> files: names, update in place, atomic writes.
#include "twinstar/import/store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <set>

namespace twinstar::news {
namespace {

namespace fs = std::filesystem;

// Larger files are not articles this importer wrote.
constexpr std::uintmax_t max_article_bytes = 8 * 1024 * 1024;

bool is_candidate(const fs::directory_entry& entry) {
  const std::string name = entry.path().filename().string();
  std::error_code ec;
  return entry.is_regular_file(ec) && name.ends_with(".gmi") && !name.starts_with('.') && name != "index.gmi";
}

std::string system_error(int code) { return std::strerror(code); }

bool write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

}  // namespace

std::vector<planned_write> plan_writes(const std::vector<existing_file>& existing,
                                       const std::vector<article>& articles) {
  std::map<std::string, const existing_file*> by_identity;
  std::set<std::string> taken;
  for (const existing_file& file : existing) {
    taken.insert(file.name);
    const std::string identity = identity_of_gemtext(file.content);
    if (!identity.empty()) by_identity.emplace(identity, &file);
  }
  std::vector<planned_write> plan;
  std::set<std::string> planned;  // identities in this batch
  for (const article& a : articles) {
    const std::string identity = identity_of(a);
    if (!planned.insert(identity).second) continue;
    planned_write write;
    write.content = render_gemtext(a);
    if (auto found = by_identity.find(identity); found != by_identity.end()) {
      write.name = found->second->name;
      write.action = found->second->content == write.content ? write_action::unchanged : write_action::update;
    } else {
      const std::string stem = a.date + "-" + make_slug(a.title);
      write.name = stem + ".gmi";
      for (int n = 2; taken.contains(write.name); ++n) write.name = stem + "-" + std::to_string(n) + ".gmi";
      write.action = write_action::create;
    }
    taken.insert(write.name);
    plan.push_back(std::move(write));
  }
  return plan;
}

result<std::vector<existing_file>, import_error> scan_directory(const fs::path& dir) {
  std::vector<existing_file> files;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return files;
  fs::directory_iterator it(dir, ec);
  if (ec) return fail(import_error{dir.string(), 0, 0, "cannot list the directory: " + ec.message()});
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return fail(import_error{dir.string(), 0, 0, "cannot list the directory: " + ec.message()});
    if (!is_candidate(*it)) continue;
    existing_file file;
    file.name = it->path().filename().string();
    if (it->file_size(ec) > max_article_bytes) {
      files.push_back(std::move(file));  // its name is taken all the same
      continue;
    }
    std::ifstream in(it->path(), std::ios::binary);
    if (!in) return fail(import_error{it->path().string(), 0, 0, "cannot read the file"});
    file.content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) return fail(import_error{it->path().string(), 0, 0, "read error"});
    files.push_back(std::move(file));
  }
  return files;
}

result<bool, import_error> write_atomically(const fs::path& file, std::string_view content) {
  const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  std::random_device random;
  fs::path temporary;
  int fd = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    // A dotfile: never served, never mistaken for an article.
    temporary = dir / ("." + file.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                       std::to_string(random()));
    fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    return fail(import_error{file.string(), 0, 0, "cannot create a temporary file: " + system_error(errno)});
  }
  const bool written = write_all(fd, content) && ::fsync(fd) == 0;
  const int write_errno = errno;
  const bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    ::unlink(temporary.c_str());
    return fail(
        import_error{file.string(), 0, 0, "cannot write: " + system_error(written ? errno : write_errno)});
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    const int rename_errno = errno;
    ::unlink(temporary.c_str());
    return fail(import_error{file.string(), 0, 0, "cannot rename into place: " + system_error(rename_errno)});
  }
  return true;
}

result<std::size_t, import_error> apply_writes(const fs::path& dir, const std::vector<planned_write>& plan) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(import_error{dir.string(), 0, 0, "cannot create the directory: " + ec.message()});
  std::size_t count = 0;
  for (const planned_write& write : plan) {
    if (write.action == write_action::unchanged) continue;
    auto written = write_atomically(dir / write.name, write.content);
    if (!written) return fail(written.error());
    ++count;
  }
  return count;
}

}  // namespace twinstar::news
