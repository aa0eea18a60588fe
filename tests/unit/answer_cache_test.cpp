// answer_cache: what invalidates an entry, and its bounds.
#include "twinstar/answer_cache.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "temp_files.hpp"

using namespace twinstar;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct temp_dir {
  fs::path path = test::fresh_temp_dir("answer-cache");
  ~temp_dir() { fs::remove_all(path); }
};

void write(const fs::path& p, const std::string& text) { test::write_file(p, text); }

using cache = answer_cache<std::string>;

void put(cache& c, const std::string& key, const std::string& value, std::vector<fs::path> watched,
         cache::clock::time_point now) {
  c.store(key, std::make_shared<const std::string>(value), c.watch(std::move(watched), now), value.size(),
          now);
}

// Both ways of noticing changes, for the tables below.
cache::limits with(bool inotify) {
  cache::limits l;
  l.inotify = inotify;
  return l;
}

}  // namespace

TEST_CASE("answer_cache: an entry lives while its watched paths are unchanged / inotify and stamps") {
  for (bool inotify : {true, false}) {
    CAPTURE(inotify);
    temp_dir dir;
    const auto file = dir.path / "page.gmi";
    write(file, "one");
    cache c(with(inotify));
    const auto t0 = cache::clock::now();
    put(c, "k", "answer one", {file, dir.path}, t0);
    REQUIRE(c.find("k", t0 + 10ms));
    CHECK(*c.find("k", t0 + 10ms) == "answer one");
    CHECK_FALSE(c.find("other", t0));

    struct change {
      const char* what;
      void (*apply)(const fs::path& file, const fs::path& dir);
    };
    for (const change& ch : {
             change{"rewritten with the same size",
                    [](const fs::path&f, const fs::path&) {
                      // Same size, so only the times tell; force a later mtime.
                      write(f, "two");
                      fs::last_write_time(f, fs::last_write_time(f) + 1s);
                    }},
             change{"rewritten longer", [](const fs::path&f, const fs::path&) { write(f, "three"); }},
             change{"replaced by rename",
                    [](const fs::path&f, const fs::path&d) {
                      write(d / "new.tmp", "four");
                      fs::rename(d / "new.tmp", f);
                    }},
             change{"a new file in the watched directory",
                    [](const fs::path&, const fs::path&d) {
                      write(d / ("extra" + std::to_string(cache::clock::now().time_since_epoch().count())),
                            "x");
                    }},
             change{"deleted", [](const fs::path&f, const fs::path&) { fs::remove(f); }},
         }) {
      CAPTURE(ch.what);
      if (!fs::exists(file)) write(file, "again");
      put(c, "k", "answer", {file, dir.path}, t0);
      REQUIRE(c.find("k", t0 + 10ms));
      ch.apply(file, dir.path);
      CHECK_FALSE(c.find("k", t0 + 10ms));
      CHECK(c.size() == 0);  // the stale entry is gone, not kept
    }
  }
}

TEST_CASE("answer_cache: entries expire after max_age even when nothing changed") {
  temp_dir dir;
  cache c(cache::limits{500ms, 16, 1 << 20});
  const auto t0 = cache::clock::now();
  put(c, "k", "v", {dir.path}, t0);
  CHECK(c.find("k", t0 + 499ms));
  CHECK_FALSE(c.find("k", t0 + 500ms));
}

TEST_CASE("answer_cache: a slow build is not stale on arrival (issue 15: huge directories)") {
  // Stamped before a 3 s build, stored after it: max_age counts from the store.
  temp_dir dir;
  cache c(cache::limits{2000ms, 16, 1 << 20});
  const auto t0 = cache::clock::now();
  auto pending = c.watch({dir.path}, t0);
  c.store("k", std::make_shared<const std::string>("v"), std::move(pending), 1, t0 + 3s);
  CHECK(c.find("k", t0 + 3s + 1999ms));
  CHECK_FALSE(c.find("k", t0 + 3s + 2000ms));
}

TEST_CASE("answer_cache: a path that did not exist is watched for appearing / inotify and stamps") {
  for (bool inotify : {true, false}) {
    CAPTURE(inotify);
    temp_dir dir;
    const auto map = dir.path / "gophermap";
    cache c(with(inotify));
    const auto t0 = cache::clock::now();
    put(c, "k", "v", {map}, t0);
    CHECK(c.find("k", t0));
    write(map, "iHello\r\n");
    CHECK_FALSE(c.find("k", t0));
  }
}

