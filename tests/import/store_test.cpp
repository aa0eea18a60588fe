#include "twinstar/import/store.hpp"

#include <doctest/doctest.h>

#include <map>

#include "support.hpp"
#include "twinstar/import/source.hpp"

using namespace twinstar;
using namespace twinstar::news;

namespace {

article make(std::string title, std::string url, std::string text = "Body.") {
  article a;
  a.title = std::move(title);
  a.date = "2024-01-02";
  a.source_name = "Wire";
  a.source_url = std::move(url);
  a.body = {{gemtext::line_kind::text, std::move(text), ""}};
  return a;
}

std::vector<planned_write> plan_in(const std::filesystem::path& dir, const std::vector<article>& articles) {
  auto existing = scan_directory(dir);
  REQUIRE(existing.ok());
  return plan_writes(existing.value(), articles);
}

void apply_in(const std::filesystem::path& dir, const std::vector<planned_write>& plan) {
  const apply_report written = apply_writes(dir, plan, std::chrono::system_clock::now());
  REQUIRE_MESSAGE(written.ok(), (written.ok() ? "" : written.errors.front().to_string()));
}

// Issue 15.6a: a feed without <link>s repeats a title every day.
article dated(std::string title, std::string date, std::string text) {
  article a = make(std::move(title), "", std::move(text));
  a.date = std::move(date);
  return a;
}

std::vector<std::string> article_files(const std::filesystem::path& dir) {
  std::vector<std::string> names = test::list_dir(dir);
  std::erase_if(names, [](const std::string& name) { return name.starts_with('.'); });
  return names;
}

// An RSS document from a channel link and <item> bodies.
std::vector<article> rss_items(const std::string& channel_link, const std::string& items) {
  const std::string xml = "<rss version=\"2.0\"><channel><title>Wire</title><link>" + channel_link +
                          "</link>" + items + "</channel></rss>";
  auto imported = import_document(xml, "feed.xml", {});
  REQUIRE_MESSAGE(imported.ok(), (imported.ok() ? "" : imported.error().to_string()));
  return imported.value();
}

std::string rss_item(const std::string& title, const std::string& day, const std::string& link = "") {
  return "<item><title>" + title + "</title>" + (link.empty() ? "" : "<link>" + link + "</link>") +
         "<pubDate>" + day + " Sep 2025 08:00:00 GMT</pubDate><description>" + title + " of the " + day +
         ".</description></item>";
}

// A plan as "ACTION NAME" lines, to compare with a table.
std::vector<std::string> steps(const std::vector<planned_write>& plan) {
  std::vector<std::string> out;
  for (const planned_write& w : plan) {
    const char* action = w.action == write_action::create   ? "create"
                         : w.action == write_action::update ? "update"
                                                            : "unchanged";
    out.push_back(std::string(action) + " " + w.name);
  }
  return out;
}

using step_list = std::vector<std::string>;

// Every entry of `dir`: a file's content, "<directory>" for a directory.
std::map<std::string, std::string> entries(const std::filesystem::path& dir) {
  std::map<std::string, std::string> out;
  for (const std::string& name : test::list_dir(dir)) {
    out[name] = std::filesystem::is_directory(dir / name) ? "<directory>" : test::read_file(dir / name);
  }
  return out;
}

}  // namespace

TEST_CASE("store: names are DATE-SLUG.gmi / collisions numbered / duplicates skipped") {
  const auto plan =
      plan_writes({}, {make("Same Title", "https://e.com/1"), make("Same Title", "https://e.com/2"),
                       make("Same Title", "https://e.com/3"), make("Same Title", "https://e.com/1")});
  REQUIRE(plan.size() == 3);  // the last repeats the first
  CHECK(plan[0].name == "2024-01-02-same-title.gmi");
  CHECK(plan[1].name == "2024-01-02-same-title-2.gmi");
  CHECK(plan[2].name == "2024-01-02-same-title-3.gmi");
  for (const auto& w : plan) CHECK(w.action == write_action::create);
}

