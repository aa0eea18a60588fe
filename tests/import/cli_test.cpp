// `twinstar import` and `twinstar mirror --once` end to end: the built
// binary, a temporary directory, and (for the mirror) the loopback fixture.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdlib>

#include "http_fixture.hpp"
#include "support.hpp"

namespace {

struct run_result {
  int status = -1;
  std::string out;
  std::string err;
};

std::string quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// `shell_prefix` runs first in the same shell (limits for the binary).
run_result run(const std::vector<std::string>& args, const std::filesystem::path& scratch,
               const std::string& shell_prefix = "") {
  std::string command = shell_prefix + quote(TWINSTAR_BINARY);
  for (const auto& arg : args) command += " " + quote(arg);
  const auto out = scratch / "stdout";
  const auto err = scratch / "stderr";
  command += " >" + quote(out.string()) + " 2>" + quote(err.string()) + " </dev/null";
  const int raw = std::system(command.c_str());
  run_result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = twinstar::test::read_file(out);
  r.err = twinstar::test::read_file(err);
  return r;
}

// Files larger than a few KiB cannot be written (EFBIG rather than
// SIGXFSZ), whoever runs the test, root included.
const std::string small_file_limit = "trap '' XFSZ; ulimit -f 16; exec ";

// A small item, then one far over small_file_limit: the second write fails
// after the first succeeded.
std::string small_then_huge_feed() {
  return "<rss version=\"2.0\"><channel><title>Loopback</title>"
         "<item><title>Small Item</title><link>https://example.org/small</link>"
         "<pubDate>Wed, 03 Sep 2025 08:00:00 GMT</pubDate><description>Short.</description></item>"
         "<item><title>Huge Item</title><link>https://example.org/huge</link>"
         "<pubDate>Wed, 03 Sep 2025 09:00:00 GMT</pubDate><description>" +
         std::string(64 * 1024, 'x') + "</description></item></channel></rss>";
}

// Every entry of `dir`; none when it does not exist.
std::vector<std::string> written_names(const std::filesystem::path& dir) {
  if (!std::filesystem::exists(dir)) return {};
  return twinstar::test::list_dir(dir);
}

}  // namespace

TEST_CASE("cli: import regenerates the bundled article / then leaves it alone") {
  twinstar::test::temp_dir scratch;
  const auto into = scratch.path() / "news";
  const auto source = twinstar::test::data_dir() / "news" / "2025-09-02-putin-xi-wwii-legacy.txt";
  const std::vector<std::string> args = {"import",      source.string(), "--into",
                                         into.string(), "--source-url",  "https://www.rt.com/"};
  const run_result first = run(args, scratch.path());
  CAPTURE(first.err);
  REQUIRE(first.status == 0);
  const auto file = into / "2025-09-02-putin-and-xi-issue-joint-statement-on-wwii-legacy.gmi";
  CHECK(first.out == "created " + file.string() + "\n1 article(s), 1 file(s) written\n");
  CHECK(twinstar::test::read_file(file) ==
        twinstar::test::read_file(twinstar::test::source_dir() /
                                  "capsule/news/2025-09-02-putin-xi-wwii-legacy.gmi"));
  const run_result again = run(args, scratch.path());
  CHECK(again.status == 0);
  CHECK(again.out == "unchanged " + file.string() + "\n1 article(s), 0 file(s) written\n");
}

TEST_CASE("cli: a malformed source is file:line:column / exit 1 / nothing written") {
  twinstar::test::temp_dir scratch;
  const auto feeds = twinstar::test::data_dir() / "feeds";
  const auto bad = feeds / "illformed" / "aaa_illformed.xml";
  const run_result r = run({"import", (feeds / "wellformed" / "atom_relative.xml").string(), bad.string(),
                            "--into", (scratch.path() / "news").string()},
                           scratch.path());
  CHECK(r.status == 1);
  CHECK(r.err == bad.string() + ":6:6: expected '>'\nnothing written\n");
  CHECK_FALSE(std::filesystem::exists(scratch.path() / "news"));
}

TEST_CASE("cli: an HTML entity in a feed without a DTD is a warning, not an error") {
  twinstar::test::temp_dir scratch;
  const auto feed = twinstar::test::data_dir() / "feeds" / "illformed" / "hellip.xml";
  const run_result r =
      run({"import", feed.string(), "--into", (scratch.path() / "news").string()}, scratch.path());
  CHECK(r.status == 0);
  CHECK(r.err == "warning: " + feed.string() + ": HTML entities without a DTD, read as HTML: &hellip;\n");
}

TEST_CASE("cli: --dry-run prints names and first lines / writes nothing") {
  twinstar::test::temp_dir scratch;
  const auto into = scratch.path() / "news";
  const auto feed = twinstar::test::data_dir() / "feeds" / "wellformed" / "atom_relative.xml";
  const run_result r = run({"import", feed.string(), "--into", into.string(), "--dry-run"}, scratch.path());
  CHECK(r.status == 0);
  CHECK(r.out == "would create " + (into / "2003-12-13-atom-powered-robots-run-amok.gmi").string() +
                     "\n    # Atom-Powered Robots Run Amok\n\n"
                     "    2003-12-13 \u00B7 By Jane Doe \u00B7 Source: Example Feed with Relative URLs\n\n");
  CHECK_FALSE(std::filesystem::exists(into));
}

