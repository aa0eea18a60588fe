#pragma once
// One input file of any supported kind -> articles: the part of
// `twinstar import` that needs no directory access.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/import/article.hpp"
#include "twinstar/import/store.hpp"
#include "twinstar/result.hpp"

namespace twinstar::news {

enum class source_format { text, markdown, html, feed };

// By extension (.txt; .md/.markdown; .html/.htm/.xhtml; .xml/.rss/.atom/
// .rdf/.feed), else by content (a feed root element; "<!doctype html" or
// "<html"), else plain text.
source_format detect_format(std::string_view file_name, std::string_view content);

struct source_options {
  std::string date;         // --date: overrides; for feeds only the fallback
  std::string source_url;   // --source-url: the article's URL; a feed's base
  std::string source_name;  // --source-name: overrides the byline's source
  std::string today;        // last-resort date for feed items, YYYY-MM-DD
};

// Text, Markdown and HTML give one article, feeds one per item. The date of
// a single article: `date`, else the file name's YYYY-MM-DD prefix, else an
// error (a reproducible import needs one); an HTML page's own date (see
// html_to_gemtext) comes before all of them, its author is the article's,
// and its canonical URL is the source URL when `source_url` is empty.
// A page without a title takes its first words (else its file name) and
// adds a warning to `warnings` (when given) instead of failing.
result<std::vector<article>, import_error> import_document(std::string_view content,
                                                           std::string_view file_name,
                                                           const source_options& options,
                                                           std::vector<import_error>* warnings = nullptr);

// Reads the file (at most max_source_bytes) and calls import_document.
inline constexpr std::size_t max_source_bytes = 32 * 1024 * 1024;
result<std::vector<article>, import_error> import_file(const std::filesystem::path& file,
                                                       const source_options& options,
                                                       std::vector<import_error>* warnings = nullptr);

struct import_report {
  std::vector<import_error> errors;    // empty on success; a write's are those of `applied`
  std::vector<import_error> warnings;  // what was guessed (an untitled page's title)
  std::vector<planned_write> plan;     // what was (or, dry, would be) done
  apply_report applied;                // what the writes did; empty for a dry run
};

// `twinstar import`: reads and converts every source first; any error means
// nothing is written (and `plan` stays empty). Then plans against `into`
// and, unless `dry_run`, applies the plan all or nothing (apply_writes, at
// the system clock's now).
import_report import_into(const std::vector<std::filesystem::path>& sources,
                          const std::filesystem::path& into, const source_options& options, bool dry_run);

}  // namespace twinstar::news
