// Generated news indexes and Atom feeds, end to end: a real server on
// loopback serving a feed directory over Gemini and Gopher.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <vector>

#include "../atom_check.hpp"
#include "fixture.hpp"
#include "twinstar/feed.hpp"
#include "twinstar/gemtext.hpp"

using namespace twinstar;
using test::write_file;

namespace {

const std::string putin = "2025-09-02-putin-xi-wwii-legacy.gmi";
const std::string putin_title = "Putin and Xi Issue Joint Statement on WWII Legacy";

// A capsule whose /news/ is a feed without index.gmi and whose home page
// holds a {{latest}} marker.
std::unique_ptr<test::running_server> start_feed_server(const std::string& tag) {
  return test::start_one_host_server(
      tag,
      {{"index.gmi", "# Home\n\n## Latest\n\n{{latest /news/ 2}}\n\n=> news/ All news\n"},
       {"news/" + putin,
        "# " + putin_title + "\n\n2025-09-02 \xc2\xb7 Source: RT\n\nOn the eve of Beijing's parade.\n"},
       {"news/2025-08-30-older.gmi", "# An older story\n\nText.\n"},
       {"news/undated.gmi", "# Undated & <odd>\n\nPublished: 2025-07-04\n\nBody.\n"}},
      [](server_config& c) {
        c.hosts[0].lang = "en";
        c.hosts[0].feeds = {{"/news/", "News"}};
      });
}

// Targets of the link lines whose label starts with an ISO 8601 date: what a
// client subscribing to the page (the companion note) takes as entries.
std::vector<std::string> dated_links(const std::string& page) {
  std::vector<std::string> targets;
  for (const auto& line : gemtext::parse(page)) {
    if (line.kind == gemtext::line_kind::link && feed::date_prefix(line.text)) targets.push_back(line.url);
  }
  return targets;
}

// Selectors of the type-0 items of a Gopher menu.
std::vector<std::string> text_items(const std::string& menu) {
  std::vector<std::string> selectors;
  std::size_t at = 0;
  while (at < menu.size()) {
    auto end = menu.find("\r\n", at);
    if (end == std::string::npos) break;
    const std::string line = menu.substr(at, end - at);
    if (line.starts_with('0')) {
      const auto tab = line.find('\t');
      auto selector = line.substr(tab + 1, line.find('\t', tab + 1) - tab - 1);
      if (!selector.ends_with("/atom.xml"))
        selectors.push_back(std::move(selector));  // the feed, not an article
    }
    at = end + 2;
  }
  return selectors;
}

const std::vector<std::string> expected_order = {putin, "2025-08-30-older.gmi", "undated.gmi"};

}  // namespace

TEST_CASE("feed over Gemini: /news/ is a generated subscribable index") {
  auto srv = start_feed_server("feed-gemini");
  auto reply = srv->get(srv->base() + "/news/\r\n");
  REQUIRE(reply.status == 20);
  CHECK(reply.meta == "text/gemini; charset=utf-8; lang=en");
  CHECK(reply.body.starts_with("# News\n"));
  CHECK(reply.body.find("## September 2025\n") != std::string::npos);
  CHECK(reply.body.find("=> " + putin + " 2025-09-02 " + putin_title + "\n") != std::string::npos);
  CHECK(reply.body.find("=> undated.gmi 2025-07-04 Undated & <odd>\n") != std::string::npos);
  CHECK(reply.body.find("=> atom.xml ") != std::string::npos);
  CHECK(dated_links(reply.body) == expected_order);
  CHECK(srv->get(srv->base() + "/news\r\n").status == 31);
}

