// `twinstar import`: text, Markdown, HTML and RSS/Atom files -> gemtext
// articles in a directory. Everything is parsed before anything is written;
// one bad input means no file is touched, and a failed write is rolled back.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "twinstar/import/dates.hpp"
#include "twinstar/import/source.hpp"

namespace twinstar::cli {
namespace {

// Lines of each planned file shown by --dry-run.
constexpr std::size_t dry_run_preview_lines = 4;

struct import_flags {
  std::vector<std::string> sources;
  std::string into;
  std::string date;
  std::string source_url;
  std::string source_name;
  bool dry_run = false;
};

const char* verb(news::write_action action, bool dry_run) {
  switch (action) {
    case news::write_action::create:
      return dry_run ? "would create" : "created";
    case news::write_action::update:
      return dry_run ? "would update" : "updated";
    case news::write_action::unchanged:
      break;
  }
  return "unchanged";
}

void print_preview(const std::string& content) {
  std::size_t start = 0;
  for (std::size_t n = 0; n < dry_run_preview_lines && start < content.size(); ++n) {
    const auto end = content.find('\n', start);
    const std::string line = content.substr(start, end - start);
    std::printf("%s%s\n", line.empty() ? "" : "    ", line.c_str());
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

int run_import(const import_flags& f) {
  if (!f.date.empty() && !news::is_calendar_date(f.date)) {
    std::fprintf(stderr, "--date: not a calendar date YYYY-MM-DD: %s\n", f.date.c_str());
    return 2;
  }
  if (!f.source_url.empty() && f.sources.size() > 1) {
    std::fprintf(stderr, "--source-url names one article (or one feed's base): give one SOURCE\n");
    return 2;
  }
  news::source_options options;
  options.date = f.date;
  options.source_url = f.source_url;
  options.source_name = f.source_name;
  options.today = news::utc_date(std::chrono::system_clock::now());

  const std::vector<std::filesystem::path> sources(f.sources.begin(), f.sources.end());
  const news::import_report report = news::import_into(sources, f.into, options, f.dry_run);
  const std::filesystem::path dir(f.into);
  const news::apply_report& applied = report.applied;
  // What was done (dry: would be), then any error. "created" and "updated"
  // name only files that are there now: a failed run is rolled back.
  for (const news::planned_write& w : report.plan) {
    const bool written =
        std::find(applied.written.begin(), applied.written.end(), w.name) != applied.written.end();
    const bool unchanged = w.action == news::write_action::unchanged && report.errors.empty();
    if (!f.dry_run && !written && !unchanged) continue;
    std::printf("%s %s\n", verb(w.action, f.dry_run), (dir / w.name).string().c_str());
    if (f.dry_run && w.action != news::write_action::unchanged) print_preview(w.content);
  }
  for (const std::string& name : applied.removed_temporaries) {
    std::printf("removed stale temporary file %s\n", (dir / name).string().c_str());
  }
  for (const news::import_error& e : report.warnings) {
    std::fprintf(stderr, "warning: %s\n", e.to_string().c_str());
  }
  for (const news::import_error& e : report.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
  if (!report.errors.empty()) {
    std::fprintf(stderr, "%s\n", news::failure_summary(applied).c_str());
    return 1;
  }
  if (f.dry_run) return 0;
  std::printf("%zu article(s), %zu file(s) written\n", report.plan.size(), applied.written.size());
  return 0;
}

}  // namespace

runner add_import(CLI::App& app) {
  auto f = std::make_shared<import_flags>();
  app.add_option(
         "sources", f->sources,
         "Files: plain text (.txt), Markdown (.md), HTML (.html) or RSS/Atom feeds (.xml, .rss, .atom)")
      ->required();
  app.add_option("--into", f->into, "Directory the .gmi articles go to, e.g. capsule/news")->required();
  app.add_option("--date", f->date,
                 "Date YYYY-MM-DD of a text/Markdown/HTML article (default: the file name's prefix); "
                 "for feeds, the date of items without one");
  app.add_option(
      "--source-url", f->source_url,
      "URL of the original article (the '=> source' link); for a feed, its own URL (base of relative links)");
  app.add_option("--source-name", f->source_name,
                 "Source named in the byline (default: 'Source: X' line, feed title)");
  app.add_flag("--dry-run", f->dry_run,
               "Print what would be written (file names and first lines); write nothing");
  return [f] { return run_import(*f); };
}

}  // namespace twinstar::cli
