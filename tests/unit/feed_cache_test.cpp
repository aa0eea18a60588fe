#include "twinstar/feed_cache.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../atom_check.hpp"
#include "temp_files.hpp"
#include "twinstar/router.hpp"

using namespace twinstar;
using namespace twinstar::feed;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

using test::fresh_temp_dir;
using test::write_file;

namespace {

// Moves a directory's mtime an hour back: older than racy_window, so the
// cache trusts it (as it would for any directory not touched just now).
void settle(const fs::path& dir) { fs::last_write_time(dir, fs::file_time_type::clock::now() - 1h); }

struct fake_clock {
  std::chrono::steady_clock::time_point now{};
  std::int64_t wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  cache::clock_fn fn() {
    return [this] { return now; };
  }
  cache::wall_fn wall() {
    return [this] { return wall_ns; };
  }
};

const feed_config news{"/news/", "News", "", 5, 300};
const std::vector<std::string> index_files{"index.gmi"};

struct feed_dir {
  fs::path dir = fresh_temp_dir("feed-cache");
  feed_dir() {
    write_file(dir / "2025-09-01-a.gmi", "# Alpha\n\nA.\n");
    write_file(dir / "2025-09-02-b.gmi", "# Beta\n\nB.\n");
    write_file(dir / "2025-08-30-c.gmi", "# Gamma\n\nC.\n");
    settle(dir);
  }
  ~feed_dir() { fs::remove_all(dir); }
};

}  // namespace

TEST_CASE("feed cache: nothing changed gives the same snapshot even after a recheck") {
  feed_dir f;
  fake_clock clock;
  cache feeds(10s, clock.fn(), clock.wall());
  auto first = feeds.get(f.dir, news, index_files);
  REQUIRE(first);
  CHECK(first->entries.size() == 3);
  CHECK(first->articles_read == 3);
  CHECK(first->entries.front().title == "Beta");
  CHECK(first->index.starts_with("# News\n"));
  CHECK(feeds.get(f.dir, news, index_files) == first);
  clock.now += 11s;  // a full rescan finds nothing new
  CHECK(feeds.get(f.dir, news, index_files) == first);
}

TEST_CASE("feed cache: adding and removing an article rebuilds reading only what changed") {
  feed_dir f;
  fake_clock clock;
  cache feeds(10s, clock.fn(), clock.wall());
  auto first = feeds.get(f.dir, news, index_files);
  REQUIRE(first);
  write_file(f.dir / "2025-09-03-d.gmi", "# Delta\n\nD.\n");
  auto second = feeds.get(f.dir, news, index_files);
  REQUIRE(second);
  CHECK(second != first);
  CHECK(second->entries.size() == 4);
  CHECK(second->entries.front().title == "Delta");
  CHECK(second->articles_read == 1);
  CHECK(second->contains("2025-09-03-d.gmi"));
  CHECK(second->index.find("=> 2025-09-03-d.gmi 2025-09-03 Delta\n") != std::string::npos);

  fs::remove(f.dir / "2025-09-01-a.gmi");
  auto third = feeds.get(f.dir, news, index_files);
  REQUIRE(third);
  CHECK(third->entries.size() == 3);
  CHECK(third->articles_read == 0);
  CHECK_FALSE(third->contains("2025-09-01-a.gmi"));
  CHECK(third->index.find("Alpha") == std::string::npos);
}

TEST_CASE("feed cache: an edit written as temp file + rename shows at once") {
  feed_dir f;
  fake_clock clock;
  cache feeds(10s, clock.fn(), clock.wall());
  auto first = feeds.get(f.dir, news, index_files);
  write_file(f.dir / ".tmp-b", "# Beta, revised\n\nB2.\n");
  fs::rename(f.dir / ".tmp-b", f.dir / "2025-09-02-b.gmi");
  auto second = feeds.get(f.dir, news, index_files);
  REQUIRE(second);
  CHECK(second != first);
  CHECK(second->entries.front().title == "Beta, revised");
  CHECK(second->articles_read == 1);
}

TEST_CASE("feed cache: an in-place edit of a settled directory shows after the recheck interval") {
  feed_dir f;
  fake_clock clock;
  cache feeds(10s, clock.fn(), clock.wall());
  auto first = feeds.get(f.dir, news, index_files);
  write_file(f.dir / "2025-09-02-b.gmi", "# Beta edited in place\n\nB3.\n");  // no directory change
  CHECK(feeds.get(f.dir, news, index_files) == first);                        // the documented trade-off
  clock.now += 9s;
  CHECK(feeds.get(f.dir, news, index_files) == first);
  clock.now += 2s;
  auto later = feeds.get(f.dir, news, index_files);
  REQUIRE(later);
  CHECK(later != first);
  CHECK(later->entries.front().title == "Beta edited in place");
}

