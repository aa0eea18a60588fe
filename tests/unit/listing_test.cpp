// Generated listings (issue 15, "huge directories stall everyone"): capped,
// reading only what they show, and kept until their directory changes.
#include "twinstar/listing.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <set>
#include <string>
#include <vector>

#include "../open_watch.hpp"
#include "temp_files.hpp"
#include "twinstar/router.hpp"

using namespace twinstar;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A capsule whose /big/ holds directories d0..d1 and files f00.gmi..f09.gmi
// ("# Heading N"), with `cap` as the host's max_listing_entries.
struct big_capsule {
  fs::path base = test::fresh_temp_dir("listing");
  fs::path big = base / "big";
  server_config config;

  explicit big_capsule(std::size_t cap = default_max_listing_entries) {
    for (int i = 0; i < 2; ++i) fs::create_directories(big / ("d" + std::to_string(i)));
    for (int i = 0; i < 10; ++i) test::write_file(big / file(i), "# Heading " + std::to_string(i) + "\n");
    host_config host;
    host.name = "example.org";
    host.root = base;
    host.max_listing_entries = cap;
    config.hosts = {host};
  }
  ~big_capsule() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  big_capsule(const big_capsule&) = delete;
  big_capsule& operator=(const big_capsule&) = delete;

  static std::string file(int i) { return "f0" + std::to_string(i) + ".gmi"; }
  const host_config& host() const { return config.hosts.front(); }
  std::shared_ptr<const listing> build() const { return build_listing(big, "/big/", host(), {}); }
  route_path route(const char* raw_path) const {
    const router r(config);
    auto routed = r.resolve_path(host(), raw_path);
    REQUIRE_MESSAGE(std::holds_alternative<route_path>(routed), raw_path);
    return std::get<route_path>(routed);
  }
};

std::vector<std::string> names(const listing& l) {
  std::vector<std::string> out;
  for (const auto& e : l.shown) out.push_back(e.name);
  return out;
}

}  // namespace

TEST_CASE("build_listing: at most max_listing_entries, the first by listing order, the rest counted") {
  struct row {
    std::size_t cap;
    std::vector<std::string> shown;
    std::size_t left_out;
    const char* note;  // nullptr: no note line
  };
  const std::vector<row> rows = {
      {1, {"d0"}, 11, "11 more entries are not listed (a listing shows at most 1).\n"},
      {3, {"d0", "d1", "f00.gmi"}, 9, "9 more entries are not listed (a listing shows at most 3).\n"},
      {11,
       {"d0", "d1", "f00.gmi", "f01.gmi", "f02.gmi", "f03.gmi", "f04.gmi", "f05.gmi", "f06.gmi", "f07.gmi",
        "f08.gmi"},
       1,
       "1 more entry is not listed (a listing shows at most 11).\n"},
      {12,
       {"d0", "d1", "f00.gmi", "f01.gmi", "f02.gmi", "f03.gmi", "f04.gmi", "f05.gmi", "f06.gmi", "f07.gmi",
        "f08.gmi", "f09.gmi"},
       0,
       nullptr},
      {1000,
       {"d0", "d1", "f00.gmi", "f01.gmi", "f02.gmi", "f03.gmi", "f04.gmi", "f05.gmi", "f06.gmi", "f07.gmi",
        "f08.gmi", "f09.gmi"},
       0,
       nullptr},
  };
  for (const auto& r : rows) {
    CAPTURE(r.cap);
    const big_capsule c(r.cap);
    const auto l = c.build();
    CHECK(names(*l) == r.shown);
    CHECK(l->left_out == r.left_out);
    CHECK(l->gemtext.starts_with("# Index of /big/\n\n=> ../ ..\n=> d0/ d0/\n"));
    if (r.note != nullptr) {
      CHECK(l->gemtext.ends_with(std::string("\n\n") + r.note));
    } else {
      CHECK(l->gemtext.ends_with("=> f09.gmi Heading 9\n"));
    }
    CHECK(generate_index(c.big, "/big/", c.host()) == l->gemtext);
  }
}

