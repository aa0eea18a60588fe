#include "twinstar/feed.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../atom_check.hpp"

using namespace twinstar;
using namespace twinstar::feed;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& file, std::string_view content) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path fresh_temp_dir(std::string_view tag) {
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  auto dir = fs::temp_directory_path() /
             ("twinstar-" + std::string(tag) + "-" + std::to_string(::getpid()) + "-" + std::to_string(stamp));
  fs::create_directories(dir);
  return fs::canonical(dir);
}

// Midnight UTC of `day` as a file time.
fs::file_time_type file_time(std::chrono::year_month_day day) {
  // from_sys wants seconds: libstdc++ 12 fails to compile it for days.
  return fs::file_time_type::clock::from_sys(std::chrono::sys_seconds(std::chrono::sys_days(day)));
}

const std::string schema = TWINSTAR_TEST_DATA "/atom/atom.rng";
const feed_config news{"/news/", "News", "", 5, 300};

entry make_entry(std::string file, std::string date, std::string title, std::string summary = {}) {
  return {std::move(file), std::move(date), date_source::file_name, std::move(title), std::move(summary), {}};
}

// Five articles over three months, two on one day, one dated by its date line.
std::vector<entry> sample_entries() {
  std::vector<entry> entries = {
      make_entry("2025-08-31-end.gmi", "2025-08-31", "August's end"),
      make_entry("2025-09-01-b.gmi", "2025-09-01", "Bee"),
      make_entry("2025-09-02-putin-xi-wwii-legacy.gmi", "2025-09-02",
                 "Putin and Xi Issue Joint Statement on WWII Legacy", "On the eve of Beijing's parade."),
      make_entry("2025-09-01-a.gmi", "2025-09-01", "Ay"),
      make_entry("no date.gmi", "2024-12-25", "Spaces & <tags>", "Summary with \"quotes\" & <b>."),
  };
  entries.back().source = date_source::date_line;
  sort_newest_first(entries);
  return entries;
}

}  // namespace

TEST_CASE("feed: date_prefix accepts real calendar dates only") {
  struct row {
    const char* text;
    const char* date;  // nullptr = none
  };
  const std::vector<row> rows = {
      {"2025-09-02-putin-xi.gmi", "2025-09-02"},
      {"2025-09-02", "2025-09-02"},
      {"2025-09-02 \xc2\xb7 Source: RT", "2025-09-02"},
      {"2024-02-29-leap.gmi", "2024-02-29"},
      {"2000-02-29", "2000-02-29"},
      {"1900-02-29", nullptr},
      {"2025-02-29", nullptr},
      {"2025-04-31", nullptr},
      {"2025-13-01", nullptr},
      {"2025-00-10", nullptr},
      {"2025-09-00", nullptr},
      {"0000-01-01", nullptr},
      {"2025-09-021", nullptr},
      {"20250902-x.gmi", nullptr},
      {"2025-9-02-x.gmi", nullptr},
      {"2025/09/02", nullptr},
      {"x2025-09-02", nullptr},
      {"", nullptr},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto date = date_prefix(r.text);
    if (r.date == nullptr) {
      CHECK_FALSE(date.has_value());
    } else {
      CHECK(date == std::optional<std::string>(r.date));
    }
  }
}

