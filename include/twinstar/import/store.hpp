#pragma once
// Articles -> files in a directory: stable names, update in place, atomic
// writes.
//
// Names are "DATE-SLUG.gmi"; a new article whose name is taken gets "-2",
// "-3", ... Only "*.gmi" names not starting with '.' and other than
// index.gmi are considered; of those, regular files are read as articles. An article rewrites the file it is
// recognised in (identify / identify_gemtext), whatever its name:
// - by its own URL, when exactly one file has that source URL;
// - without one (no URL, a site's front page, a feed's link shared by its
//   items, a URL that differently titled articles of one batch share), by
//   title, date and URL, when exactly one file has them and no other article
//   of the batch does;
// - a file with the very same bytes is always the article's own (unchanged).
// Anything less certain is a new file: two articles are never merged on a
// guess, and no article of the batch is dropped, so an edited item that
// shares its title and day with another link-less item is written anew.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/import/article.hpp"
#include "twinstar/result.hpp"

namespace twinstar::news {

enum class write_action { create, update, unchanged };

struct planned_write {
  std::string name;  // file name inside the directory
  std::string content;
  write_action action = write_action::create;
  // A new file's modification time (seconds since the epoch): the source's
  // publication time, so that a feed's <updated> keeps its time of day. An
  // update keeps the time it was written: a rewritten article is newer.
  std::optional<std::int64_t> mtime;
};

struct existing_file {
  std::string name;
  std::string content;
};

// Pure: decides names and actions, one entry per article in order. A
// repeat is skipped (the first wins): an article with the URL of an earlier
// one, or with the title, date and bytes of one.
std::vector<planned_write> plan_writes(const std::vector<existing_file>& existing,
                                       const std::vector<article>& articles);

// Reads the article files of `dir` (a missing directory is empty). An entry
// with such a name that is not a regular file (a directory, a dangling link)
// or is larger than an article is listed with empty content: its name is
// taken, and it matches no article.
// Errors: the directory or a file in it cannot be read.
result<std::vector<existing_file>, import_error> scan_directory(const std::filesystem::path& dir);

// Temporary files are named ".NAME.tmp-PID-RANDOM" beside NAME: dotfiles,
// never served, never mistaken for articles.

// Writes `content` to `file` atomically: a temporary file in the same
// directory, flushed, then renamed over `file`. On any failure the
// temporary file is removed and `file` is untouched.
result<bool, import_error> write_atomically(const std::filesystem::path& file, std::string_view content);

// A temporary file of this naming whose status last changed this long ago
// was left by a run that was killed: no run keeps one for more than the
// seconds its writes take, so another run at work in the same directory
// (the mirror beside a cron import) keeps its own. The status change time
// (ctime) is used because a run's backup of a file it replaces is a hard
// link with that file's old modification time, and because nobody can set
// it back. No locks: a run holds one temporary per article at once, and
// would need as many open descriptors.
inline constexpr std::chrono::minutes stale_temporary_age{10};

struct apply_report {
  // Files this call created or updated and left so, in plan order: every
  // create and update on success, none after a complete rollback.
  std::vector<std::string> written;
  std::size_t rolled_back = 0;                   // renamed into place, then restored
  std::vector<std::string> removed_temporaries;  // stale ones, of a killed run
  // Empty on success; else the failure that stopped the writes, then one
  // error per file the rollback could not restore (those stay in `written`).
  std::vector<import_error> errors;
  bool ok() const { return errors.empty(); }
};

// All or nothing. Creates `dir` if needed and removes its stale temporaries
// (regular files of this naming older than stale_temporary_age at `now`).
// Then writes every create/update of `plan` to a temporary file, and only
// when all are written renames each into place: a create never replaces an
// entry that appeared since the plan was made (RENAME_NOREPLACE), and an
// update keeps a hard link to the file it replaces (a copy where hard links
// are not supported) until every rename has succeeded. On any failure the
// renamed files are restored (updates from their backups, creates removed)
// and every temporary is removed. Limit: a run killed while renaming leaves
// the renamed files complete, the others as they were, and temporaries for
// the next run to remove.
apply_report apply_writes(const std::filesystem::path& dir, const std::vector<planned_write>& plan,
                          std::chrono::system_clock::time_point now);

// The last line of a failed run: "nothing written", "nothing written (N
// file(s) restored)" or "N file(s) left written: could not roll back".
std::string failure_summary(const apply_report& report);

}  // namespace twinstar::news
