#include "twinstar/import/mirror.hpp"

#include <doctest/doctest.h>

#include <condition_variable>
#include <future>

#include "http_fixture.hpp"
#include "support.hpp"
#include "twinstar/import/store.hpp"

using namespace twinstar;
using namespace twinstar::news;
using outcome = poll_result::outcome;

namespace {

constexpr const char* last_modified = "Tue, 02 Sep 2025 10:00:00 GMT";

std::string item(const std::string& n, const std::string& title, const std::string& text) {
  return "<item><title>" + title + "</title><link>items/" + n + "</link><guid>items/" + n +
         "</guid><pubDate>Tue, 02 Sep 2025 0" + n + ":00:00 GMT</pubDate><description>&lt;p&gt;" + text +
         "&lt;/p&gt;</description></item>";
}

std::string rss(const std::string& items) {
  return "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Fixture News</title>"
         "<link>http://fixture.invalid/</link>" +
         items + "</channel></rss>";
}

// A feed server with a current version: 200 with validators, 304 when the
// client already has it.
struct feed_server {
  std::mutex mutex;
  std::string etag = "\"v1\"";
  std::string body = rss(item("1", "Moscow Talks Begin", "One.") + item("2", "Beijing Parade Held", "Two.") +
                         item("3", "Weather: Sunny", "Three."));
  int status = 200;
  test::http_fixture http{[this](const test::http_request& r) { return reply(r); }};

  test::http_reply reply(const test::http_request& request) {
    std::lock_guard lock(mutex);
    if (status != 200) return {status, "server error", {}};
    const auto match = request.headers.find("if-none-match");
    if (match != request.headers.end() && match->second == etag) return {304, "", {{"ETag", etag}}};
    return {200,
            body,
            {{"ETag", etag}, {"Last-Modified", last_modified}, {"Content-Type", "application/rss+xml"}}};
  }
  void set(std::string new_etag, std::string new_body) {
    std::lock_guard lock(mutex);
    etag = std::move(new_etag);
    body = std::move(new_body);
  }
};

mirror_config config_for(const std::string& url, const std::filesystem::path& into) {
  mirror_config c;
  c.url = url;
  c.into = into;
  return c;
}

poll_options options() {
  poll_options o;
  o.today = "2025-09-03";
  o.timeout = std::chrono::seconds(20);
  return o;
}

// File name -> content of every article in `dir`.
std::map<std::string, std::string> snapshot(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& name : test::list_dir(dir)) files[name] = test::read_file(dir / name);
  return files;
}

}  // namespace

TEST_CASE("mirror: first poll imports / second gets 304 and rewrites nothing") {
  feed_server server;
  test::temp_dir dir;
  const mirror_config feed = config_for(server.http.url("/feed.xml"), dir.path() / "news");

  const poll_result first = poll_feed(feed, options());
  CAPTURE(first.message);
  REQUIRE(first.kind == outcome::imported);
  CHECK(first.created == 3);
  CHECK(first.to_string(feed.url) == "mirror " + feed.url + ": 3 new, 0 updated, 0 unchanged");
  const auto names = test::list_dir(feed.into);
  CHECK(names == std::vector<std::string>{".mirror-state", "2025-09-02-beijing-parade-held.gmi",
                                          "2025-09-02-moscow-talks-begin.gmi",
                                          "2025-09-02-weather-sunny.gmi"});
  const std::string article = test::read_file(feed.into / "2025-09-02-moscow-talks-begin.gmi");
  CHECK(article == "# Moscow Talks Begin\n\n2025-09-02 \u00B7 Source: Fixture News\n\nOne.\n\n=> " +
                       server.http.url("/items/1") + " Source: Fixture News\n=> ./ More news\n=> / Home\n");
  const mirror_state state = parse_mirror_state(test::read_file(feed.into / ".mirror-state"));
  REQUIRE(state.contains(feed.url));
  CHECK(state.at(feed.url).etag == "\"v1\"");
  CHECK(state.at(feed.url).last_modified == last_modified);

  const auto before = snapshot(feed.into);
  const auto mtime = std::filesystem::last_write_time(feed.into / "2025-09-02-moscow-talks-begin.gmi");
  const poll_result second = poll_feed(feed, options());
  CHECK(second.kind == outcome::not_modified);
  const auto requests = server.http.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].headers.count("if-none-match") == 0);
  CHECK(requests[1].headers.at("if-none-match") == "\"v1\"");
  CHECK(requests[1].headers.at("if-modified-since") == last_modified);
  CHECK(snapshot(feed.into) == before);
  CHECK(std::filesystem::last_write_time(feed.into / "2025-09-02-moscow-talks-begin.gmi") == mtime);
}