TEST_CASE("store: re-importing the same item updates it in place") {
  test::temp_dir dir;
  apply_in(dir.path(), plan_in(dir.path(), {make("Story", "https://e.com/s")}));
  const auto file = dir.path() / "2024-01-02-story.gmi";
  const std::string first = test::read_file(file);
  const auto mtime = std::filesystem::last_write_time(file);

  // Same content: nothing to write, the file is not touched.
  auto again = plan_in(dir.path(), {make("Story", "https://e.com/s")});
  REQUIRE(again.size() == 1);
  CHECK(again[0].action == write_action::unchanged);
  const apply_report written = apply_writes(dir.path(), again, std::chrono::system_clock::now());
  REQUIRE(written.ok());
  CHECK(written.written.empty());
  CHECK(std::filesystem::last_write_time(file) == mtime);

  // Edited title and text, same URL: the same file is rewritten.
  auto edited = plan_in(dir.path(), {make("Story (updated)", "https://e.com/s", "New body.")});
  REQUIRE(edited.size() == 1);
  CHECK(edited[0].name == "2024-01-02-story.gmi");
  CHECK(edited[0].action == write_action::update);
  apply_in(dir.path(), edited);
  CHECK(test::read_file(file) != first);
  CHECK(test::read_file(file).find("New body.") != std::string::npos);
  CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"2024-01-02-story.gmi"});
}

TEST_CASE("store: an existing article is found whatever its file name") {
  test::temp_dir dir;
  test::write_file(dir.path() / "hand-named.gmi", render_gemtext(make("Story", "https://e.com/s")));
  const auto plan = plan_in(dir.path(), {make("Story", "https://e.com/s", "Changed.")});
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].name == "hand-named.gmi");
  CHECK(plan[0].action == write_action::update);
}

TEST_CASE("store: a different article under the same name gets -2") {
  test::temp_dir dir;
  test::write_file(dir.path() / "2024-01-02-story.gmi",
                   render_gemtext(make("Story", "https://other.example/x")));
  test::write_file(dir.path() / "2024-01-02-story-2.gmi", "not an article at all\n");
  const auto plan = plan_in(dir.path(), {make("Story", "https://e.com/s")});
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].name == "2024-01-02-story-3.gmi");
  CHECK(plan[0].action == write_action::create);
}

TEST_CASE("store: front-page source URLs identify by title as well") {
  test::temp_dir dir;
  apply_in(dir.path(), plan_in(dir.path(), {make("First", "https://www.rt.com/"),
                                            make("Second", "https://www.rt.com/")}));
  CHECK(test::list_dir(dir.path()) ==
        std::vector<std::string>{"2024-01-02-first.gmi", "2024-01-02-second.gmi"});
}

TEST_CASE("store: link-less items with one title on different days are different articles") {
  test::temp_dir dir;
  const article monday = dated("Daily briefing", "2024-01-01", "Monday.");
  const article tuesday = dated("Daily briefing", "2024-01-02", "Tuesday.");

  // Both in one feed: neither is dropped.
  CHECK(steps(plan_in(dir.path(), {monday, tuesday})) ==
        step_list{"create 2024-01-01-daily-briefing.gmi", "create 2024-01-02-daily-briefing.gmi"});

  // One a day: Tuesday's does not overwrite Monday's.
  apply_in(dir.path(), plan_in(dir.path(), {monday}));
  const auto next_day = plan_in(dir.path(), {tuesday});
  CHECK(steps(next_day) == step_list{"create 2024-01-02-daily-briefing.gmi"});
  apply_in(dir.path(), next_day);
  CHECK(test::read_file(dir.path() / "2024-01-01-daily-briefing.gmi").find("Monday.") != std::string::npos);

  // Both again: both recognised, nothing rewritten.
  CHECK(steps(plan_in(dir.path(), {tuesday, monday})) ==
        step_list{"unchanged 2024-01-02-daily-briefing.gmi", "unchanged 2024-01-01-daily-briefing.gmi"});

  // Monday's edited later that day: updated in place.
  CHECK(steps(plan_in(dir.path(), {dated("Daily briefing", "2024-01-01", "Monday, corrected.")})) ==
        step_list{"update 2024-01-01-daily-briefing.gmi"});
}