TEST_CASE(
    "feed cache: a change within the directory's mtime tick is caught by one rescan after racy_window") {
  feed_dir f;
  fake_clock clock;
  cache feeds(10s, clock.fn(), clock.wall());
  write_file(f.dir / "2025-09-04-e.gmi", "# Epsilon\n");  // the directory mtime is now
  auto first = feeds.get(f.dir, news, index_files);
  // Written in place in the same tick: neither the directory mtime nor the
  // steady clock says anything changed.
  write_file(f.dir / "2025-09-04-e.gmi", "# Epsilon, same tick\n");
  CHECK(feeds.get(f.dir, news, index_files) == first);
  clock.wall_ns += racy_window_ns + 1'000'000'000;
  auto second = feeds.get(f.dir, news, index_files);
  REQUIRE(second);
  CHECK(second != first);
  CHECK(second->entries.front().title == "Epsilon, same tick");
  CHECK(feeds.get(f.dir, news, index_files) == second);  // settled: no more rescans
}

TEST_CASE("feed cache: settings are part of the key and a missing directory gives nullptr") {
  feed_dir f;
  cache feeds;
  auto a = feeds.get(f.dir, news, index_files);
  feed_config other = news;
  other.title = "Other";
  auto b = feeds.get(f.dir, other, index_files);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a != b);
  CHECK(b->index.starts_with("# Other\n"));
  CHECK(feeds.get(f.dir / "missing", news, index_files) == nullptr);
}

TEST_CASE("feed cache: concurrent lookups share one snapshot") {
  feed_dir f;
  cache feeds;
  std::vector<std::thread> threads;
  std::vector<std::set<const built_feed*>> seen(8);
  for (std::size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) seen[t].insert(feeds.get(f.dir, news, index_files).get());
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<const built_feed*> all;
  for (const auto& s : seen) all.insert(s.begin(), s.end());
  CHECK(all.size() == 1);
}

TEST_CASE("feed cache: derived renderings are built once per key and snapshot") {
  feed_dir f;
  cache feeds;
  auto snap = feeds.get(f.dir, news, index_files);
  REQUIRE(snap);
  int calls = 0;
  auto a = snap->derived("gopher\nlocalhost\n70", [&] { return std::to_string(++calls); });
  auto b = snap->derived("gopher\nlocalhost\n70", [&] { return std::to_string(++calls); });
  auto c = snap->derived("gopher\nlocalhost\n7070", [&] { return std::to_string(++calls); });
  CHECK(a == b);
  CHECK(*a == "1");
  CHECK(*c == "2");
  write_file(f.dir / "2025-09-05-f.gmi", "# Phi\n");
  auto next = feeds.get(f.dir, news, index_files);
  REQUIRE(next != snap);
  CHECK(*next->derived("gopher\nlocalhost\n70", [&] { return std::to_string(++calls); }) == "3");
}

TEST_CASE("feed: gemini_base_url") {
  CHECK(gemini_base_url("localhost", 1965) == "gemini://localhost");
  CHECK(gemini_base_url("localhost", 1966) == "gemini://localhost:1966");
  CHECK(gemini_base_url("::1", 1965) == "gemini://[::1]");
  CHECK(gemini_base_url("192.0.2.1", 70) == "gemini://192.0.2.1:70");
}

namespace {

struct capsule_with_feeds {
  fs::path base = fresh_temp_dir("feed-resolve");
  fs::path root = base / "root";
  server_config config;
  cache feeds;

  capsule_with_feeds() {
    write_file(root / "index.gmi", "# Home\n\n## Latest\n\n{{latest /news/ 2}}\n{{latest /nowhere/}}\n");
    write_file(root / "page.gmi", "# Page\n{{latest /news/}}\n");
    write_file(root / "news" / "2025-09-01-a.gmi", "# Alpha\n\nA.\n");
    write_file(root / "news" / "2025-09-02-b.gmi", "# Beta\n\nB.\n");
    write_file(root / "news" / "2025-08-30-c.gmi", "# Gamma\n\nC.\n");
    write_file(root / "blog" / "index.gmi", "# Hand-written blog index\n");
    write_file(root / "blog" / "2025-01-01-post.gmi", "# Post\n");
    write_file(root / "static" / "atom.xml", "<feed/>\n");
    write_file(root / "plain" / "x.gmi", "# X\n");
    write_file(base / "outside" / "2025-01-01-secret.gmi", "# Secret\n");
    fs::create_directory_symlink(base / "outside", root / "escape");
    host_config host;
    host.name = "localhost";
    host.root = root;
    host.feeds = {{"/news/", "News", "", 5, 300},
                  {"/blog/", "Blog", "Ada", 5, 300},
                  {"/static/", "Static", "", 5, 300},
                  {"/escape/", "Escape", "", 5, 300}};
    config.hosts = {host};
  }
  ~capsule_with_feeds() { fs::remove_all(base); }

