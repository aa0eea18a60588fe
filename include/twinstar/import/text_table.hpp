#pragma once
// A table's cells, already reduced to text, -> gemtext lines. Shared by the
// HTML (gumbo) and Markdown (md4c) converters so both lay tables out alike:
//
//   ```CAPTION            (alt text: the <caption>, "" when none)
//   Name  | Qty
//   ------+----           (under the header rows, when rows follow them)
//   apple |
//   café  | 3
//   ```
//
//   => https://example.com/k 12      (the cells' links, after the block)
//
// - each cell's whitespace (newlines included) collapses to single spaces;
// - rows with no text are dropped, columns empty in every row are dropped,
//   short (ragged) rows are padded with empty cells;
// - columns are padded to their widest cell, measured in UTF-8 code points
//   (not bytes; a wide CJK character or a combining mark counts as one);
// - a table whose aligned lines would be wider than max_table_width cannot
//   be read as a block on a small screen: its caption and then each row
//   become text lines instead, cells joined by " | " (no padding, the
//   client wraps them);
// - whether a table is data at all (one row, one column or role=presentation
//   HTML tables are layout) is the caller's decision, not made here.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/gemtext.hpp"

namespace twinstar::news {

// Code points of the widest line a table block may have, separators included.
inline constexpr std::size_t max_table_width = 100;

struct table_link {
  std::string url;    // already resolved and checked
  std::string label;  // "" for a bare URL
};

struct text_table {
  std::string caption;                         // "" for none
  std::vector<std::vector<std::string>> rows;  // cell text, any whitespace
  std::size_t header_rows = 0;                 // leading rows that are headings
  std::vector<table_link> links;               // listed after the table
};

// The block (or the text lines) and then the links, a blank line between
// them; no blank line before or after. Empty when the table has neither
// text nor links. Never fails.
std::vector<gemtext::line> format_table(const text_table& table);

// Code points in valid UTF-8 `text` (continuation bytes are not counted).
std::size_t text_width(std::string_view text);

}  // namespace twinstar::news