TEST_CASE("store: link-less items with one title and day but different text are never merged") {
  test::temp_dir dir;
  const article morning = dated("Update", "2024-01-01", "Morning.");
  const article evening = dated("Update", "2024-01-01", "Evening.");
  const auto first = plan_in(dir.path(), {morning, evening, morning});  // the repeat is one article
  CHECK(steps(first) == step_list{"create 2024-01-01-update.gmi", "create 2024-01-01-update-2.gmi"});
  apply_in(dir.path(), first);

  CHECK(steps(plan_in(dir.path(), {evening, morning})) ==
        step_list{"unchanged 2024-01-01-update-2.gmi", "unchanged 2024-01-01-update.gmi"});

  // Which of the two changed cannot be told: the changed one is a new file,
  // both old ones stay.
  CHECK(steps(plan_in(dir.path(), {dated("Update", "2024-01-01", "Evening, corrected."), morning})) ==
        step_list{"create 2024-01-01-update-3.gmi", "unchanged 2024-01-01-update.gmi"});
}

TEST_CASE("store: feed items that share a link are not one article") {
  test::temp_dir dir;
  SUBCASE("link-less items fall back to a channel link that is not a front page") {
    const auto items = rss_items("https://e.com/news/",
                                 rss_item("Rates held", "01") + rss_item("Rates cut", "02") +
                                     rss_item("Daily briefing", "01") + rss_item("Daily briefing", "02"));
    REQUIRE(items.size() == 4);
    CHECK(items[0].source_url == "https://e.com/news/");
    apply_in(dir.path(), plan_in(dir.path(), items));
    CHECK(article_files(dir.path()).size() == 4);
    // One a day, as a feed that keeps only its newest item.
    apply_in(dir.path(), plan_in(dir.path(), rss_items("https://e.com/news/", rss_item("Rates up", "03"))));
    CHECK(article_files(dir.path()).size() == 5);
  }
  SUBCASE("every item links to the same section page") {
    const auto items = rss_items("https://e.com/", rss_item("One", "01", "https://e.com/news/") +
                                                       rss_item("Two", "01", "https://e.com/news/"));
    apply_in(dir.path(), plan_in(dir.path(), items));
    CHECK(article_files(dir.path()) == std::vector<std::string>{"2025-09-01-one.gmi", "2025-09-01-two.gmi"});
  }
  // Still one article: an item listed twice, an item whose title changed.
  const auto twice = rss_items("https://e.com/", rss_item("Story", "01", "https://e.com/s") +
                                                     rss_item("Story", "01", "https://e.com/s"));
  CHECK(plan_writes({}, twice).size() == 1);
}

// A directory (or a dangling symlink) named like an article: every later
// run failed writing there instead of choosing another name.
TEST_CASE("store: a name held by a directory or a dangling link is not planned over") {
  test::temp_dir dir;
  std::filesystem::create_directory(dir.path() / "2024-01-02-story.gmi");
  std::filesystem::create_symlink("nowhere", dir.path() / "2024-01-02-story-2.gmi");
  const auto plan = plan_in(dir.path(), {make("Story", "https://e.com/s")});
  CHECK(steps(plan) == step_list{"create 2024-01-02-story-3.gmi"});
  apply_in(dir.path(), plan);
  CHECK(std::filesystem::is_directory(dir.path() / "2024-01-02-story.gmi"));
}

