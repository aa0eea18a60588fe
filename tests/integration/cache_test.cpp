// Answers served from memory (answer_cache) never outlive the files they
// were built from: a change shows at the next request, on both protocols.
#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace twinstar;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string gemini_body(const test::running_server& s, const std::string& path) {
  auto r = s.get(s.base() + path + "\r\n");
  return std::to_string(r.status) + " " + r.body;
}

std::string gopher_body(const test::running_server& s, const std::string& selector) {
  return s.gopher(selector + "\r\n");
}

}  // namespace

TEST_CASE("cache: a page edited in place or replaced is served fresh at the next request") {
  auto srv = test::start_test_server("cache-edit");
  const auto page = srv->dir / "root" / "page.gmi";
  REQUIRE(fs::exists(page));
  for (int round = 0; round < 2; ++round) {  // the second round is served from memory first
    CHECK(gemini_body(*srv, "/page.gmi").find("Text.") != std::string::npos);
    CHECK(gopher_body(*srv, "/page.gmi").find("Text.") != std::string::npos);
  }

  // Same length, new bytes: only the modification time tells.
  test::write_file(page, "# A page\nNews.\n");
  fs::last_write_time(page, fs::last_write_time(page) + 1s);
  CHECK(gemini_body(*srv, "/page.gmi").find("News.") != std::string::npos);
  CHECK(gopher_body(*srv, "/page.gmi").find("News.") != std::string::npos);

  // Replaced by rename, as the importer writes.
  test::write_file(srv->dir / "root" / "page.tmp", "# A page\nRenamed into place.\n");
  fs::rename(srv->dir / "root" / "page.tmp", page);
  CHECK(gemini_body(*srv, "/page.gmi").find("Renamed into place.") != std::string::npos);
  CHECK(gopher_body(*srv, "/page.gmi").find("Renamed into place.") != std::string::npos);

  fs::remove(page);
  CHECK(gemini_body(*srv, "/page.gmi").starts_with("51 "));
  CHECK(gopher_body(*srv, "/page.gmi").starts_with("3"));
}

TEST_CASE("cache: a generated listing and a Gopher menu follow their directory") {
  auto srv = test::start_test_server("cache-listing");
  const auto dir = srv->dir / "root" / "listed";
  REQUIRE(fs::is_directory(dir));
  CHECK(gemini_body(*srv, "/listed/").find("fresh.gmi") == std::string::npos);
  CHECK(gopher_body(*srv, "/listed/").find("fresh.gmi") == std::string::npos);

  test::write_file(dir / "fresh.gmi", "# Fresh\n");
  CHECK(gemini_body(*srv, "/listed/").find("fresh.gmi") != std::string::npos);
  CHECK(gopher_body(*srv, "/listed/").find("fresh.gmi") != std::string::npos);

  // A gophermap appearing takes over the Gopher menu; Gemini is unchanged.
  test::write_file(dir / "gophermap", "Hand-written menu\r\n");
  CHECK(gopher_body(*srv, "/listed/").find("Hand-written menu") != std::string::npos);
  CHECK(gemini_body(*srv, "/listed/").find("fresh.gmi") != std::string::npos);
}
