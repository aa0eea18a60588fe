#include "twinstar/titan.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace twinstar;
namespace fs = std::filesystem;

namespace {

const std::string good_print = "SHA256:" + std::string(64, 'a');
const std::string other_print = "SHA256:" + std::string(64, 'b');

host_config titan_host() {
  host_config h;
  h.name = "example.org";
  h.root = "/srv/capsule";
  titan_rule news;
  news.prefix = "/news/";
  news.allowed = {good_print};
  news.max_size = 100;
  titan_rule drafts;
  drafts.prefix = "/news/drafts/";
  drafts.allowed = {good_print};
  drafts.token = "s3cret";
  drafts.allow_delete = true;
  drafts.mimes = {"text/gemini"};
  h.titan = {news, drafts};
  return h;
}

}  // namespace

TEST_CASE("titan: is_titan looks at the scheme only") {
  CHECK(titan::is_titan("titan://example.org/a;size=1"));
  CHECK(titan::is_titan("TITAN://example.org/a;size=1"));
  CHECK_FALSE(titan::is_titan("gemini://example.org/titan:"));
  CHECK_FALSE(titan::is_titan("titan"));
}

TEST_CASE("titan: request lines parse into path and parameters") {
  struct row {
    std::string line;
    std::string path;
    std::uint64_t size;
    std::string mime;
    std::optional<std::string> token;
  };
  const std::vector<row> rows = {
      {"titan://example.org/news/a.gmi;size=12", "/news/a.gmi", 12, "text/gemini", std::nullopt},
      {"titan://example.org/news/a.gmi;mime=text/plain;size=3;token=hello", "/news/a.gmi", 3, "text/plain",
       "hello"},
      {"titan://example.org/a;size=0", "/a", 0, "text/gemini", std::nullopt},
      {"titan://example.org/a;SIZE=5;Mime=Text/Plain", "/a", 5, "text/plain", std::nullopt},
      {"titan://example.org/a;size=5;mime=text/plain%3B%20charset%3Dutf-8", "/a", 5, "text/plain",
       std::nullopt},
      {"titan://example.org/a;size=5;token=a%3Bb", "/a", 5, "text/gemini", "a;b"},
      {"titan://example.org:1966/a%20b.gmi;size=1", "/a%20b.gmi", 1, "text/gemini", std::nullopt},
  };
  for (const auto& r : rows) {
    CAPTURE(r.line);
    auto parsed = titan::parse_request(r.line);
    REQUIRE(parsed.ok());
    CHECK(parsed->target.scheme == "titan");
    CHECK(parsed->target.path == r.path);
    CHECK(parsed->size == r.size);
    CHECK(parsed->mime == r.mime);
    CHECK(parsed->token == r.token);
  }
}

TEST_CASE("titan: malformed request lines are 59") {
  const std::vector<std::string> rows = {
      "gemini://example.org/a;size=1",  // not titan
      "titan://example.org/a",          // no size
      "titan://example.org/a;mime=text/plain",
      "titan://example.org/a;size=",  // empty size
      "titan://example.org/a;size=-1",
      "titan://example.org/a;size=1x",
      "titan://example.org/a;size=12345678901234567890",  // longer than max_size_digits
      "titan://example.org/a;size=1;size=2",
      "titan://example.org/a;size=1;colour=red",
      "titan://example.org/a;size=1;mime=",
      "titan://example.org/a;size=1;mime=plain",
      "titan://example.org/a;size=1;mime=a/b;mime=c/d",
      "titan://example.org/a;size=1;token=a;token=b",
      "titan://example.org/a;size",
      "titan://example.org/a;size=1?q",
      "titan://example.org/a;size=1#f",
      "titan:///a;size=1",
  };
  for (const auto& line : rows) {
    CAPTURE(line);
    auto parsed = titan::parse_request(line);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == gemini::status::bad_request);
  }
}

