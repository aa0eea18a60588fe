// Issue 15, "huge directories stall everyone": a directory of 100,000 files
// gets a capped listing, built once (and off the event loop), shared by
// Gemini and Gopher; pages and menus that only link to it never read it, and
// other clients are answered while it is being built. Timing is not
// asserted (bench/huge_dir.sh measures it); the structure that gives it is.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>

#include "../open_watch.hpp"
#include "fixture.hpp"

using namespace twinstar;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr int huge_files = 100'000;

// Empty .gmi files f000000.gmi ... (a listing opens the .gmi files it shows).
void make_huge_directory(const fs::path& dir) {
  fs::create_directories(dir);
  char name[32];
  int made = 0;
  for (int i = 0; i < huge_files; ++i) {
    std::snprintf(name, sizeof name, "f%06d.gmi", i);
    const int fd = ::open((dir / name).c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) continue;
    ++made;
    ::close(fd);
  }
  REQUIRE(made == huge_files);
}

// Listing builds per directory, as the server reports them.
struct build_counter {
  std::mutex mutex;
  std::map<std::string, int> builds;
  void count(const fs::path& dir) {
    const std::lock_guard lock(mutex);
    ++builds[dir.filename().string()];
  }
  int of(const std::string& name) {
    const std::lock_guard lock(mutex);
    return builds[name];
  }
};

const std::vector<std::pair<std::string, std::string>> capsule_files = {
    {"index.gmi", "# Home\n\n=> parent/big/ The big directory\n=> parent/ Its parent\n"},
    {"small.gmi", "# Small\nA small page.\n"},
};

const std::string note = "\n99000 more entries are not listed (a listing shows at most 1000).\n";

std::size_t count_lines_starting(const std::string& text, std::string_view prefix) {
  std::size_t n = 0;
  for (std::size_t at = 0; at < text.size();) {
    const auto end = std::min(text.find('\n', at), text.size());
    if (std::string_view(text).substr(at, end - at).starts_with(prefix)) ++n;
    at = end + 1;
  }
  return n;
}

}  // namespace

TEST_CASE("huge directories: the listing is capped, built once for both protocols, never read by a link") {
  build_counter counter;
  server_hooks hooks;
  hooks.before_listing_build = [&](const fs::path& dir) { counter.count(dir); };
  auto srv = test::start_one_host_server("huge-listing", capsule_files, {}, hooks);
  make_huge_directory(srv->dir / "root" / "parent" / "big");
  const test::open_watch big_read(srv->dir / "root" / "parent" / "big");

  // Pages and menus that only link to it: the home page as a Gopher menu,
  // the parent's generated listing on both protocols.
  const auto home = srv->gopher("/\r\n");
  CHECK(home.find("1The big directory\t/parent/big/\t") != std::string::npos);
  const auto parent_menu = srv->gopher("/parent/\r\n");
  CHECK(parent_menu.find("1big/\t/parent/big/\t") != std::string::npos);
  CHECK(srv->get(srv->base() + "/parent/\r\n").body.find("=> big/ big/\n") != std::string::npos);
  CHECK(counter.of("parent") == 1);
  CHECK(counter.of("big") == 0);
  CHECK(big_read.opened().empty());  // not even readdir

  const auto first = srv->get(srv->base() + "/parent/big/\r\n");
  REQUIRE(first.status == 20);
  CHECK(first.body.starts_with("# Index of /parent/big/\n\n=> ../ ..\n=> f000000.gmi f000000.gmi\n"));
  CHECK(count_lines_starting(first.body, "=> ") == 1 + 1000);  // "..", then the first 1000
  CHECK(first.body.find("=> f000999.gmi f000999.gmi\n") != std::string::npos);
  CHECK(first.body.find("f001000.gmi") == std::string::npos);
  CHECK(first.body.ends_with(note));
  CHECK_FALSE(big_read.opened().empty());

  // Again, and over Gopher: the same listing, not built again.
  CHECK(srv->get(srv->base() + "/parent/big/\r\n").body == first.body);
  const auto menu = srv->gopher("/parent/big/\r\n");
  CHECK(count_lines_starting(menu, "0f") == 1000);
  CHECK(menu.find("i99000 more entries are not listed (a listing shows at most 1000).\t") !=
        std::string::npos);
  CHECK(counter.of("big") == 1);
}

TEST_CASE("huge directories: other clients are answered while a listing is being built") {
  // The build of the big listing is held until the other requests are
  // answered: with builds on the event loop they would wait for it (and the
  // hold would run out first, which the checks below see).
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> held{false};
  build_counter counter;
  server_hooks hooks;
  hooks.before_listing_build = [&](const fs::path& dir) {
    counter.count(dir);
    if (dir.filename() != "big" || counter.of("big") != 1) return;
    held = true;
    entered.set_value();
    released.wait_for(5s);
    held = false;
  };
  auto srv = test::start_one_host_server("huge-busy", capsule_files, {}, hooks);
  make_huge_directory(srv->dir / "root" / "parent" / "big");

  // One client fetches the big listing in a loop; its first fetch waits for the build.
  constexpr int loops = 20;
  auto looping = std::async(std::launch::async, [&] {
    std::vector<client::gemini_reply> replies;
    for (int i = 0; i < loops; ++i) replies.push_back(srv->get(srv->base() + "/parent/big/\r\n"));
    return replies;
  });
  REQUIRE(entered.get_future().wait_for(10s) == std::future_status::ready);

  // Meanwhile another client: pages never fetched before (cache misses, so
  // built too) on both protocols, and the home page.
  const auto small = srv->get(srv->base() + "/small.gmi\r\n");
  const auto small_gopher = srv->gopher("/small.gmi\r\n");
  const auto home = srv->get(srv->base() + "/\r\n");
  const bool answered_while_held = held;
  release.set_value();
  CHECK(answered_while_held);
  CHECK(small.status == 20);
  CHECK(small.body == "# Small\nA small page.\n");
  CHECK(small_gopher.find("A small page.") != std::string::npos);
  CHECK(home.status == 20);

  // And while the loop goes on (from the cache now).
  for (int i = 0; i < loops; ++i) CHECK(srv->get(srv->base() + "/small.gmi\r\n").status == 20);
  const auto replies = looping.get();
  for (const auto& r : replies) {
    CHECK(r.status == 20);
    CHECK(r.body.ends_with(note));
    CHECK(r.body == replies.front().body);
  }
  CHECK(counter.of("big") == 1);
}