TEST_CASE("build_listing: only the .gmi files shown are opened, for their heading") {
  const big_capsule c(4);  // d0, d1, f00.gmi, f01.gmi
  const test::open_watch watch(c.big);
  const auto l = c.build();
  CHECK(watch.opened() == std::multiset<std::string>{".", "f00.gmi", "f01.gmi"});
  REQUIRE(l->shown.size() == 4);
  CHECK(l->shown[2].label == "Heading 0");
  CHECK(l->shown[3].label == "Heading 1");
  CHECK(l->shown[0].label == "d0/");
}

TEST_CASE("probe_on_disk: a directory that only gets linked to is not read") {
  const big_capsule c;
  const test::open_watch watch(c.big);
  const auto probed = probe_on_disk(c.route("/big/"));
  const auto* gen = std::get_if<serve_generated>(&probed);
  REQUIRE(gen != nullptr);
  CHECK(gen->text().empty());
  CHECK(gen->listed == nullptr);
  CHECK(watch.opened().empty());

  // resolve_on_disk builds the listing: readdir and the headings.
  const auto resolved = resolve_on_disk(c.route("/big/"));
  REQUIRE(std::holds_alternative<serve_generated>(resolved));
  CHECK(std::get<serve_generated>(resolved).listed != nullptr);
  CHECK(watch.opened().size() == 11);
}

TEST_CASE("resolve_listed: a listing's own entries, without the disk") {
  const big_capsule c(5);  // d0, d1, f00.gmi, f01.gmi, f02.gmi
  const auto l = c.build();
  struct row {
    const char* path;
    const char* answer;  // "file", "directory", "not found", "unknown" (nullopt)
  };
  const row rows[] = {
      {"/big/f00.gmi", "file"},       {"/big/d1", "directory"},    {"/big/d1/", "directory"},
      {"/big/f00.gmi/", "not found"}, {"/big/f03.gmi", "unknown"},  // past the cap
      {"/big/nothing", "unknown"},    {"/f00.gmi", "unknown"},     {"/big/d0/f00.gmi", "unknown"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.path);
    const auto found = resolve_listed(*l, c.route(r.path));
    std::string answer = !found                                            ? "unknown"
                         : std::holds_alternative<serve_file>(*found)      ? "file"
                         : std::holds_alternative<serve_generated>(*found) ? "directory"
                                                                           : "not found";
    CHECK(answer == r.answer);
    if (answer == "file") {
      CHECK(std::get<serve_file>(*found).mime == "text/gemini");
      CHECK(std::get<serve_file>(*found).file == c.big / "f00.gmi");
    }
  }
}

TEST_CASE("listing_cache: kept while the directory is unchanged / inotify and stamps") {
  for (const bool inotify : {true, false}) {
    CAPTURE(inotify);
    const big_capsule c;
    listing_cache::limits limits;
    limits.inotify = inotify;
    std::vector<fs::path> built;
    listing_cache cache(limits, nullptr, [&](const fs::path& dir) { built.push_back(dir); });
    const auto first = cache.get(c.big, "/big/", c.host(), {});
    CHECK(cache.get(c.big, "/big/", c.host(), {}) == first);
    CHECK(cache.builds() == 1);
    CHECK(built == std::vector<fs::path>{c.big});

    // Another URL path or host is another listing.
    CHECK(cache.get(c.big, "/other/", c.host(), {}) != first);
    CHECK(cache.builds() == 2);

    test::write_file(c.big / "new.gmi", "# New\n");
    const auto second = cache.get(c.big, "/big/", c.host(), {});
    CHECK(second != first);
    CHECK(second->gemtext.find("=> new.gmi New\n") != std::string::npos);
    CHECK(cache.builds() == 3);

    fs::remove(c.big / "new.gmi");
    CHECK(cache.get(c.big, "/big/", c.host(), {})->gemtext.find("new.gmi") == std::string::npos);
  }
}

