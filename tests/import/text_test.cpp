#include "twinstar/import/text.hpp"

#include <doctest/doctest.h>

#include "support.hpp"
#include "twinstar/import/source.hpp"
#include "twinstar/import/store.hpp"

using namespace twinstar;
using namespace twinstar::news;
using gemtext::line_kind;

namespace {

constexpr const char* bundled_name = "2025-09-02-putin-xi-wwii-legacy";

// The exact command line the README gives, as options.
source_options bundled_options() {
  source_options o;
  o.source_url = "https://www.rt.com/";
  return o;
}

article parse_ok(std::string_view text) {
  auto parsed = parse_plain_text(text, "t.txt");
  REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().to_string()));
  return parsed.value();
}

}  // namespace

TEST_CASE("text: regenerating the bundled article is byte-identical") {
  const auto source = test::data_dir() / "news" / (std::string(bundled_name) + ".txt");
  auto imported = import_file(source, bundled_options());
  REQUIRE_MESSAGE(imported.ok(), (imported.ok() ? "" : imported.error().to_string()));
  REQUIRE(imported->size() == 1);
  const article& a = imported->front();
  CHECK(a.title == "Putin and Xi Issue Joint Statement on WWII Legacy");
  CHECK(a.date == "2025-09-02");
  CHECK(a.source_name == "RT");
  const std::string bundled =
      test::read_file(test::source_dir() / "capsule" / "news" / (std::string(bundled_name) + ".gmi"));
  CHECK(render_gemtext(a) == bundled);
}

TEST_CASE("text: re-importing the bundled article rewrites nothing and adds no file") {
  test::temp_dir dir;
  const std::string name = std::string(bundled_name) + ".gmi";
  std::filesystem::copy_file(test::source_dir() / "capsule" / "news" / name, dir.path() / name);
  auto imported =
      import_file(test::data_dir() / "news" / (std::string(bundled_name) + ".txt"), bundled_options());
  REQUIRE(imported.ok());
  auto existing = scan_directory(dir.path());
  REQUIRE(existing.ok());
  const auto plan = plan_writes(existing.value(), imported.value());
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].name == name);
  CHECK(plan[0].action == write_action::unchanged);
}

TEST_CASE("text: the bundled article's structure") {
  const article a =
      parse_ok(test::read_file(test::data_dir() / "news" / (std::string(bundled_name) + ".txt")));
  std::vector<std::string> headings, quotes;
  for (const auto& line : a.body) {
    if (line.kind == line_kind::heading2) headings.push_back(line.text);
    if (line.kind == line_kind::quote) quotes.push_back(line.text);
  }
  CHECK(headings == std::vector<std::string>{"Emphasis on Historic Responsibility",
                                             "A Heavy Toll in the Fight Against Fascism"});
  REQUIRE(quotes.size() == 1);
  CHECK(quotes[0].starts_with("\u201COur ancestors"));
  REQUIRE(!a.body.empty());
  CHECK(a.body[0].text.starts_with("On the eve of Beijing"));      // the standfirst
  CHECK(a.body[2].text.starts_with("China, PUREWILAYAH.COM - "));  // the dateline
}

TEST_CASE("text: paragraph classification") {
  struct row {
    const char* line;
    line_kind kind;
  };
  const row rows[] = {
      {"Emphasis on Historic Responsibility", line_kind::heading2},
      {"War in the East", line_kind::heading2},
      {"Talks Resume with Russia", line_kind::heading2},
      {"Background", line_kind::heading2},
      {"2025 in Review", line_kind::heading2},
      {"He left", line_kind::text},                      // a lower-case word
      {"He echoed the call, noting:", line_kind::text},  // final punctuation
      {"Is This the End?", line_kind::text},
      {"A heading that is far too long to be one because it has more than sixty characters", line_kind::text},
      {"\u201COur ancestors paid a huge price.\u201D", line_kind::quote},
      {"\"Plain quotes work too.\"", line_kind::quote},
      {"\u201CMutual visits,\u201D Xi stated, \u201Care good.\u201D", line_kind::text},
      {"\u201CMutual visits are a tradition,\u201D Xi stated.", line_kind::text},
  };
  for (const row& r : rows) {
    CAPTURE(r.line);
    const article a = parse_ok(std::string("Title\nStandfirst here.\nFirst paragraph.\n") + r.line + "\n");
    REQUIRE(a.body.size() == 5);  // standfirst, blank, paragraph, blank, the row
    CHECK(a.body[4].kind == r.kind);
    CHECK(a.body[4].text == r.line);
  }
}