TEST_CASE("titan: authorise decides by rule, certificate, token, size, delete and mime") {
  const host_config host = titan_host();
  const client_certificate good{good_print, true};
  const client_certificate other{other_print, true};
  const client_certificate expired{good_print, false};
  struct row {
    std::string line;
    const client_certificate* cert;
    int status;  // 0 = accepted
    std::string prefix = {};
  };
  const std::vector<row> rows = {
      {"titan://example.org/news/a.gmi;size=10", &good, 0, "/news/"},
      {"titan://example.org/news/drafts/d.gmi;size=10;token=s3cret", &good, 0, "/news/drafts/"},
      {"titan://example.org/news/drafts/d.gmi;size=0;token=s3cret", &good, 0, "/news/drafts/"},
      {"titan://example.org/news/a.gmi;size=10", nullptr, 60},
      {"titan://example.org/news/a.gmi;size=10", &other, 61},
      {"titan://example.org/news/a.gmi;size=10", &expired, 62},
      {"titan://example.org/page.gmi;size=10", &good, 61},                        // no rule covers it
      {"titan://example.org/news;size=10", &good, 61},                            // the prefix is a directory
      {"titan://example.org/news/;size=10", &good, 59},                           // a directory, not a file
      {"titan://example.org/news/drafts/d.gmi;size=10", &good, 61},               // token missing
      {"titan://example.org/news/drafts/d.gmi;size=10;token=s3creT", &good, 61},  // token wrong
      {"titan://example.org/news/drafts/d.gmi;size=10;token=s3cret2", &good, 61},
      {"titan://example.org/news/a.gmi;size=101", &good, 50},           // over max_size
      {"titan://example.org/news/a.gmi;size=100", &good, 0, "/news/"},  // at max_size
      {"titan://example.org/news/a.gmi;size=0", &good, 50},             // delete not allowed
      {"titan://example.org/news/a.gmi;size=5;mime=image/png", &good, 50},
      {"titan://example.org/news/a.gmi;size=5;mime=text/plain", &good, 0, "/news/"},
      {"titan://example.org/news/drafts/d.gmi;size=5;mime=text/plain;token=s3cret", &good, 50},
      {"titan://example.org/news/../page.gmi;size=10", &good, 51},  // traversal
      {"titan://example.org/news/%2e%2e/page.gmi;size=10", &good, 51},
      {"titan://example.org/news/..%2fpage.gmi;size=10", &good, 51},
      {"titan://example.org/news/.hidden;size=10", &good, 51},  // dot files are never written
      {"titan://example.org/news/sub/.titan-x;size=10", &good, 51},
  };
  for (const auto& r : rows) {
    CAPTURE(r.line);
    auto req = titan::parse_request(r.line);
    REQUIRE(req.ok());
    auto decided = titan::authorise(host, *req, r.cert);
    if (r.status == 0) {
      REQUIRE(decided.ok());
      CHECK(decided->rule->prefix == r.prefix);
    } else {
      REQUIRE_FALSE(decided.ok());
      CHECK(gemini::code(decided.error().code) == r.status);
    }
  }
}

TEST_CASE("titan: the target's url_path and relative path are decoded and normalised") {
  const host_config host = titan_host();
  const client_certificate good{good_print, true};
  auto req = titan::parse_request("titan://example.org/news/./2026-12-05-caf%C3%A9.gmi;size=3");
  REQUIRE(req.ok());
  auto decided = titan::authorise(host, *req, &good);
  REQUIRE(decided.ok());
  CHECK(decided->url_path == "/news/2026-12-05-caf\xc3\xa9.gmi");
  CHECK(decided->relative == "news/2026-12-05-caf\xc3\xa9.gmi");
}

TEST_CASE("titan: locate keeps uploads inside the root and the prefix, symlinks resolved") {
  std::random_device rd;
  const fs::path dir = fs::temp_directory_path() / ("twinstar-titan-unit-" + std::to_string(rd()));
  const fs::path root = dir / "root";
  fs::create_directories(root / "news" / "sub");
  fs::create_directories(root / "other");
  fs::create_directories(dir / "outside");
  fs::create_directory_symlink(dir / "outside", root / "news" / "out");
  fs::create_directory_symlink(root / "other", root / "news" / "side");
  fs::create_directories(root / "news" / "adir");
  host_config host = titan_host();
  host.root = root;
  const client_certificate good{good_print, true};
  struct row {
    std::string path;
    int status;  // 0 = located
  };
  const std::vector<row> rows = {
      {"/news/a.gmi", 0},          {"/news/sub/b.gmi", 0},
      {"/news/missing/c.gmi", 51},  // directories are not created
      {"/news/out/c.gmi", 51},      // a symlink out of the root
      {"/news/side/c.gmi", 51},     // a symlink out of the prefix
      {"/news/adir", 50},           // a directory is not replaced
  };
  for (const auto& r : rows) {
    CAPTURE(r.path);
    auto req = titan::parse_request("titan://example.org" + r.path + ";size=1");
    REQUIRE(req.ok());
    auto decided = titan::authorise(host, *req, &good);
    REQUIRE(decided.ok());
    auto located = titan::locate(root, *decided);
    if (r.status == 0) {
      REQUIRE(located.ok());
      CHECK(*located == fs::canonical(root) / fs::path(r.path.substr(1)));
    } else {
      REQUIRE_FALSE(located.ok());
      CHECK(gemini::code(located.error().code) == r.status);
    }
  }
  fs::remove_all(dir);
}

TEST_CASE("titan: the redirect after an upload is the gemini:// URL of the file") {
  struct row {
    std::string line;
    std::string path;
    std::string expected;
  };
  const std::vector<row> rows = {
      {"titan://example.org/news/a.gmi;size=1", "/news/a.gmi", "gemini://example.org/news/a.gmi"},
      {"titan://example.org:1965/n/a.gmi;size=1", "/n/a.gmi", "gemini://example.org/n/a.gmi"},
      {"titan://example.org:1966/n/a.gmi;size=1", "/n/a.gmi", "gemini://example.org:1966/n/a.gmi"},
      {"titan://example.org/n/a%20b.gmi;size=1", "/n/a b.gmi", "gemini://example.org/n/a%20b.gmi"},
      {"titan://[::1]:1966/n/;size=1", "/n/", "gemini://[::1]:1966/n/"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.line);
    auto req = titan::parse_request(r.line);
    REQUIRE(req.ok());
    CHECK(titan::gemini_url(req->target, r.path) == r.expected);
  }
}
