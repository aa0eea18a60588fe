// Table cells -> an aligned preformatted block; see text_table.hpp.
#include "twinstar/import/text_table.hpp"

#include <algorithm>

#include "twinstar/import/convert.hpp"

namespace twinstar::news {
namespace {

using gemtext::line;
using gemtext::line_kind;

using table_rows = std::vector<std::vector<std::string>>;

// Cells normalised; empty rows and columns dropped, rows padded to the
// same length. `header_rows` is updated for the rows that were dropped.
table_rows tidy(const text_table& table, std::size_t& header_rows) {
  table_rows rows;
  std::size_t columns = 0;
  header_rows = 0;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    std::vector<std::string> row;
    for (const std::string& cell : table.rows[r]) row.push_back(normalize_space(cell));
    while (!row.empty() && row.back().empty()) row.pop_back();
    if (row.empty()) continue;
    if (r < table.header_rows) ++header_rows;
    columns = std::max(columns, row.size());
    rows.push_back(std::move(row));
  }
  std::vector<bool> used(columns, false);
  for (std::vector<std::string>& row : rows) {
    row.resize(columns);
    for (std::size_t c = 0; c < columns; ++c) used[c] = used[c] || !row[c].empty();
  }
  for (std::vector<std::string>& row : rows) {
    std::size_t kept = 0;
    for (std::size_t c = 0; c < columns; ++c) {
      if (!used[c]) continue;
      if (kept != c) row[kept] = std::move(row[c]);  // never a self-move: it empties the string
      ++kept;
    }
    row.resize(kept);
  }
  return rows;
}

std::string trim_right(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

void append_block(std::vector<line>& out, const std::string& caption, const table_rows& rows,
                  std::size_t header_rows, const std::vector<std::size_t>& widths) {
  out.push_back({line_kind::preformat_toggle, caption, ""});
  auto add_row = [&](const std::vector<std::string>& row) {
    std::string text;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c > 0) text += " | ";
      text += row[c];
      text.append(widths[c] - text_width(row[c]), ' ');
    }
    out.push_back({line_kind::preformatted, trim_right(std::move(text)), ""});
  };
  for (std::size_t r = 0; r < rows.size(); ++r) {
    add_row(rows[r]);
    // A table of headers only has nothing to set them apart from.
    if (r + 1 != header_rows || r + 1 == rows.size()) continue;
    std::string rule;
    for (std::size_t c = 0; c < widths.size(); ++c) {
      if (c > 0) rule += "-+-";
      rule.append(widths[c], '-');
    }
    out.push_back({line_kind::preformatted, rule, ""});
  }
  out.push_back({line_kind::preformat_toggle, "", ""});
}

// Too wide for a block: one text line per row, the cells as written.
void append_lines(std::vector<line>& out, const std::string& caption, const table_rows& rows) {
  if (!caption.empty()) out.push_back({line_kind::text, caption, ""});
  for (const std::vector<std::string>& row : rows) {
    std::size_t end = row.size();
    while (end > 0 && row[end - 1].empty()) --end;
    std::string text;
    for (std::size_t c = 0; c < end; ++c) text += (c == 0 ? "" : " | ") + row[c];
    out.push_back({line_kind::text, std::move(text), ""});
  }
}

}  // namespace

std::size_t text_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::vector<line> format_table(const text_table& table) {
  std::size_t header_rows = 0;
  const table_rows rows = tidy(table, header_rows);
  const std::string caption = normalize_space(table.caption);
  std::vector<line> out;
  if (!rows.empty()) {
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const std::vector<std::string>& row : rows) {
      for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], text_width(row[c]));
    }
    std::size_t total = 3 * (widths.size() - 1);
    for (std::size_t width : widths) total += width;
    if (total <= max_table_width) {
      append_block(out, caption, rows, header_rows, widths);
    } else {
      append_lines(out, caption, rows);
    }
  } else if (!caption.empty()) {
    out.push_back({line_kind::text, caption, ""});
  }
  if (!table.links.empty()) {
    if (!out.empty()) out.push_back({line_kind::text, "", ""});
    for (const table_link& link : table.links) out.push_back({line_kind::link, link.label, link.url});
  }
  return out;
}

}  // namespace twinstar::news
