#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../atom_check.hpp"
#include "twinstar/feed.hpp"

using namespace twinstar;
using namespace twinstar::feed;

namespace {

std::string read_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
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
        "=> /news/2025-09-02-putin-xi-wwii-legacy.gmi 2025-09-02 Putin and Xi Issue Joint Statement on WWII "
        "Legacy\n"
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
  CHECK(xml_escape("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");                  // overlong '/'
  CHECK(xml_escape("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  CHECK(xml_escape("\xef\xbf\xbe") == "\xef\xbf\xbd");                          // U+FFFE is no XML Char
}

TEST_CASE("feed: the Atom document parses and satisfies RFC 4287") {
  auto entries = sample_entries();
  entries.push_back(make_entry("bad.gmi", "2020-01-01", "Bytes \xff\x01 here", "\xc3"));
  entries.back().source = date_source::mtime;
  entries.back().stamp.mtime_ns = 1'577'880'000'000'000'000;  // 2020-01-01T12:00:00Z
  const atom_context context{"gemini://localhost:1966", "localhost", 0, ""};
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

TEST_CASE("feed: an entry's updated keeps its time of day and moves when the article is rewritten") {
  // 2025-09-02 at midnight, 10:11:12 that day, and a rewrite a month later.
  constexpr std::int64_t second = 1'000'000'000;
  constexpr std::int64_t midnight = 1'756'771'200 * second;
  struct row {
    const char* what;
    date_source source;
    std::int64_t mtime_ns;
    const char* updated;
  };
  const row rows[] = {
      {"published that day", date_source::file_name, midnight + 36'672 * second, "2025-09-02T10:11:12Z"},
      {"rewritten later", date_source::date_line, midnight + 30 * 86'400 * second, "2025-10-02T00:00:00Z"},
      {"mtime before its date", date_source::file_name, midnight - 3600 * second, "2025-09-02T00:00:00Z"},
      {"no mtime known", date_source::file_name, 0, "2025-09-02T00:00:00Z"},
      {"undated", date_source::mtime, midnight - 3600 * second, "2025-09-01T23:00:00Z"},
  };
  for (const row& r : rows) {
    CAPTURE(r.what);
    entry e = make_entry("2025-09-02-a.gmi", "2025-09-02", "A");
    e.source = r.source;
    e.stamp.mtime_ns = r.mtime_ns;
    const auto report = test::check_atom(
        render_atom(news, {make_entry("2025-08-01-b.gmi", "2025-08-01", "B"), e}, {"gemini://h", "h", 0, ""}),
        schema);
    CHECK(report.problems.empty());
    REQUIRE(report.entries.size() == 2);
    CHECK(report.entries[1].updated == r.updated);
    CHECK(report.updated == r.updated);  // the latest entry's
  }
}

TEST_CASE("feed: xml:lang is the host's first language and absent without one") {
  const auto entries = sample_entries();
  for (const auto& [lang, expected] : std::vector<std::pair<std::string, std::string>>{
           {"en", " xml:lang=\"en\">"}, {"de-CH,fr", " xml:lang=\"de-CH\">"}, {"", ">"}}) {
    CAPTURE(lang);
    const auto xml = render_atom(news, entries, {"gemini://h", "h", 0, lang});
    CHECK(xml.find("<feed xmlns=\"http://www.w3.org/2005/Atom\"" + expected + "\n") != std::string::npos);
    CHECK(test::check_atom(xml, schema).problems.empty());
  }
}

TEST_CASE("feed: an empty Atom feed is valid and long feeds carry the newest max_atom_entries") {
  const auto empty =
      test::check_atom(render_atom(news, {}, {"gemini://h", "h", 1'700'000'000'000'000'000, ""}), schema);
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
  const auto report = test::check_atom(render_atom(news, many, {"gemini://h", "h", 0, ""}), schema);
  CHECK(report.problems.empty());
  REQUIRE(report.entries.size() == max_atom_entries);
  CHECK(report.entries.front().title == "T149");
}

TEST_CASE("feed: the Atom check's RFC 3339 test") {
  for (const char* good : {"2025-09-02T00:00:00Z", "2025-09-02T10:11:12.5Z", "2025-09-02T10:11:12+02:00"}) {
    CAPTURE(good);
    CHECK(test::atom_detail::is_rfc3339(good));
  }
  for (const char* bad : {"2025-09-02", "2025-09-02 00:00:00Z", "2025-09-02t00:00:00z", "2025-09-02T00:00:00",
                          "2025-09-02T00:00:00.Z", "2025-09-02T00:00:00+0200", "2025-09-02T00:00:00Zx"}) {
    CAPTURE(bad);
    CHECK_FALSE(test::atom_detail::is_rfc3339(bad));
  }
}

TEST_CASE("feed: the Atom check itself rejects what RFC 4287 forbids") {
  // Negative controls: without them a broken checker would pass everything.
  const auto valid = render_atom(news, sample_entries(), {"gemini://h", "h", 0, ""});
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
    const char* path;   // nullptr = no marker
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
  CHECK(expand_markers("# Home\n{{latest /news/ 2}}\nafter\n", expand) ==
        "# Home\n=> /news/a.gmi 2025-01-02 A\nafter\n");
  CHECK(expand_markers("# Home\r\n{{latest /news/}}\r\nafter\r\n", expand) ==
        "# Home\r\n=> /news/a.gmi 2025-01-05 A\r\nafter\r\n");
  CHECK(expand_markers("{{latest /news/}}", expand) == "=> /news/a.gmi 2025-01-05 A");
  CHECK(expand_markers("{{latest /other/}}\n", expand) == "{{latest /other/}}\n");
  CHECK(expand_markers("```\n{{latest /news/}}\n```\n", expand) == "```\n{{latest /news/}}\n```\n");
  CHECK(expand_markers("no markers\n", expand) == "no markers\n");
  CHECK(expand_markers("{{latest /news/}}\n",
                       [](const latest_marker&) { return std::optional<std::string>(""); }) == "");
  CHECK(has_marker("x\n{{latest /news/}}\n"));
  CHECK_FALSE(has_marker("# Home\n"));
}
