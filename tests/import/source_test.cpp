#include "twinstar/import/source.hpp"

#include <doctest/doctest.h>

#include "support.hpp"

using namespace twinstar;
using namespace twinstar::news;

namespace {

struct page_case {
  const char* name;
  const char* html;
  const char* option_date;
  const char* option_url;
  const char* date;
  const char* author;
  const char* source_url;
};

const char* const stated =
    "<head><title>Story | Site</title><meta name=author content='Ann Writer'>"
    "<meta property=article:published_time content=2024-05-06T10:00:00Z>"
    "<link rel=canonical href=https://news.example/2024/story></head><body><p>Text.</p></body>";

}  // namespace

TEST_CASE("source: a page's own author, date and URL; --date and --source-url as fallbacks") {
  const page_case cases[] = {
      {"the page says it all", stated, "", "", "2024-05-06", "Ann Writer", "https://news.example/2024/story"},
      {"--date does not override the page's date", stated, "2020-01-01", "", "2024-05-06", "Ann Writer",
       "https://news.example/2024/story"},
      {"--source-url names the article", stated, "", "https://mirror.example/s", "2024-05-06", "Ann Writer",
       "https://mirror.example/s"},
      {"a page without a date takes --date", "<title>T</title><p>x</p>", "2020-01-01", "", "2020-01-01", "",
       ""},
  };
  for (const page_case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    source_options o;
    o.date = c.option_date;
    o.source_url = c.option_url;
    auto imported = import_document(c.html, "page.html", o);
    REQUIRE(imported.ok());
    const article& a = imported->front();
    CHECK(a.date == c.date);
    CHECK(a.author == c.author);
    CHECK(a.source_url == c.source_url);
  }
}

struct untitled_case {
  const char* name;
  const char* file;
  const char* html;
  const char* title;
};

TEST_CASE("source: a page without a title gets one, with a warning") {
  const untitled_case cases[] = {
      {"from its first words", "dir/2024-01-02-a.html",
       "<p>One two three four five six seven eight nine ten eleven twelve.</p>",
       "One two three four five six seven eight nine ten \xE2\x80\xA6"},
      {"from the file name when it has no text", "dir/2024-01-02-an-empty-page.html", "<p></p>",
       "2024-01-02-an-empty-page"},
  };
  for (const untitled_case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    std::vector<import_error> warnings;
    auto imported = import_document(c.html, c.file, {}, &warnings);
    REQUIRE(imported.ok());
    CHECK(imported->front().title == c.title);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings.front().file == c.file);
    CHECK(warnings.front().message.find("no title") != std::string::npos);
  }
}

TEST_CASE("source: one untitled page does not abort a batch") {
  test::temp_dir into;
  test::temp_dir sources;
  test::write_file(sources.path() / "2024-01-02-untitled.html", "<p>Some words here.</p>");
  test::write_file(sources.path() / "2024-01-02-titled.html", "<title>Titled</title><p>Text.</p>");
  const import_report report =
      import_into({sources.path() / "2024-01-02-untitled.html", sources.path() / "2024-01-02-titled.html"},
                  into.path(), {}, false);
  CHECK(report.errors.empty());
  CHECK(report.warnings.size() == 1);
  CHECK(report.plan.size() == 2);
}

struct charset_case {
  const char* name;
  std::string html;
  const char* title;  // "" = an error is expected
};

TEST_CASE("source: non-UTF-8 HTML is transcoded from its declared charset") {
  const std::string utf16le_bom("\xFF\xFE<\0t\0i\0t\0l\0e\0>\0\xE9\0t\0\xE9\0<\0/\0t\0i\0t\0l\0e\0>\0", 38);
  const charset_case cases[] = {
      {"<meta charset>", "<meta charset=\"windows-1252\"><title>Caf\xE9 \x93quoted\x94</title>",
       "Caf\u00E9 \u201Cquoted\u201D"},
      {"http-equiv, ISO-8859-1 read as windows-1252",
       "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\"><title>\xC0 la "
       "\x85</title>",
       "\u00C0 la \u2026"},
      {"KOI8-R", "<meta charset=koi8-r><title>\xF0\xD2\xC9\xD7\xC5\xD4</title>",
       "\u041F\u0440\u0438\u0432\u0435\u0442"},
      {"a UTF-8 BOM", "\xEF\xBB\xBF<title>caf\xC3\xA9</title>", "caf\u00E9"},
      {"a UTF-16LE BOM", utf16le_bom, "\u00E9t\u00E9"},
      {"declared UTF-8 stays as it is", "<meta charset=utf-8><title>caf\xC3\xA9</title>", "caf\u00E9"},
      {"undeclared and not UTF-8: an error", "<title>Caf\xE9</title>", ""},
      {"an unknown charset: an error", "<meta charset=x-no-such-charset><title>t</title>", ""},
  };
  for (const charset_case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    source_options o;
    o.date = "2024-01-01";
    auto imported = import_document(c.html, "page.html", o);
    if (std::string(c.title).empty()) {
      CHECK_FALSE(imported.ok());
      continue;
    }
    REQUIRE_MESSAGE(imported.ok(), (imported.ok() ? "" : imported.error().to_string()));
    CHECK(imported->front().title == c.title);
  }
}