TEST_CASE("feed: shorten cuts on a word boundary and marks the cut") {
  struct row {
    const char* text;
    std::size_t max;
    const char* expected;
  };
  const std::vector<row> rows = {
      {"short text", 300, "short text"},
      {"exactly ten", 11, "exactly ten"},
      {"one two three", 9, "one two\xe2\x80\xa6"},
      {"one two three", 7, "one two\xe2\x80\xa6"},
      {"one two three", 8, "one two\xe2\x80\xa6"},
      {"supercalifragilistic", 5, "super\xe2\x80\xa6"},
      {"caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9", 6, "caf\xc3\xa9\xe2\x80\xa6"},
      {"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 2, "\xc3\xa9\xc3\xa9\xe2\x80\xa6"},
      {"", 10, ""},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    CAPTURE(r.max);
    CHECK(shorten(r.text, r.max) == r.expected);
  }
}

TEST_CASE("feed: parse_article finds the title and date line and first paragraph") {
  struct row {
    const char* name;
    const char* text;
    const char* title;  // nullptr = none
    const char* date;   // nullptr = none
    const char* summary;
  };
  const std::vector<row> rows = {
      {"importer layout", "# Title\n\n2025-09-02 \xc2\xb7 Source: RT\n\nFirst para.\n\nSecond.\n", "Title",
       "2025-09-02", "First para."},
      {"Date: label", "# T\nDate: 2024-01-05\nBody text.\n", "T", "2024-01-05", "Body text."},
      {"Published: label", "# T\npublished: 2024-01-06\nBody.\n", "T", "2024-01-06", "Body."},
      {"no date line", "## Sub heading first\nJust text.\n", "Sub heading first", nullptr, "Just text."},
      {"hard-wrapped paragraph joined", "# T\nline one\nline two\n\nnext\n", "T", nullptr, "line one line two"},
      {"paragraph ends at a link", "# T\ntext\n=> x.gmi x\nmore\n", "T", nullptr, "text"},
      {"heading inside preformatted ignored", "```\n# not a title\n```\n# Real\nBody\n", "Real", nullptr, "Body"},
      {"no heading", "Only a paragraph.\n", nullptr, nullptr, "Only a paragraph."},
      {"CRLF", "# T\r\n2023-03-04\r\nBody\r\n", "T", "2023-03-04", "Body"},
      {"invalid date is text", "# T\n2025-02-30 not a date\n", "T", nullptr, "2025-02-30 not a date"},
      {"empty", "", nullptr, nullptr, ""},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    const auto head = parse_article(r.text, 300);
    if (r.title == nullptr) {
      CHECK_FALSE(head.title.has_value());
    } else {
      CHECK(head.title == std::optional<std::string>(r.title));
    }
    if (r.date == nullptr) {
      CHECK_FALSE(head.date.has_value());
    } else {
      CHECK(head.date == std::optional<std::string>(r.date));
    }
    CHECK(head.summary == r.summary);
  }
  CHECK(parse_article("# T\nSome body text\n", 0).summary.empty());
  CHECK(parse_article("# T\none two three four\n", 9).summary == "one two\xe2\x80\xa6");
}

TEST_CASE("feed: scanning a directory reads dates and titles and summaries from disk") {
  const auto dir = fresh_temp_dir("feed-scan");
  write_file(dir / "2025-09-02-named.gmi", "# From the name\n\n2020-01-01 \xc2\xb7 ignored\n\nSummary here.\n");
  write_file(dir / "dated-by-line.gmi", "# By line\n\n2025-08-15 \xc2\xb7 Source: X\n\nBody.\n");
  write_file(dir / "undated.gmi", "No heading at all.\n");
  write_file(dir / "other.gemini", "# Gemini extension\n");
  write_file(dir / "index.gmi", "# Hand-written index\n");
  write_file(dir / ".draft.gmi", "# Draft\n");
  write_file(dir / "notes.txt", "# Not gemtext\n");
  fs::create_directories(dir / "folder.gmi");
  fs::create_symlink(dir / "undated.gmi", dir / "link.gmi");
  fs::last_write_time(dir / "undated.gmi", file_time(std::chrono::year{2023} / std::chrono::March / 4));
  fs::last_write_time(dir / "other.gemini", file_time(std::chrono::year{2025} / std::chrono::August / 1));

  const auto listing = list_articles(dir, {"index.gmi"});
  std::vector<std::string> names;
  for (const auto& [name, stamp] : listing) names.push_back(name);
  CHECK(names == std::vector<std::string>{"2025-09-02-named.gmi", "dated-by-line.gmi", "other.gemini", "undated.gmi"});

  std::vector<entry> entries;
  for (const auto& [name, stamp] : listing) entries.push_back(read_entry(dir, name, stamp, 300));
  sort_newest_first(entries);
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].file == "2025-09-02-named.gmi");
  CHECK(entries[0].date == "2025-09-02");
  CHECK(entries[0].source == date_source::file_name);
  CHECK(entries[0].title == "From the name");
  CHECK(entries[0].summary == "Summary here.");
  CHECK(entries[1].file == "dated-by-line.gmi");
  CHECK(entries[1].date == "2025-08-15");
  CHECK(entries[1].source == date_source::date_line);
  CHECK(entries[1].title == "By line");
  CHECK(entries[3].file == "undated.gmi");
  CHECK(entries[3].date == "2023-03-04");
  CHECK(entries[3].source == date_source::mtime);
  CHECK(entries[3].title == "undated");  // the stem, without a heading
  CHECK(entries[3].summary == "No heading at all.");
  CHECK(entries[2].file == "other.gemini");
  CHECK(entries[2].date == "2025-08-01");
  CHECK(entries[2].title == "Gemini extension");
  fs::remove_all(dir);
}

