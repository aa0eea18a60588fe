#include "twinstar/import/text_table.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support.hpp"

using namespace twinstar;
using namespace twinstar::news;

namespace {

struct table_case {
  const char* name;
  text_table table;
  const char* gemtext;
};

const std::string long_cell(120, 'x');

text_table make(std::vector<std::vector<std::string>> rows, std::size_t header_rows = 0,
                std::string caption = "", std::vector<table_link> links = {}) {
  text_table table;
  table.rows = std::move(rows);
  table.header_rows = header_rows;
  table.caption = std::move(caption);
  table.links = std::move(links);
  return table;
}

const table_case cases[] = {
    {"columns padded to the widest cell", make({{"a", "bee"}, {"100", "2"}}),
     "```\na   | bee\n100 | 2\n```\n"},
    {"widths in code points not bytes",
     make({{"caf\u00E9", "1"}, {"na\u00EFve", "2"}, {"\u65E5\u672C", "3"}, {"x", "4"}}),
     "```\ncaf\u00E9  | 1\nna\u00EFve | 2\n\u65E5\u672C    | 3\nx     | 4\n```\n"},
    {"a rule under the header row", make({{"Name", "Qty"}, {"apple", "3"}}, 1),
     "```\nName  | Qty\n------+----\napple | 3\n```\n"},
    {"two header rows then the rule", make({{"A", "B"}, {"a", "b"}, {"1", "2"}}, 2),
     "```\nA | B\na | b\n--+--\n1 | 2\n```\n"},
    {"a table of headers only has no rule", make({{"A", "B"}}, 1), "```\nA | B\n```\n"},
    {"ragged rows padded with empty cells", make({{"a", "b", "c"}, {"d"}, {"e", "f"}}),
     "```\na | b | c\nd |   |\ne | f |\n```\n"},
    {"empty cells keep their column", make({{"a", "", "c"}, {"", "b", ""}}),
     "```\na |   | c\n  | b |\n```\n"},
    {"columns and rows without text dropped", make({{"", ""}, {"Name", "", "Qty"}, {"apple", " ", "3"}}, 2),
     "```\nName  | Qty\n------+----\napple | 3\n```\n"},
    {"whitespace and newlines in a cell collapse", make({{"  two\nlines ", "tab\there"}, {"x", "y"}}),
     "```\ntwo lines | tab here\nx         | y\n```\n"},
    {"the caption is the block's alt text", make({{"a", "1"}, {"b", "2"}}, 0, " Prices\n2024 "),
     "```Prices 2024\na | 1\nb | 2\n```\n"},
    {"links listed after the block",
     make({{"Name", "Site"}, {"Ann", "home"}}, 1, "",
          {{"https://ann.example/", "home"}, {"https://x.example/", ""}}),
     "```\nName | Site\n-----+-----\nAnn  | home\n```\n\n=> https://ann.example/ home\n=> "
     "https://x.example/\n"},
    {"a single column is still a block", make({{"one"}, {"three"}}), "```\none\nthree\n```\n"},
    {"too wide for a block: caption and rows as text lines",
     make({{"Film", "Year", "About"}, {"Loop", "", long_cell}}, 1, "Films"), nullptr},
    {"exactly max_table_width wide stays a block", make({{std::string(max_table_width - 4, 'a'), "b"}}),
     nullptr},
    {"no text: nothing", make({{"", " "}, {}}), ""},
    {"no text but links: the links alone", make({{""}}, 0, "", {{"https://i.example/a.png", "Image: A"}}),
     "=> https://i.example/a.png Image: A\n"},
    {"no rows but a caption: a text line", make({}, 0, "Empty"), "Empty\n"},
};

std::string expected(const table_case& c) {
  if (c.gemtext != nullptr) return c.gemtext;
  if (std::string(c.name).starts_with("too wide")) {
    return "Films\nFilm | Year | About\nLoop |  | " + long_cell + "\n";
  }
  return "```\n" + std::string(max_table_width - 4, 'a') + " | b\n```\n";
}

}  // namespace

TEST_CASE("text_table: tables format as aligned preformatted blocks") {
  for (const table_case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    CHECK(test::body_text(format_table(c.table)) == expected(c));
  }
}

TEST_CASE("text_table: text_width counts code points") {
  const struct {
    const char* text;
    std::size_t width;
  } rows[] = {{"", 0}, {"abc", 3}, {"caf\u00E9", 4}, {"\u65E5\u672C\u8A9E", 3}, {"\U0001F600!", 2}};
  for (const auto& row : rows) {
    CAPTURE(row.text);
    CHECK(text_width(row.text) == row.width);
  }
}