TEST_CASE("store: scanning skips index.gmi / dotfiles / other files / lists directories by name") {
  test::temp_dir dir;
  test::write_file(dir.path() / "index.gmi", render_gemtext(make("Story", "https://e.com/s")));
  test::write_file(dir.path() / ".hidden.gmi", "# x\n");
  test::write_file(dir.path() / "notes.txt", "# x\n");
  std::filesystem::create_directory(dir.path() / "sub.gmi");
  test::write_file(dir.path() / "a.gmi", "# A\n");
  auto files = scan_directory(dir.path());
  REQUIRE(files.ok());
  std::sort(files->begin(), files->end(), [](const auto& x, const auto& y) { return x.name < y.name; });
  REQUIRE(files->size() == 2);
  CHECK(files->at(0).name == "a.gmi");
  CHECK(files->at(0).content == "# A\n");
  CHECK(files->at(1).name == "sub.gmi");  // its name is taken
  CHECK(files->at(1).content.empty());
  auto missing = scan_directory(dir.path() / "nope");
  REQUIRE(missing.ok());
  CHECK(missing->empty());
}

TEST_CASE("store: atomic writes leave no temporary files / even when they fail") {
  test::temp_dir dir;
  REQUIRE(write_atomically(dir.path() / "a.gmi", "one\n").ok());
  REQUIRE(write_atomically(dir.path() / "a.gmi", "two\n").ok());
  CHECK(test::read_file(dir.path() / "a.gmi") == "two\n");

  // The rename fails: a directory holds the name. The temporary file goes.
  std::filesystem::create_directory(dir.path() / "b.gmi");
  auto blocked = write_atomically(dir.path() / "b.gmi", "content\n");
  REQUIRE_FALSE(blocked.ok());
  CHECK(blocked.error().message.find("rename") != std::string::npos);
  CHECK(std::filesystem::is_directory(dir.path() / "b.gmi"));

  // The temporary file cannot even be created.
  auto nowhere = write_atomically(dir.path() / "missing" / "c.gmi", "content\n");
  REQUIRE_FALSE(nowhere.ok());

  CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"a.gmi", "b.gmi"});
}

// Issue 15.6b: the plan is made, then another process takes a name before
// the writes. Whatever this run renamed into place is restored.
TEST_CASE("store: a write failing part-way is rolled back / a create never replaces a file") {
  test::temp_dir dir;
  apply_in(dir.path(), plan_in(dir.path(), {make("Old", "https://e.com/old")}));
  const auto plan =
      plan_in(dir.path(), {make("Old", "https://e.com/old", "Edited."), make("New one", "https://e.com/1"),
                           make("New two", "https://e.com/2")});
  REQUIRE(plan.size() == 3);
  CHECK(plan[0].action == write_action::update);
  CHECK(plan[2].name == "2024-01-02-new-two.gmi");
  SUBCASE("a directory where the last file goes") {
    std::filesystem::create_directory(dir.path() / plan[2].name);
  }
  SUBCASE("a file written there by someone else") {
    test::write_file(dir.path() / plan[2].name, "# Someone else's\n");
  }
  const auto before = entries(dir.path());
  const apply_report written = apply_writes(dir.path(), plan, std::chrono::system_clock::now());
  REQUIRE(written.errors.size() == 1);
  CHECK(written.errors[0].file == (dir.path() / plan[2].name).string());
  CHECK(written.errors[0].message.starts_with("cannot rename into place: "));
  CHECK(written.written.empty());
  CHECK(written.rolled_back == 2);
  CHECK(failure_summary(written) == "nothing written (2 file(s) restored)");
  CHECK(entries(dir.path()) == before);  // the update undone, no new file, no temporary left
}

