// Planned writes -> files: temporary files, renames, rollback, and the
// temporaries a killed run left behind.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include "twinstar/import/store.hpp"

namespace twinstar::news {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view temporary_marker = ".tmp-";
// Attempts at a free temporary name before giving up.
constexpr int max_name_attempts = 16;

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

fs::path directory_of(const fs::path& file) {
  return file.parent_path().empty() ? fs::path(".") : file.parent_path();
}

// ".NAME.tmp-PID-RANDOM" beside `file`.
fs::path temporary_name(const fs::path& file, std::random_device& random) {
  return directory_of(file) / ("." + file.filename().string() + std::string(temporary_marker) +
                               std::to_string(::getpid()) + "-" + std::to_string(random()));
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_temporary_name(std::string_view name) {
  const auto marker = name.rfind(temporary_marker);
  if (!name.starts_with('.') || marker == std::string_view::npos || marker < 2) return false;
  const std::string_view suffix = name.substr(marker + temporary_marker.size());
  const auto dash = suffix.find('-');
  return dash != std::string_view::npos && all_digits(suffix.substr(0, dash)) &&
         all_digits(suffix.substr(dash + 1));
}

// `content` in a new temporary file beside `file`, flushed to disk.
result<fs::path, import_error> write_temporary(const fs::path& file, std::string_view content) {
  std::random_device random;
  fs::path temporary;
  int fd = -1;
  for (int attempt = 0; attempt < max_name_attempts && fd < 0; ++attempt) {
    temporary = temporary_name(file, random);
    fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    return fail(import_error{.file = file.string(),
                             .message = "cannot create a temporary file: " + system_error(errno)});
  }
  const bool written = write_all(fd, content) && ::fsync(fd) == 0;
  const int write_errno = errno;
  const bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    const int code = written ? errno : write_errno;
    ::unlink(temporary.c_str());
    return fail(import_error{.file = file.string(), .message = "cannot write: " + system_error(code)});
  }
  return temporary;
}

// A second name for the file an update replaces, so that a rollback is a
// rename: a hard link, else (no hard links on this file system) a copy.
result<fs::path, import_error> keep_backup(const fs::path& file) {
  std::random_device random;
  for (int attempt = 0; attempt < max_name_attempts; ++attempt) {
    const fs::path backup = temporary_name(file, random);
    if (::link(file.c_str(), backup.c_str()) == 0) return backup;
    if (errno != EEXIST) break;
  }
  std::ifstream in(file, std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return fail(import_error{.file = file.string(), .message = "cannot keep a copy of the file it replaces"});
  }
  return write_temporary(file, content);
}

// rename() that fails with EEXIST rather than replace `to`. Where the file
// system has no RENAME_NOREPLACE (NFS), a hard link does the same.
int rename_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  if (::link(from.c_str(), to.c_str()) != 0) return -1;
  ::unlink(from.c_str());
  return 0;
}

std::chrono::system_clock::time_point status_changed(const struct stat& status) {
  const auto since_epoch =
      std::chrono::seconds(status.st_ctim.tv_sec) + std::chrono::nanoseconds(status.st_ctim.tv_nsec);
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch));
}

// Regular files of our naming, stale at `now` (store.hpp). Best effort: one
// that cannot be removed is left for the next run.
std::vector<std::string> remove_stale_temporaries(const fs::path& dir,
                                                  std::chrono::system_clock::time_point now) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    struct stat status {};
    if (!is_temporary_name(name) || ::lstat(it->path().c_str(), &status) != 0 || !S_ISREG(status.st_mode)) {
      continue;
    }
    if (now - status_changed(status) > stale_temporary_age && ::unlink(it->path().c_str()) == 0) {
      removed.push_back(name);
    }
  }
  std::sort(removed.begin(), removed.end());
  return removed;
}

// One create or update on its way into place.
struct staged_write {
  const planned_write* write = nullptr;
  fs::path file;
  fs::path temporary;  // the new content, until renamed
  fs::path backup;     // an update: the file it replaces, until done
  bool renamed = false;
};

// A new file's modification time, when its plan gives one that is not in
// the future; a file that cannot take it keeps the time it was written.
void set_mtime(const fs::path& file, std::optional<std::int64_t> seconds,
               std::chrono::system_clock::time_point now) {
  if (!seconds ||
      *seconds > std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()) {
    return;
  }
  const timespec times[2] = {{0, UTIME_OMIT}, {static_cast<time_t>(*seconds), 0}};
  ::utimensat(AT_FDCWD, file.c_str(), times, 0);
}