TEST_CASE("feed: a long article is read only up to article_scan_bytes without cutting a character") {
  const auto dir = fresh_temp_dir("feed-long");
  std::string body = "# Long\n\n";
  while (body.size() < article_scan_bytes - 1) body += "x";
  body += "\xc3\xa9 tail beyond the window\n";  // the window ends inside the 2-byte character
  write_file(dir / "2025-01-01-long.gmi", body);
  const auto listing = list_articles(dir, {});
  REQUIRE(listing.size() == 1);
  const auto e = read_entry(dir, listing[0].first, listing[0].second, 100'000);
  CHECK(e.title == "Long");
  CHECK(e.summary.find("tail") == std::string::npos);
  CHECK(e.summary.back() == 'x');
  fs::remove_all(dir);
}

TEST_CASE("feed: newest first then by name and grouped by month (golden)") {
  const auto entries = sample_entries();
  std::vector<std::string> order;
  for (const auto& e : entries) order.push_back(e.file);
  CHECK(order == std::vector<std::string>{"2025-09-02-putin-xi-wwii-legacy.gmi", "2025-09-01-a.gmi",
                                          "2025-09-01-b.gmi", "2025-08-31-end.gmi", "no date.gmi"});
  const auto golden = read_file(TWINSTAR_TEST_DATA "/golden/feed/news.gmi");
  CHECK(render_index(news, entries) == golden);
}

TEST_CASE("feed: an empty feed says so and a feed at / has no home link") {
  CHECK(render_index(news, {}) == "# News\n\n=> atom.xml Atom feed\n\nNo articles yet.\n\n=> / Home\n");
  const feed_config root{"/", "Root", "", 5, 300};
  CHECK(render_index(root, {}).find("=> / Home") == std::string::npos);
}

TEST_CASE("feed: render_latest gives absolute subscribable link lines") {
  const auto entries = sample_entries();
  CHECK(render_latest(news, entries, 2) ==
        "=> /news/2025-09-02-putin-xi-wwii-legacy.gmi 2025-09-02 Putin and Xi Issue Joint Statement on WWII Legacy\n"
        "=> /news/2025-09-01-a.gmi 2025-09-01 Ay\n");
  CHECK(render_latest(news, entries, 100).find("=> /news/no%20date.gmi 2024-12-25 Spaces & <tags>\n") !=
        std::string::npos);
  CHECK(render_latest(news, {}, 5).empty());
  // A title with a control character cannot break the line.
  auto odd = make_entry("2025-01-01-x.gmi", "2025-01-01", "a\rb");
  CHECK(render_latest(news, {odd}, 1) == "=> /news/2025-01-01-x.gmi 2025-01-01 a?b\n");
}

TEST_CASE("feed: rfc3339 and xml_escape") {
  CHECK(rfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(rfc3339(1'756'771'200'999'999'999) == "2025-09-02T00:00:00Z");
  CHECK(rfc3339(1'756'812'345'000'000'000) == "2025-09-02T11:25:45Z");
  CHECK(xml_escape("a & b < c > d \"e\" 'f'") == "a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;");
  CHECK(xml_escape("caf\xc3\xa9 \xf0\x9f\x93\xb0") == "caf\xc3\xa9 \xf0\x9f\x93\xb0");
  CHECK(xml_escape("tab\tok\x01no") == "tab\tok\xef\xbf\xbdno");
  CHECK(xml_escape("\xff\xc3") == "\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(xml_escape("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");          // overlong '/'
  CHECK(xml_escape("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  CHECK(xml_escape("\xef\xbf\xbe") == "\xef\xbf\xbd");                  // U+FFFE is no XML Char
}

TEST_CASE("feed: the Atom document parses and satisfies RFC 4287") {
  auto entries = sample_entries();
  entries.push_back(make_entry("bad.gmi", "2020-01-01", "Bytes \xff\x01 here", "\xc3"));
  entries.back().source = date_source::mtime;
  entries.back().stamp.mtime_ns = 1'577'880'000'000'000'000;  // 2020-01-01T12:00:00Z
  const atom_context context{"gemini://localhost:1966", "localhost", 0};
  const auto xml = render_atom(news, entries, context);
  const auto report = test::check_atom(xml, schema);
  for (const auto& problem : report.problems) MESSAGE(problem);
  CHECK(report.problems.empty());
  CHECK(report.id == "gemini://localhost:1966/news/");
  CHECK(report.self_href == "gemini://localhost:1966/news/atom.xml");
  CHECK(report.title == "News");
  CHECK(report.author == "localhost");
  CHECK(report.updated == "2025-09-02T00:00:00Z");
  REQUIRE(report.entries.size() == 6);
  CHECK(report.entries[0].id == "gemini://localhost:1966/news/2025-09-02-putin-xi-wwii-legacy.gmi");
  CHECK(report.entries[0].href == report.entries[0].id);
  CHECK(report.entries[0].title == "Putin and Xi Issue Joint Statement on WWII Legacy");
  CHECK(report.entries[0].updated == "2025-09-02T00:00:00Z");
  CHECK(report.entries[0].summary == "On the eve of Beijing's parade.");
  CHECK(report.entries[4].id == "gemini://localhost:1966/news/no%20date.gmi");
  CHECK(report.entries[4].title == "Spaces & <tags>");
  CHECK(report.entries[4].summary == "Summary with \"quotes\" & <b>.");
  CHECK(report.entries[5].updated == "2020-01-01T12:00:00Z");
  CHECK(report.entries[5].title == "Bytes \xef\xbf\xbd\xef\xbf\xbd here");
}

TEST_CASE("feed: an empty Atom feed is valid and long feeds carry the newest max_atom_entries") {
  const auto empty = test::check_atom(render_atom(news, {}, {"gemini://h", "h", 1'700'000'000'000'000'000}), schema);
  CHECK(empty.problems.empty());
  CHECK(empty.updated == "2023-11-14T22:13:20Z");
  CHECK(empty.entries.empty());

  std::vector<entry> many;
  for (int i = 0; i < 150; ++i) {
    char date[16];
    std::snprintf(date, sizeof date, "2025-%02d-%02d", 1 + i / 28, 1 + i % 28);
    many.push_back(make_entry(std::string(date) + "-a.gmi", date, "T" + std::to_string(i)));
  }
  sort_newest_first(many);
  const auto report = test::check_atom(render_atom(news, many, {"gemini://h", "h", 0}), schema);
  CHECK(report.problems.empty());
  REQUIRE(report.entries.size() == max_atom_entries);
  CHECK(report.entries.front().title == "T149");
}

TEST_CASE("feed: the Atom check itself rejects what RFC 4287 forbids") {
  // Negative controls: without them a broken checker would pass everything.
  const auto valid = render_atom(news, sample_entries(), {"gemini://h", "h", 0});
  struct row {
    const char* name;
    std::string from, to;
  };
  const std::vector<row> rows = {
      {"no feed id", "<id>gemini://h/news/</id>", ""},
      {"no feed author", "<author>\n    <name>h</name>\n  </author>", ""},
      {"entry without title", "<title>Ay</title>", ""},
      {"bad date", "<updated>2025-09-02T00:00:00Z</updated>", "<updated>2025-09-02</updated>"},
      {"relative href", "href=\"gemini://h/news/2025-09-01-a.gmi\"", "href=\"2025-09-01-a.gmi\""},
      {"not well-formed", "</feed>", ""},
      {"unknown Atom element", "<generator>", "<generatr>twinstar</generatr><generator>"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    auto broken = valid;
    const auto at = broken.find(r.from);
    REQUIRE(at != std::string::npos);
    broken.replace(at, r.from.size(), r.to);
    CHECK_FALSE(test::check_atom(broken, schema).problems.empty());
  }
}

TEST_CASE("feed: parse_marker") {
  struct row {
    const char* line;
    const char* path;  // nullptr = no marker
    std::size_t count;  // 0 = none given
  };
  const std::vector<row> rows = {
      {"{{latest /news/}}", "/news/", 0},
      {"{{latest /news/ 5}}", "/news/", 5},
      {"  {{latest   /news/   12 }}  ", "/news/", 12},
      {"{{latest /news/ 100}}", "/news/", 100},
      {"{{latest /news/ 101}}", nullptr, 0},
      {"{{latest /news/ 0}}", nullptr, 0},
      {"{{latest /news/ x}}", nullptr, 0},
      {"{{latest news/}}", nullptr, 0},
      {"{{latest}}", nullptr, 0},
      {"{{latest/news/}}", nullptr, 0},
      {"{{latestx /news/}}", nullptr, 0},
      {"text {{latest /news/}}", nullptr, 0},
      {"{{latest /news/}} text", nullptr, 0},
  };
  for (const auto& r : rows) {
    CAPTURE(r.line);
    auto marker = parse_marker(r.line);
    if (r.path == nullptr) {
      CHECK_FALSE(marker.has_value());
      continue;
    }
    REQUIRE(marker.has_value());
    CHECK(marker->path == r.path);
    CHECK(marker->count.value_or(0) == r.count);
  }
}

TEST_CASE("feed: expand_markers replaces marker lines only") {
  const expand_fn expand = [](const latest_marker& m) -> std::optional<std::string> {
    if (m.path != "/news/") return std::nullopt;
    return "=> /news/a.gmi 2025-01-0" + std::to_string(m.count.value_or(5)) + " A\n";
  };
  CHECK(expand_markers("# Home\n{{latest /news/ 2}}\nafter\n", expand) == "# Home\n=> /news/a.gmi 2025-01-02 A\nafter\n");
  CHECK(expand_markers("# Home\r\n{{latest /news/}}\r\nafter\r\n", expand) ==
        "# Home\r\n=> /news/a.gmi 2025-01-05 A\r\nafter\r\n");
  CHECK(expand_markers("{{latest /news/}}", expand) == "=> /news/a.gmi 2025-01-05 A");
  CHECK(expand_markers("{{latest /other/}}\n", expand) == "{{latest /other/}}\n");
  CHECK(expand_markers("```\n{{latest /news/}}\n```\n", expand) == "```\n{{latest /news/}}\n```\n");
  CHECK(expand_markers("no markers\n", expand) == "no markers\n");
  CHECK(expand_markers("{{latest /news/}}\n", [](const latest_marker&) { return std::optional<std::string>(""); }) ==
        "");
  CHECK(has_marker("x\n{{latest /news/}}\n"));
  CHECK_FALSE(has_marker("# Home\n"));
}