TEST_CASE("listing_cache: a heading edited in place shows at once with inotify, at the recheck without") {
  for (const bool inotify : {true, false}) {
    CAPTURE(inotify);
    const big_capsule c;
    auto now = listing_cache::clock::now();
    listing_cache::limits limits;
    limits.inotify = inotify;
    listing_cache cache(limits, [&] { return now; });
    CHECK(cache.get(c.big, "/big/", c.host(), {})->shown[2].label == "Heading 0");
    test::write_file(c.big / "f00.gmi", "# Edited\n");  // no entry added or removed
    now += 1s;
    const bool seen = cache.get(c.big, "/big/", c.host(), {})->shown[2].label == "Edited";
    CHECK(seen == inotify);
    now += limits.recheck;
    CHECK(cache.get(c.big, "/big/", c.host(), {})->shown[2].label == "Edited");
  }
}

TEST_CASE("listing_cache: a slow build is kept as long as a quick one (issue 15)") {
  // The recheck counts from the end of the build: a listing that took longer
  // than the recheck to build is still served from the cache afterwards.
  const big_capsule c;
  auto now = listing_cache::clock::now();
  listing_cache::limits limits;
  limits.recheck = 2s;
  listing_cache cache(
      limits, [&] { return now; }, [&](const fs::path&) { now += 5s; });
  const auto first = cache.get(c.big, "/big/", c.host(), {});
  now += 1999ms;
  CHECK(cache.get(c.big, "/big/", c.host(), {}) == first);
  CHECK(cache.builds() == 1);
  now += 1ms;
  CHECK(cache.get(c.big, "/big/", c.host(), {}) != first);
  CHECK(cache.builds() == 2);
}

TEST_CASE("listing_cache: while a listing is rebuilt, other requests get it as it was, without waiting") {
  const big_capsule c;
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  int builds = 0;
  listing_cache cache(listing_cache::limits{}, nullptr, [&](const fs::path&) {
    if (++builds == 2) {
      entered.set_value();
      released.wait_for(5s);  // bounded: a waiting get() fails the check below instead of hanging
    }
  });
  const auto first = cache.get(c.big, "/big/", c.host(), {});
  test::write_file(c.big / "new.gmi", "# New\n");
  auto rebuilt = std::async(std::launch::async, [&] { return cache.get(c.big, "/big/", c.host(), {}); });
  REQUIRE(entered.get_future().wait_for(5s) == std::future_status::ready);
  const auto meanwhile = cache.get(c.big, "/big/", c.host(), {});
  const bool rebuild_still_running = rebuilt.wait_for(0s) == std::future_status::timeout;
  release.set_value();
  CHECK(meanwhile == first);
  CHECK(rebuild_still_running);
  const auto second = rebuilt.get();
  CHECK(second != first);
  CHECK(second->gemtext.find("new.gmi") != std::string::npos);
  CHECK(cache.get(c.big, "/big/", c.host(), {}) == second);
  CHECK(cache.builds() == 2);
}

TEST_CASE("listing_cache: over its listing bound it starts afresh") {
  const big_capsule c;
  listing_cache::limits limits;
  limits.max_listings = 2;
  listing_cache cache(limits);
  const auto a = cache.get(c.big, "/a/", c.host(), {});
  CHECK(cache.get(c.big, "/b/", c.host(), {}) != nullptr);
  CHECK(cache.get(c.big, "/a/", c.host(), {}) == a);
  CHECK(cache.get(c.big, "/c/", c.host(), {}) != nullptr);  // a third: the others are dropped
  CHECK(cache.builds() == 3);
  CHECK(cache.get(c.big, "/a/", c.host(), {}) != a);
  CHECK(cache.builds() == 4);
}
