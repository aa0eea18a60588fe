#pragma once
// Articles -> files in a directory: stable names, update in place, atomic
// writes.
//
// Names are "DATE-SLUG.gmi". An article whose identity (identity_of) matches
// a file already in the directory rewrites that file, whatever its name; a
// new article whose name is taken by a different article gets "-2", "-3",
// ... Only regular "*.gmi" files not starting with '.' and other than
// index.gmi are considered.
#include <filesystem>
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
};

struct existing_file {
  std::string name;
  std::string content;
};

// Pure: decides names and actions. An article whose identity repeats an
// earlier one in `articles` is skipped (the first wins).
std::vector<planned_write> plan_writes(const std::vector<existing_file>& existing,
                                       const std::vector<article>& articles);

// Reads the candidate files of `dir` (a missing directory is empty).
// Errors: the directory or a file in it cannot be read.
result<std::vector<existing_file>, import_error> scan_directory(const std::filesystem::path& dir);

// Writes `content` to `file` atomically: a temporary ".NAME.tmp-*" file in
// the same directory, flushed, then renamed over `file`. On any failure the
// temporary file is removed and `file` is untouched.
result<bool, import_error> write_atomically(const std::filesystem::path& file, std::string_view content);

// Creates `dir` if needed and writes every create/update in `plan`. Stops at
// the first failure (files already renamed into place stay complete).
result<std::size_t, import_error> apply_writes(const std::filesystem::path& dir,
                                               const std::vector<planned_write>& plan);

}  // namespace twinstar::news