TEST_CASE("answer_cache: through a symlink the target is watched / and reading is not a change") {
  for (bool inotify : {true, false}) {
    CAPTURE(inotify);
    temp_dir dir;
    const auto real = dir.path / "elsewhere" / "real.gmi";
    write(real, "one");
    fs::create_directories(dir.path / "capsule");
    const auto link = dir.path / "capsule" / "page.gmi";
    fs::create_symlink(real, link);
    cache c(with(inotify));
    const auto t0 = cache::clock::now();
    put(c, "k", "v", {link}, t0);
    {
      std::ifstream in(link);
      std::string text;
      std::getline(in, text);
      CHECK(text == "one");
    }
    CHECK(c.find("k", t0));  // read, not changed
    write(real, "two, longer");
    CHECK_FALSE(c.find("k", t0));
  }
}

TEST_CASE("answer_cache: with inotify any change in a watched directory makes entries stale") {
  // The price of one read per lookup instead of a stat per path: a change
  // next to a watched file counts too. Stamps watch only the file.
  for (bool inotify : {true, false}) {
    CAPTURE(inotify);
    temp_dir dir;
    const auto file = dir.path / "page.gmi";
    write(file, "one");
    cache c(with(inotify));
    const auto t0 = cache::clock::now();
    put(c, "k", "v", {file}, t0);
    write(dir.path / "neighbour.txt", "x");
    CHECK(bool(c.find("k", t0)) == !inotify);
  }
}

TEST_CASE("answer_cache: over its entry or byte bound the cache starts afresh") {
  temp_dir dir;
  const auto t0 = cache::clock::now();
  cache by_count(cache::limits{10s, 3, 1 << 20});
  for (int i = 0; i < 3; ++i) put(by_count, "k" + std::to_string(i), "v", {dir.path}, t0);
  CHECK(by_count.size() == 3);
  put(by_count, "k3", "v", {dir.path}, t0);
  CHECK(by_count.size() == 1);
  CHECK(by_count.find("k3", t0));

  cache by_bytes(cache::limits{10s, 100, 10});
  put(by_bytes, "a", "123456", {dir.path}, t0);
  put(by_bytes, "b", "123456", {dir.path}, t0);  // 12 > 10 bytes
  CHECK(by_bytes.size() == 1);
  CHECK(by_bytes.find("b", t0));
  put(by_bytes, "huge", std::string(11, 'x'), {dir.path}, t0);  // larger than the bound: not kept
  CHECK_FALSE(by_bytes.find("huge", t0));
  CHECK(by_bytes.find("b", t0));
}

TEST_CASE("change_watch: a directory's own change count") {
  // What a listing of one directory is kept by: events elsewhere leave it.
  temp_dir dir;
  const auto big = dir.path / "big";
  const auto other = dir.path / "other";
  fs::create_directories(big);
  fs::create_directories(other);
  write(big / "a.gmi", "# A\n");
  change_watch changes;
  const auto first = changes.directory_generation(big);
  REQUIRE(first);
  CHECK(changes.directory_generation(big) == first);

  struct change {
    const char* what;
    bool moves;
    void (*apply)(const fs::path& big, const fs::path& other);
  };
  for (const change& ch : {
           change{"a file written in another directory", false,
                  [](const fs::path&, const fs::path&o) { write(o / "x.txt", "x"); }},
           change{"a file read", false,
                  [](const fs::path&b, const fs::path&) { std::ifstream(b / "a.gmi").get(); }},
           change{"a file edited in place", true,
                  [](const fs::path&b, const fs::path&) { write(b / "a.gmi", "# B\n"); }},
           change{"an entry added", true,
                  [](const fs::path&b, const fs::path&) { write(b / "new.txt", "n"); }},
           change{"an entry renamed", true,
                  [](const fs::path&b, const fs::path&) { fs::rename(b / "new.txt", b / "renamed.txt"); }},
           change{"an entry removed", true,
                  [](const fs::path&b, const fs::path&) { fs::remove(b / "renamed.txt"); }},
       }) {
    CAPTURE(ch.what);
    const auto before = changes.directory_generation(big);
    ch.apply(big, other);
    CHECK((changes.directory_generation(big) != before) == ch.moves);
  }

  // Removed and made again: a value never seen before.
  const auto before = changes.directory_generation(big);
  fs::remove_all(big);
  fs::create_directories(big);
  const auto again = changes.directory_generation(big);
  REQUIRE(again);
  CHECK(again != before);
  CHECK(again != first);
}
