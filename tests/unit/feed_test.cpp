#include "twinstar/feed.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "temp_files.hpp"

using namespace twinstar;
using namespace twinstar::feed;
namespace fs = std::filesystem;

using test::fresh_temp_dir;
using test::write_file;

namespace {

// Midnight UTC of `day` as a file time.
fs::file_time_type file_time(std::chrono::year_month_day day) {
  // from_sys wants seconds: libstdc++ 12 fails to compile it for days.
  return fs::file_time_type::clock::from_sys(std::chrono::sys_seconds(std::chrono::sys_days(day)));
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
      {"hard-wrapped paragraph joined", "# T\nline one\nline two\n\nnext\n", "T", nullptr,
       "line one line two"},
      {"paragraph ends at a link", "# T\ntext\n=> x.gmi x\nmore\n", "T", nullptr, "text"},
      {"heading inside preformatted ignored", "```\n# not a title\n```\n# Real\nBody\n", "Real", nullptr,
       "Body"},
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
  write_file(dir / "2025-09-02-named.gmi",
             "# From the name\n\n2020-01-01 \xc2\xb7 ignored\n\nSummary here.\n");
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
  CHECK(names ==
        std::vector<std::string>{"2025-09-02-named.gmi", "dated-by-line.gmi", "other.gemini", "undated.gmi"});

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
