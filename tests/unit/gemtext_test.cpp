#include "twinstar/gemtext.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using twinstar::gemtext::first_heading;
using twinstar::gemtext::line_kind;
using twinstar::gemtext::parse;

namespace {

struct line_case {
  const char* input;
  line_kind kind;
  const char* text;
  const char* url;
};

const char* name_of(line_kind kind) {
  switch (kind) {
    case line_kind::text:
      return "text";
    case line_kind::link:
      return "link";
    case line_kind::preformat_toggle:
      return "preformat_toggle";
    case line_kind::preformatted:
      return "preformatted";
    case line_kind::heading1:
      return "heading1";
    case line_kind::heading2:
      return "heading2";
    case line_kind::heading3:
      return "heading3";
    case line_kind::list_item:
      return "list_item";
    case line_kind::quote:
      return "quote";
  }
  return "?";
}

}  // namespace

TEST_CASE("parse: one line of each kind") {
  const line_case cases[] = {
      {"plain text", line_kind::text, "plain text", ""},
      {"  indented text  ", line_kind::text, "  indented text  ", ""},
      {"", line_kind::text, "", ""},
      {"=> gemini://example.org/ Example", line_kind::link, "Example", "gemini://example.org/"},
      {"=>gemini://example.org/", line_kind::link, "", "gemini://example.org/"},
      {"=> /relative", line_kind::link, "", "/relative"},
      {"=>\tpage.gmi\tA label\t", line_kind::link, "A label", "page.gmi"},
      {"=>   a.gmi    spaced   label  ", line_kind::link, "spaced   label", "a.gmi"},
      {"=> 2025-09-02-post.gmi 2025-09-02 Title", line_kind::link, "2025-09-02 Title", "2025-09-02-post.gmi"},
      {"=>", line_kind::text, "=>", ""},
      {"=>   ", line_kind::text, "=>   ", ""},
      {"= > not a link", line_kind::text, "= > not a link", ""},
      {" => not a link", line_kind::text, " => not a link", ""},
      {"# Title", line_kind::heading1, "Title", ""},
      {"#Title", line_kind::heading1, "Title", ""},
      {"#   Spaced  ", line_kind::heading1, "Spaced", ""},
      {"## Sub", line_kind::heading2, "Sub", ""},
      {"### Subsub", line_kind::heading3, "Subsub", ""},
      {"#### Deeper", line_kind::heading3, "# Deeper", ""},
      {"#", line_kind::heading1, "", ""},
      {"* item", line_kind::list_item, "item", ""},
      {"*   item  ", line_kind::list_item, "item", ""},
      {"*not an item", line_kind::text, "*not an item", ""},
      {"** bold?", line_kind::text, "** bold?", ""},
      {"> quoted", line_kind::quote, "quoted", ""},
      {">quoted", line_kind::quote, "quoted", ""},
      {">", line_kind::quote, "", ""},
      {"```", line_kind::preformat_toggle, "", ""},
      {"``` alt text ", line_kind::preformat_toggle, "alt text", ""},
      {"```python", line_kind::preformat_toggle, "python", ""},
      {"`` not a toggle", line_kind::text, "`` not a toggle", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const auto lines = parse(c.input);
    // An empty document has no lines; "" is checked separately below.
    if (std::string(c.input).empty()) {
      CHECK(lines.empty());
      continue;
    }
    REQUIRE(lines.size() == 1);
    CAPTURE(name_of(lines[0].kind));
    CHECK(lines[0].kind == c.kind);
    CHECK(lines[0].text == c.text);
    CHECK(lines[0].url == c.url);
  }
}

TEST_CASE("parse: line ends") {
  struct ends_case {
    const char* input;
    std::vector<std::string> texts;
  };
  const ends_case cases[] = {
      {"", {}},
      {"\n", {""}},
      {"\r\n", {""}},
      {"a", {"a"}},
      {"a\n", {"a"}},
      {"a\r\n", {"a"}},
      {"a\nb", {"a", "b"}},
      {"a\r\nb\r\n", {"a", "b"}},
      {"a\n\nb\n", {"a", "", "b"}},
      {"a\n\n", {"a", ""}},
      {"a\rb\n", {"a\rb"}},  // a lone CR is not a line end
      {"mixed\r\nends\nhere", {"mixed", "ends", "here"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const auto lines = parse(c.input);
    REQUIRE(lines.size() == c.texts.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      CAPTURE(i);
      CHECK(lines[i].kind == line_kind::text);
      CHECK(lines[i].text == c.texts[i]);
    }
  }
}

TEST_CASE("parse: preformatted blocks recognise only the toggle") {
  const auto lines = parse(
      "# Code\r\n"
      "```sh\r\n"
      "# not a heading\r\n"
      "=> not a link\r\n"
      "  * indented verbatim  \r\n"
      "``` closing alt is ignored by clients\r\n"
      "=> after.gmi After\r\n"
      "```\n"
      "unterminated\n");
  struct expect {
    line_kind kind;
    const char* text;
  };
  const expect expected[] = {
      {line_kind::heading1, "Code"},
      {line_kind::preformat_toggle, "sh"},
      {line_kind::preformatted, "# not a heading"},
      {line_kind::preformatted, "=> not a link"},
      {line_kind::preformatted, "  * indented verbatim  "},
      {line_kind::preformat_toggle, "closing alt is ignored by clients"},
      {line_kind::link, "After"},
      {line_kind::preformat_toggle, ""},
      {line_kind::preformatted, "unterminated"},
  };
  REQUIRE(lines.size() == std::size(expected));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    CAPTURE(i);
    CAPTURE(name_of(lines[i].kind));
    CHECK(lines[i].kind == expected[i].kind);
    CHECK(lines[i].text == expected[i].text);
  }
  CHECK(lines[6].url == "after.gmi");
}

TEST_CASE("first_heading") {
  struct heading_case {
    const char* document;
    bool present;
    const char* text;
  };
  const heading_case cases[] = {
      {"# Hello\nbody\n", true, "Hello"},
      {"intro\n## Second level first\n# Later\n", true, "Second level first"},
      {"### Three\r\n", true, "Three"},
      {"no heading here\n=> link.gmi # not heading\n", false, ""},
      {"```\n# inside pre\n```\n# Outside\n", true, "Outside"},
      {"```\n# inside unterminated pre\n", false, ""},
      {"#\n", true, ""},
      {"", false, ""},
      {"#    Padded   \n", true, "Padded"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.document);
    const auto heading = first_heading(c.document);
    REQUIRE(heading.has_value() == c.present);
    if (c.present) CHECK(*heading == c.text);
  }
}