result<bool, import_error> stage(staged_write& s, std::chrono::system_clock::time_point now) {
  auto temporary = write_temporary(s.file, s.write->content);
  if (!temporary) return fail(temporary.error());
  s.temporary = std::move(temporary.value());
  if (s.write->action == write_action::create) set_mtime(s.temporary, s.write->mtime, now);
  if (s.write->action != write_action::update) return true;
  auto backup = keep_backup(s.file);
  if (!backup) return fail(backup.error());
  s.backup = std::move(backup.value());
  return true;
}

// Into place; 0 or -1 with errno.
int rename_into_place(staged_write& s) {
  const int status = s.write->action == write_action::create ? rename_no_replace(s.temporary, s.file)
                                                             : ::rename(s.temporary.c_str(), s.file.c_str());
  if (status == 0) {
    s.renamed = true;
    s.temporary.clear();
  }
  return status;
}

void remove_leftovers(const std::vector<staged_write>& staged) {
  for (const staged_write& s : staged) {
    if (!s.temporary.empty()) ::unlink(s.temporary.c_str());
    if (!s.backup.empty()) ::unlink(s.backup.c_str());
  }
}

// Undoes the renames, last first; what cannot be undone is reported.
void roll_back(std::vector<staged_write>& staged, apply_report& report) {
  for (auto s = staged.rbegin(); s != staged.rend(); ++s) {
    if (!s->renamed) continue;
    const bool created = s->write->action == write_action::create;
    if ((created ? ::unlink(s->file.c_str()) : ::rename(s->backup.c_str(), s->file.c_str())) == 0) {
      s->renamed = false;
      s->backup.clear();
      ++report.rolled_back;
      continue;
    }
    std::string message = "could not roll back: " + system_error(errno);
    if (!created) {  // the only copy of the previous version: kept, and named
      message += " (the previous version is " + s->backup.filename().string() + ")";
      s->backup.clear();
    }
    report.errors.push_back(import_error{.file = s->file.string(), .message = message});
  }
  for (const staged_write& s : staged) {
    if (s.renamed) report.written.push_back(s.write->name);
  }
}

}  // namespace

result<bool, import_error> write_atomically(const fs::path& file, std::string_view content) {
  auto temporary = write_temporary(file, content);
  if (!temporary) return fail(temporary.error());
  if (::rename(temporary->c_str(), file.c_str()) != 0) {
    const int rename_errno = errno;
    ::unlink(temporary->c_str());
    return fail(import_error{.file = file.string(),
                             .message = "cannot rename into place: " + system_error(rename_errno)});
  }
  return true;
}

apply_report apply_writes(const fs::path& dir, const std::vector<planned_write>& plan,
                          std::chrono::system_clock::time_point now) {
  apply_report report;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    report.errors.push_back(
        import_error{.file = dir.string(), .message = "cannot create the directory: " + ec.message()});
    return report;
  }
  report.removed_temporaries = remove_stale_temporaries(dir, now);

  std::vector<staged_write> staged;
  for (const planned_write& write : plan) {
    if (write.action == write_action::unchanged) continue;
    staged.push_back(staged_write{&write, dir / write.name, {}, {}, false});
    if (auto ok = stage(staged.back(), now); !ok) {
      report.errors.push_back(ok.error());
      remove_leftovers(staged);
      return report;
    }
  }
  for (staged_write& s : staged) {
    if (rename_into_place(s) != 0) {
      report.errors.push_back(import_error{.file = s.file.string(),
                                           .message = "cannot rename into place: " + system_error(errno)});
      roll_back(staged, report);
      remove_leftovers(staged);
      return report;
    }
  }
  remove_leftovers(staged);
  for (const staged_write& s : staged) report.written.push_back(s.write->name);
  return report;
}

std::string failure_summary(const apply_report& report) {
  if (!report.written.empty()) {
    return std::to_string(report.written.size()) + " file(s) left written: could not roll back";
  }
  if (report.rolled_back == 0) return "nothing written";
  return "nothing written (" + std::to_string(report.rolled_back) + " file(s) restored)";
}

}  // namespace twinstar::news