  resolution get(std::string_view raw_path) {
    router routes(config);
    auto r = routes.resolve_path(config.hosts[0], raw_path);
    REQUIRE(std::holds_alternative<route_path>(r));
    return resolve(std::get<route_path>(r), {}, feeds, "gemini://localhost:1966");
  }
};

}  // namespace

TEST_CASE("feed resolve: a feed directory without an index file gets the feed index") {
  capsule_with_feeds c;
  auto res = c.get("/news/");
  auto* gen = std::get_if<serve_generated>(&res);
  REQUIRE(gen != nullptr);
  CHECK(gen->mime == "text/gemini");
  CHECK(gen->shared != nullptr);  // the cached index itself, not a copy
  CHECK(
      gen->text().starts_with("# News\n\n=> atom.xml Atom feed\n\n## September 2025\n\n"
                              "=> 2025-09-02-b.gmi 2025-09-02 Beta\n=> 2025-09-01-a.gmi 2025-09-01 Alpha\n\n"
                              "## August 2025\n\n=> 2025-08-30-c.gmi 2025-08-30 Gamma\n"));
  CHECK(std::holds_alternative<route_redirect>(c.get("/news")));
  CHECK(std::holds_alternative<serve_file>(c.get("/news/2025-09-01-a.gmi")));

  // listing = false does not hide a configured feed.
  c.config.hosts[0].listing = false;
  CHECK(std::holds_alternative<serve_generated>(c.get("/news/")));
  auto plain = c.get("/plain/");
  REQUIRE(std::holds_alternative<error>(plain));
  CHECK(std::get<error>(plain).code == errc::listing_disabled);
}

TEST_CASE("feed resolve: atom.xml of a feed is generated unless a file is there") {
  capsule_with_feeds c;
  auto res = c.get("/news/atom.xml");
  auto* gen = std::get_if<serve_generated>(&res);
  REQUIRE(gen != nullptr);
  CHECK(gen->mime == "application/atom+xml");
  const auto report = test::check_atom(gen->text(), TWINSTAR_TEST_DATA "/atom/atom.rng");
  for (const auto& problem : report.problems) MESSAGE(problem);
  CHECK(report.problems.empty());
  CHECK(report.id == "gemini://localhost:1966/news/");
  CHECK(report.author == "localhost");
  REQUIRE(report.entries.size() == 3);
  CHECK(report.entries[0].id == "gemini://localhost:1966/news/2025-09-02-b.gmi");
  // Rendered once per snapshot and base URL, then shared.
  auto again = c.get("/news/atom.xml");
  REQUIRE(std::holds_alternative<serve_generated>(again));
  CHECK(std::get<serve_generated>(again).shared == gen->shared);
  auto other_port =
      resolve(std::get<route_path>(router(c.config).resolve_path(c.config.hosts[0], "/news/atom.xml")), {},
              c.feeds, "gemini://localhost:1967");
  REQUIRE(std::holds_alternative<serve_generated>(other_port));
  CHECK(std::get<serve_generated>(other_port).text().find("gemini://localhost:1967/news/") !=
        std::string::npos);

  // A hand-written index does not stop the feed; the configured author is used.
  auto blog = c.get("/blog/atom.xml");
  REQUIRE(std::holds_alternative<serve_generated>(blog));
  CHECK(
      test::check_atom(std::get<serve_generated>(blog).text(), TWINSTAR_TEST_DATA "/atom/atom.rng").author ==
      "Ada");
  auto blog_index = c.get("/blog/");
  REQUIRE(std::holds_alternative<serve_file>(blog_index));

  CHECK(std::holds_alternative<serve_file>(c.get("/static/atom.xml")));
  auto not_feed = c.get("/plain/atom.xml");
  REQUIRE(std::holds_alternative<error>(not_feed));
  CHECK(std::get<error>(not_feed).code == errc::not_found);
}

TEST_CASE("feed resolve: a feed behind a symlink out of the root is not served") {
  capsule_with_feeds c;
  CHECK(feed_directory(c.config.hosts[0], c.config.hosts[0].feeds[3]).empty());
  CHECK(std::holds_alternative<error>(c.get("/escape/")));
  CHECK(std::holds_alternative<error>(c.get("/escape/atom.xml")));
}

TEST_CASE("feed resolve: {{latest}} markers expand in index pages only") {
  capsule_with_feeds c;
  auto home = c.get("/");
  auto* gen = std::get_if<serve_generated>(&home);
  REQUIRE(gen != nullptr);
  CHECK(gen->mime == "text/gemini");
  CHECK(gen->body ==
        "# Home\n\n## Latest\n\n"
        "=> /news/2025-09-02-b.gmi 2025-09-02 Beta\n"
        "=> /news/2025-09-01-a.gmi 2025-09-01 Alpha\n"
        "{{latest /nowhere/}}\n");
  CHECK(std::holds_alternative<serve_file>(c.get("/page.gmi")));
  CHECK(std::holds_alternative<serve_file>(c.get("/blog/")));  // an index without markers
}