TEST_CASE("mirror: a changed feed adds new items and updates changed ones in place") {
  feed_server server;
  test::temp_dir dir;
  const mirror_config feed = config_for(server.http.url("/feed.xml"), dir.path());
  REQUIRE(poll_feed(feed, options()).kind == outcome::imported);
  server.set("\"v2\"",
             rss(item("4", "Fresh Story", "Four.") + item("1", "Moscow Talks Begin", "One, revised.") +
                 item("2", "Beijing Parade Held", "Two.") + item("3", "Weather: Sunny", "Three.")));
  const poll_result changed = poll_feed(feed, options());
  REQUIRE(changed.kind == outcome::imported);
  CHECK(changed.created == 1);
  CHECK(changed.updated == 1);
  CHECK(changed.unchanged == 2);
  CHECK(test::read_file(dir.path() / "2025-09-02-moscow-talks-begin.gmi").find("One, revised.") !=
        std::string::npos);
  CHECK(test::list_dir(dir.path()).size() == 5);  // 4 articles and the state file
}

TEST_CASE("mirror: failures are reported and leave existing articles untouched") {
  feed_server server;
  test::temp_dir dir;
  const mirror_config feed = config_for(server.http.url("/feed.xml"), dir.path());
  REQUIRE(poll_feed(feed, options()).kind == outcome::imported);
  const auto before = snapshot(dir.path());

  SUBCASE("HTTP 500") {
    {
      std::lock_guard lock(server.mutex);
      server.status = 500;
    }
    const poll_result failed = poll_feed(feed, options());
    CHECK(failed.kind == outcome::failed);
    CHECK(failed.message == "HTTP status 500");
    CHECK(failed.to_string(feed.url) == "mirror " + feed.url + ": failed: HTTP status 500");
  }
  SUBCASE("malformed feed") {
    server.set("\"v3\"",
               "<?xml version=\"1.0\"?>\n<rss><channel><title>Broken</title>\n<item></channel></rss>");
    const poll_result failed = poll_feed(feed, options());
    CHECK(failed.kind == outcome::failed);
    CHECK(failed.message.starts_with(feed.url + ":3:"));
  }
  SUBCASE("connection refused") {
    // A port that was just free: nothing listens there.
    std::uint16_t port = 0;
    {
      test::http_fixture closed([](const test::http_request&) { return test::http_reply{}; });
      port = closed.port();
    }
    const mirror_config gone =
        config_for("http://127.0.0.1:" + std::to_string(port) + "/feed.xml", dir.path());
    const poll_result failed = poll_feed(gone, options());
    CHECK(failed.kind == outcome::failed);
    CHECK_FALSE(failed.message.empty());
  }
  CHECK(snapshot(dir.path()) == before);
}

// Issue 15.6a through the mirror: a link-less "Daily briefing" a day.
TEST_CASE("mirror: link-less items with a repeated title are all kept, day after day") {
  auto briefing = [](const std::string& day, const std::string& text) {
    return "<item><title>Daily briefing</title><pubDate>Tue, " + day +
           " Sep 2025 06:00:00 GMT</pubDate><description>" + text + "</description></item>";
  };
  feed_server server;
  server.set("\"d1\"", rss(briefing("01", "Monday's news.") + briefing("02", "Tuesday's news.")));
  test::temp_dir dir;
  const mirror_config feed = config_for(server.http.url("/feed.xml"), dir.path());
  const poll_result first = poll_feed(feed, options());
  CAPTURE(first.message);
  REQUIRE(first.kind == outcome::imported);
  CHECK(first.created == 2);

  // The next day the feed drops Monday's and adds Wednesday's.
  server.set("\"d2\"", rss(briefing("03", "Wednesday's news.") + briefing("02", "Tuesday's news.")));
  const poll_result second = poll_feed(feed, options());
  REQUIRE(second.kind == outcome::imported);
  CHECK(second.created == 1);
  CHECK(second.updated == 0);
  CHECK(second.unchanged == 1);
  const auto files = snapshot(dir.path());
  CHECK(files.size() == 4);  // three articles and the state file
  for (const auto& [day, text] : std::map<std::string, std::string>{
           {"01", "Monday's news."}, {"02", "Tuesday's news."}, {"03", "Wednesday's news."}}) {
    CAPTURE(day);
    const auto found = files.find("2025-09-" + day + "-daily-briefing.gmi");
    REQUIRE(found != files.end());
    CHECK(found->second.find(text) != std::string::npos);
  }
}

// Issue 15.6c through the mirror: a poll killed mid-write.
TEST_CASE("mirror: a poll removes the stale temporaries of a killed one") {
  feed_server server;
  test::temp_dir dir;
  const mirror_config feed = config_for(server.http.url("/feed.xml"), dir.path());
  test::write_file(dir.path() / ".2025-09-02-moscow-talks-begin.gmi.tmp-77-1", "# Moscow Ta");
  test::write_file(dir.path() / "..mirror-state.tmp-77-2", "");
  poll_options later = options();
  later.now = std::chrono::system_clock::now() + stale_temporary_age + std::chrono::minutes(1);
  const poll_result r = poll_feed(feed, later);
  CAPTURE(r.message);
  REQUIRE(r.kind == outcome::imported);
  CHECK(r.removed_temporaries == 2);
  CHECK(r.to_string(feed.url) ==
        "mirror " + feed.url + ": 3 new, 0 updated, 0 unchanged, 2 stale temporary file(s) removed");
  CHECK(test::list_dir(dir.path()) ==
        std::vector<std::string>{".mirror-state", "2025-09-02-beijing-parade-held.gmi",
                                 "2025-09-02-moscow-talks-begin.gmi", "2025-09-02-weather-sunny.gmi"});
}