TEST_CASE("text: the standfirst and the dateline are never headings") {
  const article a = parse_ok("Title\nShort Standfirst\nParis, AFP - Short Dateline\nA Real Heading\nText.\n");
  REQUIRE(a.body.size() == 7);
  CHECK(a.body[0].kind == line_kind::text);
  CHECK(a.body[2].kind == line_kind::text);
  CHECK(a.body[4].kind == line_kind::heading2);
}

TEST_CASE("text: hard-wrapped paragraphs separated by blank lines are joined") {
  const article a = parse_ok(
      "\xEF\xBB\xBFThe Title  \r\n\r\nA standfirst that was\r\nwrapped.\r\n\r\nSection Two\r\n\r\n"
      "One paragraph\nover   two lines.\n\nSource: Example Wire\n\n");
  CHECK(a.title == "The Title");
  CHECK(a.source_name == "Example Wire");
  REQUIRE(a.body.size() == 5);
  CHECK(a.body[0].text == "A standfirst that was wrapped.");
  CHECK(a.body[2].kind == line_kind::heading2);
  CHECK(a.body[2].text == "Section Two");
  CHECK(a.body[4].kind == line_kind::text);
  CHECK(a.body[4].text == "One paragraph over two lines.");
}

TEST_CASE("text: malformed input is an error with file:line:column") {
  auto bad = parse_plain_text("Title\nok line\nbad \xFF byte\n", "news/x.txt");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().to_string() == "news/x.txt:3:5: invalid UTF-8 (or a NUL byte)");
  auto nul = parse_plain_text(std::string("Title\n\0", 7), "x.txt");
  REQUIRE_FALSE(nul.ok());
  CHECK(nul.error().line == 2);
  auto empty = parse_plain_text(" \n\n", "x.txt");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().message == "empty document: no title line");
}

TEST_CASE("text: a single document needs a date") {
  source_options o;
  auto dateless = import_document("Title\nText.\n", "notes.txt", o);
  REQUIRE_FALSE(dateless.ok());
  CHECK(dateless.error().message.find("--date") != std::string::npos);
  auto from_name = import_document("Title\nText.\n", "dir/2024-02-29-leap.txt", o);
  REQUIRE(from_name.ok());
  CHECK(from_name->front().date == "2024-02-29");
  o.date = "2020-01-01";
  auto from_option = import_document("Title\nText.\n", "dir/2024-02-29-leap.txt", o);
  REQUIRE(from_option.ok());
  CHECK(from_option->front().date == "2020-01-01");
}

TEST_CASE("text: detect_format by extension / then by content") {
  CHECK(detect_format("a.txt", "<rss>") == source_format::text);
  CHECK(detect_format("a.MD", "") == source_format::markdown);
  CHECK(detect_format("a.htm", "") == source_format::html);
  CHECK(detect_format("a.atom", "") == source_format::feed);
  CHECK(detect_format("feed", "<?xml version=\"1.0\"?>\n<!-- c -->\n<rss version=\"2.0\">") ==
        source_format::feed);
  CHECK(detect_format("page", "\n  <!DOCTYPE html><html>") == source_format::html);
  CHECK(detect_format("notes", "Just text") == source_format::text);
}