TEST_CASE("feed over Gemini: /news/atom.xml is valid Atom with absolute gemini links") {
  auto srv = start_feed_server("feed-atom");
  // As the importer leaves them: a new article's mtime is its publication
  // time; a file older than its date line is dated at midnight.
  const auto news = srv->dir / "root" / "news";
  const auto at = [](std::int64_t seconds) {
    return std::chrono::file_clock::from_sys(std::chrono::sys_seconds(std::chrono::seconds(seconds)));
  };
  std::filesystem::last_write_time(news / putin, at(1'756'807'872));                   // 2025-09-02T10:11:12Z
  std::filesystem::last_write_time(news / "2025-08-30-older.gmi", at(1'756'540'800));  // 2025-08-30T08:00:00Z
  std::filesystem::last_write_time(news / "undated.gmi", at(1'751'328'000));           // 2025-07-01T00:00:00Z
  auto reply = srv->get(srv->base() + "/news/atom.xml\r\n");
  REQUIRE(reply.status == 20);
  CHECK(reply.meta == "application/atom+xml");
  const auto report = test::check_atom(reply.body, TWINSTAR_TEST_DATA "/atom/atom.rng");
  for (const auto& problem : report.problems) MESSAGE(problem);
  CHECK(report.problems.empty());
  CHECK(report.id == srv->base() + "/news/");
  CHECK(report.self_href == srv->base() + "/news/atom.xml");
  CHECK(report.title == "News");
  CHECK(report.updated == "2025-09-02T10:11:12Z");
  CHECK(reply.body.find("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">") != std::string::npos);
  REQUIRE(report.entries.size() == 3);
  CHECK(report.entries[0].updated == "2025-09-02T10:11:12Z");
  CHECK(report.entries[1].updated == "2025-08-30T08:00:00Z");
  CHECK(report.entries[2].updated == "2025-07-04T00:00:00Z");
  for (std::size_t i = 0; i < expected_order.size(); ++i) {
    CAPTURE(i);
    CHECK(report.entries[i].id == srv->base() + "/news/" + expected_order[i]);
    CHECK(report.entries[i].href == report.entries[i].id);
    // Every entry link leads to the article.
    CHECK(srv->get(report.entries[i].href + "\r\n").status == 20);
  }
  CHECK(report.entries[0].title == putin_title);
  CHECK(report.entries[0].summary == "On the eve of Beijing's parade.");
  CHECK(report.entries[2].title == "Undated & <odd>");
  CHECK(srv->get(srv->base() + "/atom.xml\r\n").status == 51);  // no feed at /
}

TEST_CASE("feed over Gopher: the /news/ menu lists the same articles in the same order") {
  auto srv = start_feed_server("feed-gopher");
  const auto menu = srv->gopher("/news/\r\n");
  CAPTURE(menu);
  CHECK(menu.ends_with(".\r\n"));
  CHECK(menu.find("iNews\t") != std::string::npos);
  CHECK(menu.find("02 " + putin_title + "\t/news/" + putin + "\t") != std::string::npos);
  std::vector<std::string> expected;
  for (const auto& file : expected_order) expected.push_back("/news/" + file);
  CHECK(text_items(menu) == expected);
  CHECK(menu.find("0Atom feed\t/news/atom.xml\t") != std::string::npos);  // XML reads as text
  // The articles themselves are served as text, and atom.xml as a file.
  CHECK(srv->gopher("/news/" + putin + "\r\n").starts_with(putin_title + "\r\n"));
  const auto atom = srv->gopher("/news/atom.xml\r\n");
  CHECK(test::check_atom(atom, TWINSTAR_TEST_DATA "/atom/atom.rng").problems.empty());
}

TEST_CASE("feed: the {{latest}} marker of the home page expands over Gemini and Gopher") {
  auto srv = start_feed_server("feed-home");
  auto home = srv->get(srv->base() + "/\r\n");
  REQUIRE(home.status == 20);
  CHECK(home.meta == "text/gemini; charset=utf-8; lang=en");
  CHECK(home.body ==
        "# Home\n\n## Latest\n\n"
        "=> /news/" +
            putin + " 2025-09-02 " + putin_title +
            "\n"
            "=> /news/2025-08-30-older.gmi 2025-08-30 An older story\n"
            "\n=> news/ All news\n");
  const auto menu = srv->gopher("\r\n");
  CHECK(menu.find("{{latest") == std::string::npos);
  CHECK(text_items(menu) == std::vector<std::string>{"/news/" + putin, "/news/2025-08-30-older.gmi"});
  CHECK(menu.find("1All news\t/news/\t") != std::string::npos);
}

TEST_CASE("feed: a new article shows at once in the index and the feed and the home page") {
  auto srv = start_feed_server("feed-live");
  REQUIRE(srv->get(srv->base() + "/news/\r\n").status == 20);  // cached now
  // Written the way the importer writes: a temp file renamed into place.
  const auto news = srv->dir / "root" / "news";
  write_file(news / ".incoming", "# Fresh news\n\nJust in.\n");
  std::filesystem::rename(news / ".incoming", news / "2025-09-03-fresh.gmi");
  auto index = srv->get(srv->base() + "/news/\r\n");
  CHECK(dated_links(index.body).front() == "2025-09-03-fresh.gmi");
  auto atom = test::check_atom(srv->get(srv->base() + "/news/atom.xml\r\n").body,
                               TWINSTAR_TEST_DATA "/atom/atom.rng");
  REQUIRE(atom.entries.size() == 4);
  CHECK(atom.entries[0].title == "Fresh news");
  CHECK(srv->get(srv->base() + "/\r\n").body.find("=> /news/2025-09-03-fresh.gmi 2025-09-03 Fresh news\n") !=
        std::string::npos);
  CHECK(text_items(srv->gopher("/news/\r\n")).front() == "/news/2025-09-03-fresh.gmi");
}