TEST_CASE("mirror: max_items and include/exclude") {
  feed_server server;
  test::temp_dir dir;
  mirror_config feed = config_for(server.http.url("/feed.xml"), dir.path());

  SUBCASE("max_items takes the first items in document order") {
    feed.max_items = 2;
    const poll_result r = poll_feed(feed, options());
    REQUIRE(r.kind == outcome::imported);
    CHECK(r.created == 2);
    CHECK(test::list_dir(dir.path()) == std::vector<std::string>{".mirror-state",
                                                                 "2025-09-02-beijing-parade-held.gmi",
                                                                 "2025-09-02-moscow-talks-begin.gmi"});
  }
  SUBCASE("include and exclude match title substrings, ignoring case") {
    feed.include = {"moscow", "BEIJING"};
    feed.exclude = {"parade"};
    const poll_result r = poll_feed(feed, options());
    REQUIRE(r.kind == outcome::imported);
    CHECK(r.created == 1);
    CHECK(r.filtered == 2);
    CHECK(test::list_dir(dir.path()) ==
          std::vector<std::string>{".mirror-state", "2025-09-02-moscow-talks-begin.gmi"});
  }
}

TEST_CASE("mirror: title rules") {
  mirror_config feed;
  CHECK(title_selected(feed, "anything"));
  feed.include = {"Putin"};
  CHECK(title_selected(feed, "putin meets xi"));
  CHECK_FALSE(title_selected(feed, "weather"));
  feed.exclude = {"sport"};
  CHECK_FALSE(title_selected(feed, "Putin at the SPORTS final"));
}

TEST_CASE("mirror: state file round trip") {
  mirror_state state;
  state["https://a.example/feed"] = {"\"etag\"", "Tue, 02 Sep 2025 10:00:00 GMT"};
  state["https://b.example/rss"] = {"", ""};
  const std::string text = format_mirror_state(state);
  CHECK(parse_mirror_state(text).size() == 2);
  CHECK(parse_mirror_state(text).at("https://a.example/feed").etag == "\"etag\"");
  CHECK(parse_mirror_state("garbage\n\tno url\tx\n# comment\n").empty());
  mirror_state tricky;
  tricky["https://c.example/"] = {"a\tb\nc", "x"};
  CHECK(parse_mirror_state(format_mirror_state(tricky)).at("https://c.example/").etag == "a b c");
}

TEST_CASE("mirror: the runner polls on its thread and stops promptly") {
  feed_server server;
  test::temp_dir dir;
  mirror_config feed = config_for(server.http.url("/feed.xml"), dir.path());
  feed.interval = std::chrono::seconds(3600);

  std::mutex mutex;
  std::condition_variable logged;
  std::vector<std::string> lines;
  mirror_runner runner({feed}, [&](const std::string& line) {
    std::lock_guard lock(mutex);
    lines.push_back(line);
    logged.notify_all();
  });
  runner.start();
  {
    std::unique_lock lock(mutex);
    REQUIRE(logged.wait_for(lock, std::chrono::seconds(30), [&] { return !lines.empty(); }));
    CHECK(lines[0] == "mirror " + feed.url + ": 3 new, 0 updated, 0 unchanged");
  }
  const auto started = std::chrono::steady_clock::now();
  runner.stop();  // waiting for a poll an hour away
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  runner.stop();  // idempotent
  CHECK(test::list_dir(dir.path()).size() == 4);
}

TEST_CASE("mirror: stop() cancels a transfer in flight") {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> arrived;
  std::atomic<bool> arrived_once{false};
  test::http_fixture slow([&](const test::http_request&) {
    if (!arrived_once.exchange(true)) arrived.set_value();
    released.wait();  // the server hangs until the test ends
    return test::http_reply{200, rss(""), {}};
  });
  // Releases the hung server however the test ends, before it is joined.
  struct releaser {
    std::promise<void>& promise;
    bool done = false;
    ~releaser() {
      if (!done) promise.set_value();
    }
  } guard{release};
  test::temp_dir dir;
  mirror_runner runner({config_for(slow.url("/feed.xml"), dir.path())}, [](const std::string&) {});
  runner.start();
  REQUIRE(arrived.get_future().wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  const auto started = std::chrono::steady_clock::now();
  runner.stop();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  release.set_value();
  guard.done = true;
  CHECK(test::list_dir(dir.path()).empty());
}
