// Feed index micro benchmark: generates N dated articles (default 10,000) in a
// temporary directory and times, through the same code the server runs:
//   - the cold build of the index (list, read every article's head, sort, render),
//   - a cached lookup (one stat of the directory),
//   - a full rescan that finds nothing new (list + lstat of every article),
//   - the incremental rebuild after one article is added,
//   - feed::resolve of /news/ (the whole per-request core work) next to
//     resolve_on_disk of a static file of the same size.
// `feed_bench --capsule DIR [N]` only writes the capsule (DIR/news/ and
// DIR/static.gmi, a copy of the generated index) for bench/feed_index.sh.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "twinstar/feed_cache.hpp"
#include "twinstar/router.hpp"

namespace fs = std::filesystem;
using namespace twinstar;
using bench_clock = std::chrono::steady_clock;

namespace {

constexpr const char* words[] = {"summit",   "minister", "council", "market", "energy", "talks",   "report",
                                 "election", "harvest",  "border",  "treaty", "storm",  "science", "budget"};

void write_file(const fs::path& file, const std::string& content) {
  std::ofstream out(file, std::ios::binary);
  out << content;
}

// Article i: dated backwards from 2025-09-02, a few per day, ~1.5 KB each.
void write_articles(const fs::path& news, int count) {
  fs::create_directories(news);
  const std::chrono::sys_days newest = std::chrono::year{2025} / std::chrono::September / 2;
  for (int i = 0; i < count; ++i) {
    const std::chrono::year_month_day day{newest - std::chrono::days(i / 4)};
    char date[16];
    std::snprintf(date, sizeof date, "%04d-%02u-%02u", static_cast<int>(day.year()),
                  static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
    const std::string a = words[i % 14], b = words[(i / 14) % 14], c = words[(i / 196) % 14];
    const std::string title = "The " + a + " " + b + " " + c + " story number " + std::to_string(i);
    std::string body = "# " + title + "\n\n" + date + " \xc2\xb7 Source: bench\n\n";
    for (int p = 0; p < 6; ++p) {
      body += "Paragraph " + std::to_string(p) + " about the " + a + " and the " + b +
              ", with enough words to look like an article the importer wrote for this capsule.\n\n";
    }
    write_file(news / (std::string(date) + "-" + a + "-" + b + "-" + std::to_string(i) + ".gmi"), body);
  }
}

double ms_since(bench_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(bench_clock::now() - start).count();
}

template <class F>
double ns_per_call(int calls, F&& f) {
  const auto start = bench_clock::now();
  for (int i = 0; i < calls; ++i) f();
  return std::chrono::duration<double, std::nano>(bench_clock::now() - start).count() / calls;
}

route_path route_of(const router& routes, const host_config& host, std::string_view path) {
  auto r = routes.resolve_path(host, path);
  if (!std::holds_alternative<route_path>(r)) {
    std::fprintf(stderr, "no route for %.*s\n", static_cast<int>(path.size()), path.data());
    std::exit(1);
  }
  return std::get<route_path>(r);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  fs::path capsule_out;
  if (!args.empty() && args[0] == "--capsule") {
    if (args.size() < 2) {
      std::fprintf(stderr, "usage: feed_bench [--capsule DIR] [ARTICLES]\n");
      return 2;
    }
    capsule_out = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  const int count = args.empty() ? 10'000 : std::max(1, std::atoi(args[0].c_str()));
  const fs::path root =
      capsule_out.empty() ? fs::temp_directory_path() / ("twinstar-feed-bench-" + std::to_string(::getpid()))
                          : capsule_out;
  const fs::path news = root / "news";
  const feed_config feed{"/news/", "News", "", 5, 300};
  const std::vector<std::string> index_files{"index.gmi"};

  auto start = bench_clock::now();
  write_articles(news, count);
  const double write_ms = ms_since(start);
  const auto directory = fs::canonical(news);

  if (!capsule_out.empty()) {
    feed::cache feeds;
    write_file(root / "static.gmi", feeds.get(directory, feed, index_files)->index);
    write_file(root / "index.gmi", "# Feed bench\n\n=> news/ News\n=> static.gmi Static copy\n");
    std::printf("capsule with %d articles written to %s\n", count, root.c_str());
    return 0;
  }
  // An hour-old directory mtime: the cache trusts it, as for any directory not
  // written in the last seconds.
  fs::last_write_time(directory, fs::file_time_type::clock::now() - std::chrono::hours(1));

  std::printf("articles: %d (written in %.0f ms)\n", count, write_ms);
  std::vector<double> builds;
  std::shared_ptr<const feed::built_feed> snap;
  for (int round = 0; round < 5; ++round) {
    feed::cache fresh;
    start = bench_clock::now();
    snap = fresh.get(directory, feed, index_files);
    builds.push_back(ms_since(start));
  }
  std::printf("index size: %zu bytes, %zu entries\n", snap->index.size(), snap->entries.size());
  std::printf("build, first (page cache warm from writing): %.1f ms\n", builds.front());
  std::sort(builds.begin() + 1, builds.end());
  std::printf("build, median of 4 more: %.1f ms\n", builds[builds.size() / 2]);

  feed::cache feeds;
  (void)feeds.get(directory, feed, index_files);
  std::printf("cached lookup: %.0f ns\n",
              ns_per_call(100'000, [&] { (void)feeds.get(directory, feed, index_files); }));

  feed::cache rescanning(std::chrono::milliseconds(0));
  (void)rescanning.get(directory, feed, index_files);
  std::printf("rescan finding no change (every recheck interval): %.2f ms\n",
              ns_per_call(20, [&] { (void)rescanning.get(directory, feed, index_files); }) / 1e6);

  write_file(news / "2025-09-03-extra.gmi", "# One more\n\nAdded.\n");
  start = bench_clock::now();
  auto grown = feeds.get(directory, feed, index_files);
  std::printf("rebuild after adding one article: %.1f ms (%zu article read)\n", ms_since(start),
              grown->articles_read);

  host_config host;
  host.name = "localhost";
  host.root = root;
  host.feeds = {feed};
  server_config config;
  config.hosts = {host};
  write_file(root / "static.gmi", grown->index);
  const router routes(config);
  const auto news_route = route_of(routes, config.hosts[0], "/news/");
  const auto static_route = route_of(routes, config.hosts[0], "/static.gmi");
  (void)feed::resolve(news_route, {}, feeds, "gemini://localhost");
  std::printf(
      "per request, feed::resolve /news/ (cached, body shared): %.1f us\n",
      ns_per_call(2'000, [&] { (void)feed::resolve(news_route, {}, feeds, "gemini://localhost"); }) / 1e3);
  std::printf("per request, resolve_on_disk /static.gmi (same size):   %.1f us\n",
              ns_per_call(2'000, [&] { (void)resolve_on_disk(static_route, {}); }) / 1e3);
  std::printf("atom.xml render (%zu newest of %zu): %.1f us\n", feed::max_atom_entries, grown->entries.size(),
              ns_per_call(200, [&] {
                (void)feed::render_atom(feed, grown->entries, {"gemini://localhost", "localhost", 0, ""});
              }) / 1e3);

  std::error_code ec;
  fs::remove_all(root, ec);
  return 0;
}
