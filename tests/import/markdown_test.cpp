#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "support.hpp"
#include "twinstar/import/convert.hpp"

using namespace twinstar;
using namespace twinstar::news;

TEST_CASE("markdown: a document converts to the expected gemtext") {
  const char* markdown =
      "# The Title\n\n"
      "Para with [a link](https://a.example/x \"t\") and ![an image](img.png), *emphasis* and `code`.\n"
      "Soft-wrapped line.\n\n"
      "## Section\n\n"
      "- one\n- two\n  - nested\n\n"
      "1. first\n2. second\n\n"
      "> quoted *text*\n>\n> second paragraph\n\n"
      "```cpp\nint  main() {}\n\n```\n\n"
      "    indented code\n\n"
      "A &amp; B &copy; &#8212; C\\\nhard break\n\n"
      "<div><p>An HTML block</p><script>x()</script></div>\n\n"
      "| a | bee |\n|---|---|\n| 100 | 2 |\n\n"
      "### Third level\n\n"
      "# Another top heading\n\n"
      "---\n\n"
      "Autolink https://auto.example/path and inline <b>raw</b> html.\n";
  auto c = markdown_to_gemtext(markdown, "post.md", "https://site.example/posts/");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().to_string()));
  CHECK(c->title == "The Title");
  CHECK(test::body_text(c->body) ==
        "Para with a link and , emphasis and code. Soft-wrapped line.\n"
        "\n"
        "=> https://a.example/x a link\n"
        "=> https://site.example/posts/img.png Image: an image\n"
        "\n"
        "## Section\n"
        "\n"
        "* one\n"
        "* two\n"
        "* nested\n"
        "\n"
        "* 1. first\n"
        "* 2. second\n"
        "\n"
        "> quoted text\n"
        "> second paragraph\n"
        "\n"
        "```cpp\n"
        "int  main() {}\n"
        "```\n"
        "\n"
        "```\n"
        "indented code\n"
        "```\n"
        "\n"
        "A & B \u00A9 \u2014 C\n"
        "hard break\n"
        "\n"
        "An HTML block\n"
        "\n"
        "```\n"
        "a   | bee\n"
        "----+----\n"
        "100 | 2\n"
        "```\n"
        "\n"
        "### Third level\n"
        "\n"
        "## Another top heading\n"
        "\n"
        "Autolink https://auto.example/path and inline raw html.\n"
        "\n"
        "=> https://auto.example/path\n");
}

TEST_CASE("markdown: the title falls back to the first heading of any level") {
  auto c = markdown_to_gemtext("Intro text.\n\n## Only Heading\n\nBody.\n", "a.md", "");
  REQUIRE(c.ok());
  CHECK(c->title == "Only Heading");
  CHECK(test::body_text(c->body) == "Intro text.\n\nBody.\n");
}

TEST_CASE("markdown: errors name the file and position") {
  auto none = markdown_to_gemtext("no heading at all\n", "a.md", "");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().to_string() == "a.md: no heading to take the title from");
  auto bad = markdown_to_gemtext("# T\n\nok\nab\xC3(\n", "b.md", "");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().to_string() == "b.md:4:3: invalid UTF-8 (or a NUL byte)");
}

TEST_CASE("markdown: fragments keep every heading") {
  auto c = markdown_to_gemtext("# One\n\ntext\n", "a.md", "", title_mode::none);
  REQUIRE(c.ok());
  CHECK(c->title.empty());
  CHECK(test::body_text(c->body) == "## One\n\ntext\n");
}

// Found by fuzz_import in CI: md4c 0.4.8 reads past the end of its input
// (permissive autolinks), so whatever followed the document in memory fed
// the parse and once became a multi-gigabyte text span. The document here
// ends exactly at a page that may not be read: an over-read faults.
TEST_CASE("markdown: the parser never reads past the end of the document") {
  const std::string document =
      "# Tit\f\f\f\f\fl+\x02#' Title\n\npng)\n\n>) and ![img](i.pn```\n- itee\n\nPTitl\fitl\f\f\f\fle\n\n"
      "PTitle\n\nPara SSSSSSSSSSSwith [link](th";
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* map = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(map != MAP_FAILED);
  char* guard = static_cast<char*>(map) + page;
  REQUIRE(mprotect(guard, page, PROT_NONE) == 0);
  char* start = guard - document.size();
  std::memcpy(start, document.data(), document.size());
  auto c = markdown_to_gemtext(std::string_view(start, document.size()), "fuzz.md", "https://example.org/");
  munmap(map, 2 * page);
  REQUIRE(c.ok());
  CHECK(c->title.find("Title") != std::string::npos);
}