TEST_CASE("cli: mirror --once polls every feed and fails when one fails") {
  twinstar::test::http_fixture http([](const twinstar::test::http_request& request) {
    if (request.target != "/feed.xml") return twinstar::test::http_reply{404, "no", {}};
    return twinstar::test::http_reply{
        200,
        "<rss version=\"2.0\"><channel><title>Loopback</title><item><title>One Item</title>"
        "<link>https://example.org/one</link><pubDate>Wed, 03 Sep 2025 08:00:00 GMT</pubDate></item>"
        "</channel></rss>",
        {{"ETag", "\"e\""}}};
  });
  twinstar::test::temp_dir scratch;
  const std::string base =
      "[server]\nlisten = [\"127.0.0.1:0\"]\n[[host]]\nname = \"localhost\"\nroot = \"capsule\"\n"
      "[[mirror]]\nurl = \"" +
      http.url("/feed.xml") + "\"\ninto = \"news\"\n";
  twinstar::test::write_file(scratch.path() / "good.toml", base);
  const run_result good =
      run({"mirror", "--config", (scratch.path() / "good.toml").string(), "--once"}, scratch.path());
  CAPTURE(good.err);
  CHECK(good.status == 0);
  CHECK(good.out == "mirror " + http.url("/feed.xml") + ": 1 new, 0 updated, 0 unchanged\n");
  CHECK(std::filesystem::exists(scratch.path() / "news" / "2025-09-03-one-item.gmi"));

  twinstar::test::write_file(
      scratch.path() / "bad.toml",
      base + "[[mirror]]\nurl = \"" + http.url("/missing.xml") + "\"\ninto = \"news\"\n");
  const run_result bad =
      run({"mirror", "--config", (scratch.path() / "bad.toml").string(), "--once"}, scratch.path());
  CHECK(bad.status == 1);
  CHECK(bad.out == "mirror " + http.url("/feed.xml") + ": 0 new, 0 updated, 1 unchanged\n");  // no 304 here
  CHECK(bad.err == "mirror " + http.url("/missing.xml") + ": failed: HTTP status 404\n");
}

// Issue 15.6b: no "created" for a file that was never written.
TEST_CASE("cli: import: a write failing part-way prints no created line / exit 1 / nothing written") {
  twinstar::test::temp_dir scratch;
  const auto feed = scratch.path() / "feed.xml";
  twinstar::test::write_file(feed, small_then_huge_feed());
  const auto into = scratch.path() / "news";
  const run_result r =
      run({"import", feed.string(), "--into", into.string()}, scratch.path(), small_file_limit);
  CHECK(r.status == 1);
  CHECK(r.out == "");
  CHECK(r.err ==
        (into / "2025-09-03-huge-item.gmi").string() + ": cannot write: File too large\nnothing written\n");
  CHECK(written_names(into).empty());
}

TEST_CASE("cli: mirror --once: a write failing part-way writes nothing / exit 1") {
  twinstar::test::http_fixture http([](const twinstar::test::http_request&) {
    return twinstar::test::http_reply{200, small_then_huge_feed(), {{"ETag", "\"e\""}}};
  });
  twinstar::test::temp_dir scratch;
  twinstar::test::write_file(scratch.path() / "mirror.toml",
                             "[server]\nlisten = [\"127.0.0.1:0\"]\n[[host]]\nname = \"localhost\"\n"
                             "root = \"capsule\"\n[[mirror]]\nurl = \"" +
                                 http.url("/feed.xml") + "\"\ninto = \"news\"\n");
  const run_result r = run({"mirror", "--config", (scratch.path() / "mirror.toml").string(), "--once"},
                           scratch.path(), small_file_limit);
  const auto into = scratch.path() / "news";
  CHECK(r.status == 1);
  CHECK(r.out == "");
  CHECK(r.err == "mirror " + http.url("/feed.xml") +
                     ": failed: " + (into / "2025-09-03-huge-item.gmi").string() +
                     ": cannot write: File too large; nothing written\n");
  CHECK(written_names(into).empty());  // no article, no state file: the next poll fetches again
}

TEST_CASE("cli: import lays out HTML and Markdown tables as aligned preformatted blocks") {
  twinstar::test::temp_dir scratch;
  const auto into = scratch.path() / "news";
  const auto html = scratch.path() / "prices.html";
  const auto markdown = scratch.path() / "tea.md";
  twinstar::test::write_file(
      html,
      "<!DOCTYPE html><html><head><title>Fruit Prices</title></head><body><article><h1>Fruit Prices</h1>"
      "<p>The market's prices this week, for every fruit the stalls had in stock on Monday morning.</p>"
      "<table><caption>Prices</caption><thead><tr><th>Fruit</th><th>Price</th></tr></thead><tbody>"
      "<tr><td><b>K\u00E4se</b>\n fruit</td><td><a href=\"https://k.example/\">\u20AC3</a></td></tr>"
      "<tr><td>Fig</td></tr></tbody></table></article></body></html>");
  twinstar::test::write_file(markdown,
                             "# Tea Notes\n\nWhat we drank.\n\n"
                             "| Tea | *Cups* |\n|:--|--:|\n| **Sencha** | [2](https://s.example/) |\n"
                             "| Gy\u00F6kuro | |\n");
  const run_result r =
      run({"import", html.string(), markdown.string(), "--into", into.string(), "--date", "2000-01-01"},
          scratch.path());
  CAPTURE(r.err);
  REQUIRE(r.status == 0);
  const std::string page = twinstar::test::read_file(into / "2000-01-01-fruit-prices.gmi");
  CAPTURE(page);
  CHECK(page.find(
            "```Prices\nFruit      | Price\n-----------+------\nK\u00E4se fruit | \u20AC3\nFig        |\n```"
            "\n\n=> https://k.example/ \u20AC3\n") != std::string::npos);
  const std::string notes = twinstar::test::read_file(into / "2000-01-01-tea-notes.gmi");
  CAPTURE(notes);
  CHECK(notes.find("```\nTea     | Cups\n--------+-----\nSencha  | 2\nGy\u00F6kuro |\n```\n\n"
                   "=> https://s.example/ 2\n") != std::string::npos);
}
