#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "twinstar/gopher.hpp"
#include "twinstar/mime.hpp"

namespace gopher = twinstar::gopher;
using twinstar::errc;
using twinstar::error;

namespace {

const gopher::menu_context context{"localhost", 7070};

// ---- Golden files -------------------------------------------------------------
// tests/data/golden/gopher/<name>.gmi is rendered as the page /news/<name>.gmi
// of gemini://localhost; the menu is compared with <name>.menu and the text
// document with <name>.txt, byte for byte (CRLF and TABs included; view them
// with `cat -A`). TWINSTAR_UPDATE_GOLDEN=1 rewrites the expected files instead:
// read the diff before committing, the goldens must be right, not just current.

const std::filesystem::path golden_dir = std::filesystem::path(TWINSTAR_TEST_DATA) / "golden" / "gopher";

bool updating_goldens() {
  const char* flag = std::getenv("TWINSTAR_UPDATE_GOLDEN");
  return flag != nullptr && std::string_view(flag) == "1";
}

std::optional<std::string> slurp(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void check_golden(const std::filesystem::path& file, const std::string& actual) {
  CAPTURE(file.string());
  if (updating_goldens()) {
    std::ofstream(file, std::ios::binary) << actual;
    MESSAGE("golden rewritten: " << file.string());
    return;
  }
  const auto expected = slurp(file);
  REQUIRE_MESSAGE(expected.has_value(), "missing golden; run with TWINSTAR_UPDATE_GOLDEN=1");
  CHECK(actual == *expected);
}

// A pretend capsule: what the disk side would say about each path.
std::optional<gopher::local_link> fake_capsule(std::string_view path) {
  static const std::map<std::string, gopher::local_link, std::less<>> entries{
      {"/", {'1', "/"}},
      {"/news/", {'1', "/news/"}},
      {"/news", {'1', "/news/"}},  // a directory linked without its slash
      {"/news/a.gmi", {'0', "/news/a.gmi"}},
      {"/news/b.gmi", {'0', "/news/b.gmi"}},
      {"/news/sub/", {'1', "/news/sub/"}},
      {"/news/notes.txt", {'0', "/news/notes.txt"}},
      {"/news/my%20file.gmi", {'0', "/news/my%20file.gmi"}},
      {"/about.gmi", {'0', "/about.gmi"}},
      {"/escape.gmi", {'0', "/escape.gmi"}},
      {"/img/cat.png", {'I', "/img/cat.png"}},
      {"/img/anim.gif", {'g', "/img/anim.gif"}},
      {"/song.mp3", {'s', "/song.mp3"}},
      {"/paper.pdf", {'d', "/paper.pdf"}},
      {"/page.html", {'h', "/page.html"}},
      {"/archive.zip", {'9', "/archive.zip"}},
  };
  const auto it = entries.find(path);
  if (it == entries.end()) return std::nullopt;
  return it->second;
}

}  // namespace

TEST_CASE("golden: gemtext rendered as menu and as text") {
  const char* names[] = {"all_lines", "wrapping", "unicode", "links", "empty"};
  for (const std::string name : names) {
    CAPTURE(name);
    const auto input = slurp(golden_dir / (name + ".gmi"));
    REQUIRE(input.has_value());
    const std::string page_path = "/news/" + name + ".gmi";
    check_golden(golden_dir / (name + ".menu"),
                 gopher::gemtext_to_menu(*input, page_path, context, fake_capsule));
    check_golden(golden_dir / (name + ".txt"),
                 gopher::gemtext_to_text(*input, "gemini://localhost" + page_path));
  }
}

TEST_CASE("gemtext_to_menu: classify sees resolved paths / unknown targets are guessed") {
  std::vector<std::string> asked;
  const gopher::classify_fn record = [&](std::string_view path) -> std::optional<gopher::local_link> {
    asked.emplace_back(path);
    if (path == "/news/") return gopher::local_link{'1', "/news/"};
    return std::nullopt;
  };
  const auto menu =
      gopher::gemtext_to_menu("=> ../news/./ News\n=> x/../y.txt\n=> /pics/a.jpg\n=> dir/\n=> noext\n",
                              "/news/page.gmi", context, record);
  CHECK(asked ==
        std::vector<std::string>{"/news/", "/news/y.txt", "/pics/a.jpg", "/news/dir/", "/news/noext"});
  CHECK(menu ==
        "1News\t/news/\tlocalhost\t7070\r\n"
        "0x/../y.txt\t/news/y.txt\tlocalhost\t7070\r\n"
        "I/pics/a.jpg\t/pics/a.jpg\tlocalhost\t7070\r\n"
        "1dir/\t/news/dir/\tlocalhost\t7070\r\n"
        "9noext\t/news/noext\tlocalhost\t7070\r\n"
        ".\r\n");
}

TEST_CASE("gemtext_to_menu: an empty classify_fn guesses every local link") {
  const auto menu = gopher::gemtext_to_menu("=> a.gmi A\n=> b/ B\n", "/", context, {});
  CHECK(menu == "0A\t/a.gmi\tlocalhost\t7070\r\n1B\t/b/\tlocalhost\t7070\r\n.\r\n");
}

TEST_CASE("gemtext_to_menu: a directory page resolves links inside the directory") {
  const auto menu = gopher::gemtext_to_menu("=> a.gmi\n=> ../\n", "/news/", context, {});
  CHECK(menu == "0a.gmi\t/news/a.gmi\tlocalhost\t7070\r\n1../\t/\tlocalhost\t7070\r\n.\r\n");
}

TEST_CASE("gemtext_to_menu: a label cannot smuggle a menu line") {
  const auto menu = gopher::gemtext_to_menu("=> a.gmi x\tfake\tevil.example\t70\n", "/", context, {});
  CHECK(menu == "0x fake evil.example 70\t/a.gmi\tlocalhost\t7070\r\n.\r\n");
}

TEST_CASE("gemtext_to_text: CRLF input / no links means no References section") {
  CHECK(gopher::gemtext_to_text("# T\r\nbody\r\n", "gemini://h/") == "T\r\n=\r\nbody\r\n.\r\n");
}

TEST_CASE("gemtext_to_text: relative links resolve against the page URL") {
  const auto text = gopher::gemtext_to_text("=> ../x.gmi\n=> //other/y Y\n", "gemini://h:1966/a/b.gmi");
  CHECK(text ==
        "[1] ../x.gmi\r\n"
        "[2] Y\r\n"
        "\r\n"
        "References\r\n"
        "----------\r\n"
        "[1] gemini://h:1966/x.gmi\r\n"
        "[2] gemini://other/y\r\n"
        ".\r\n");
}