// Issue 15.6c: a run killed between writing a temporary file and renaming
// it leaves the temporary behind.
TEST_CASE("store: a killed run's temporaries are removed once stale / a running one's stay") {
  test::temp_dir dir;
  const std::vector<std::string> ours = {".2024-01-02-story.gmi.tmp-4242-123456",
                                         "..mirror-state.tmp-4242-99"};
  for (const std::string& name : ours) test::write_file(dir.path() / name, "half written");
  // Not of our naming, or not a regular file: never touched.
  const std::vector<std::string> others = {".notes.tmp-x", ".tmp-1-2", "story.gmi.tmp-1-2",
                                           ".story.gmi.tmp-1-"};
  for (const std::string& name : others) test::write_file(dir.path() / name, "someone else's");
  std::filesystem::create_directory(dir.path() / ".dir.gmi.tmp-1-2");
  const auto before = entries(dir.path());
  const auto now = std::chrono::system_clock::now();

  SUBCASE("fresh: perhaps a run at work in the same directory") {
    const apply_report report = apply_writes(dir.path(), {}, now);
    CHECK(report.removed_temporaries.empty());
    CHECK(entries(dir.path()) == before);
  }
  SUBCASE("stale") {
    const apply_report report =
        apply_writes(dir.path(), {}, now + stale_temporary_age + std::chrono::minutes(1));
    CHECK(report.ok());
    CHECK(report.removed_temporaries == std::vector<std::string>{"..mirror-state.tmp-4242-99", ours[0]});
    auto expected = before;
    for (const std::string& name : ours) expected.erase(name);
    CHECK(entries(dir.path()) == expected);
  }
}

TEST_CASE("store: one malformed source means nothing is written") {
  test::temp_dir dir;
  const auto good = dir.path() / "2024-05-06-good.txt";
  const auto bad = dir.path() / "2024-05-06-bad.txt";
  test::write_file(good, "Good Title\nText.\n");
  test::write_file(bad, "Bad Title\nbroken \xC3\n");
  const auto out = dir.path() / "out";
  const import_report report = import_into({good, bad}, out, {}, false);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].to_string() == bad.string() + ":2:8: invalid UTF-8 (or a NUL byte)");
  CHECK(report.plan.empty());
  CHECK_FALSE(std::filesystem::exists(out));

  const import_report dry = import_into({good}, out, {}, true);
  CHECK(dry.errors.empty());
  REQUIRE(dry.plan.size() == 1);
  CHECK(dry.plan[0].name == "2024-05-06-good-title.gmi");
  CHECK_FALSE(std::filesystem::exists(out));

  const import_report real = import_into({good}, out, {}, false);
  CHECK(real.errors.empty());
  CHECK(real.applied.written == std::vector<std::string>{"2024-05-06-good-title.gmi"});
  CHECK(test::list_dir(out) == std::vector<std::string>{"2024-05-06-good-title.gmi"});
}

TEST_CASE("store: a new file takes its source's publication time and a rewrite takes now") {
  test::temp_dir dir;
  const auto mtime_of = [](const std::filesystem::path& file) {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::file_clock::to_sys(std::filesystem::last_write_time(file)).time_since_epoch())
        .count();
  };
  article timed = make("Story", "https://e.com/s");
  timed.published = 1'704'191'472;  // 2024-01-02T10:31:12Z
  article future = make("Later", "https://e.com/later");
  future.published = std::chrono::duration_cast<std::chrono::seconds>(
                         (std::chrono::system_clock::now() + std::chrono::hours(48)).time_since_epoch())
                         .count();
  const auto plan = plan_in(dir.path(), {timed, future, make("Untimed", "https://e.com/u")});
  REQUIRE(plan.size() == 3);
  CHECK(plan[0].mtime == timed.published);
  const auto before =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  apply_in(dir.path(), plan);
  CHECK(mtime_of(dir.path() / "2024-01-02-story.gmi") == 1'704'191'472);
  CHECK(mtime_of(dir.path() / "2024-01-02-later.gmi") >= before - 1);  // never in the future
  CHECK(mtime_of(dir.path() / "2024-01-02-untimed.gmi") >= before - 1);

  // Rewritten: the file is newer than its publication time.
  timed.body = {{gemtext::line_kind::text, "Corrected.", ""}};
  const auto again = plan_in(dir.path(), {timed});
  REQUIRE(again.size() == 1);
  CHECK(again[0].action == write_action::update);
  CHECK_FALSE(again[0].mtime.has_value());
  apply_in(dir.path(), again);
  CHECK(mtime_of(dir.path() / "2024-01-02-story.gmi") >= before - 1);
}
