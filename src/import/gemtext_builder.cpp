// Structural events -> gemtext lines; see gemtext_builder.hpp.
#include "gemtext_builder.hpp"

#include <algorithm>

#include "twinstar/import/convert.hpp"
#include "twinstar/import/text_table.hpp"
#include "twinstar/import/uri.hpp"

namespace twinstar::news::detail {
namespace {

using gemtext::line;
using gemtext::line_kind;

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// A preformatted line keeps tabs and spacing; other controls are dropped.
std::string clean_preformatted(std::string_view text) {
  std::string out;
  for (char c : trim_right(text)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 || c == '\t') out += c;
  }
  return out;
}

// colspan beyond this is a layout trick, not columns to keep apart.
constexpr int max_column_span = 32;

}  // namespace

line_kind gemtext_builder::current_kind() const {
  if (std::find(containers_.begin(), containers_.end(), container_kind::quote) != containers_.end()) {
    return line_kind::quote;
  }
  if (std::find(blocks_.begin(), blocks_.end(), block_kind::list_item) != blocks_.end()) {
    return line_kind::list_item;
  }
  if (!blocks_.empty()) {
    switch (blocks_.back()) {
      case block_kind::heading1:
        return line_kind::heading1;
      case block_kind::heading2:
        return line_kind::heading2;
      case block_kind::heading3:
        return line_kind::heading3;
      default:
        break;
    }
  }
  return line_kind::text;
}

void gemtext_builder::flush_line() {
  std::string text = normalize_space(line_);
  line_.clear();
  if (table_depth_ > 0) {  // blocks inside a cell are part of its text
    if (!text.empty() && in_cell_) cell_ += (cell_.empty() ? "" : " ") + text;
    return;
  }
  if (text.empty()) return;
  lines_.push_back({current_kind(), prefix_ + text, ""});
  prefix_.clear();
}

void gemtext_builder::blank() {
  if (!lines_.empty() && !(lines_.back().kind == line_kind::text && lines_.back().text.empty())) {
    lines_.push_back({line_kind::text, "", ""});
  }
}

void gemtext_builder::flush_links() {
  if (links_.empty()) return;
  blank();
  for (pending_link& link : links_) {
    lines_.push_back({line_kind::link, std::move(link.label), std::move(link.url)});
  }
  links_.clear();
  queued_urls_.clear();
  blank();
}

void gemtext_builder::queue_link(std::string_view href, std::string label) {
  // Fragment-only links point into a page that no longer exists here.
  if (href.find_first_not_of(" \t\r\n") == std::string_view::npos ||
      href[href.find_first_not_of(" \t\r\n")] == '#') {
    return;
  }
  std::string url = resolve_uri(base_, href);
  if (!is_safe_link(url)) return;
  if (!queued_urls_.insert(url).second) return;
  if (label == url) label.clear();
  links_.push_back({std::move(url), std::move(label)});
}

void gemtext_builder::text(std::string_view text) {
  if (preformatted_) {
    preformatted_text_ += text;
    return;
  }
  line_ += text;
  for (std::string& label : link_labels_) label += text;
}

void gemtext_builder::begin_link(std::string_view href) {
  link_hrefs_.emplace_back(href);
  link_labels_.emplace_back();
}

void gemtext_builder::end_link() {
  if (link_hrefs_.empty()) return;
  std::string href = std::move(link_hrefs_.back());
  std::string label = normalize_space(link_labels_.back());
  link_hrefs_.pop_back();
  link_labels_.pop_back();
  queue_link(href, std::move(label));
}

void gemtext_builder::image(std::string_view src, std::string_view alt, std::string_view caption) {
  std::string label = normalize_space(alt);
  if (label.empty()) label = normalize_space(caption);
  queue_link(src, label.empty() ? "Image" : "Image: " + label);
}

void gemtext_builder::line_break() {
  if (preformatted_) {
    preformatted_text_ += '\n';
    return;
  }
  flush_line();
}

void gemtext_builder::begin_block(block_kind kind) {
  if (preformatted_) return;
  flush_line();
  if (at_top()) blank();
  if (kind == block_kind::row && table_depth_ == 1) {
    rows_.emplace_back();
    header_row_.push_back(true);
  }
  if (kind == block_kind::list_item && !lists_.empty() && lists_.back().ordered) {
    prefix_ = std::to_string(lists_.back().next++) + ". ";
  }
  blocks_.push_back(kind);
}

void gemtext_builder::end_block() {
  if (preformatted_) return;
  flush_line();
  if (!blocks_.empty()) blocks_.pop_back();
  prefix_.clear();
  if (at_top()) {
    blank();
    flush_links();
  }
}

void gemtext_builder::begin_container(container_kind kind, int first_number) {
  if (preformatted_) return;
  flush_line();
  if (at_top()) blank();
  containers_.push_back(kind);
  if (kind == container_kind::table && table_depth_++ == 0) {
    rows_.clear();
    header_row_.clear();
    caption_.clear();
    table_links_ = links_.size();
  }
  if (kind == container_kind::ordered_list || kind == container_kind::unordered_list) {
    lists_.push_back({kind == container_kind::ordered_list, first_number});
  }
}

void gemtext_builder::end_container() {
  if (preformatted_ || containers_.empty()) return;
  flush_line();
  const container_kind kind = containers_.back();
  containers_.pop_back();
  if (kind == container_kind::table && --table_depth_ == 0) end_table();
  if ((kind == container_kind::ordered_list || kind == container_kind::unordered_list) && !lists_.empty()) {
    lists_.pop_back();
  }
  if (at_top()) {
    blank();
    flush_links();
  }
}

void gemtext_builder::begin_cell(bool header, int span) {
  if (preformatted_) return;
  flush_line();
  if (table_depth_ != 1) return;
  in_cell_ = true;
  cell_header_ = header;
  cell_span_ = std::clamp(span, 1, max_column_span);
  cell_.clear();
}

void gemtext_builder::end_cell() {
  if (preformatted_) return;
  flush_line();
  if (table_depth_ != 1) return;
  if (rows_.empty()) {  // a cell outside any <tr>
    rows_.emplace_back();
    header_row_.push_back(true);
  }
  rows_.back().push_back(std::move(cell_));
  rows_.back().resize(rows_.back().size() + static_cast<std::size_t>(cell_span_ - 1));
  header_row_.back() = header_row_.back() && cell_header_;
  cell_.clear();
  in_cell_ = false;
}

void gemtext_builder::table_caption(std::string_view text) {
  if (preformatted_) return;
  if (table_depth_ == 1 && !in_cell_) {
    caption_ += (caption_.empty() ? "" : " ") + normalize_space(text);
    return;
  }
  flush_line();
  line_ += text;
  flush_line();
}

void gemtext_builder::end_table() {
  text_table table;
  table.caption = std::move(caption_);
  // Header rows: those at the top whose cells are all headers (a row
  // without cells neither starts nor ends them).
  while (table.header_rows < rows_.size() &&
         (rows_[table.header_rows].empty() || header_row_[table.header_rows])) {
    ++table.header_rows;
  }
  table.rows = std::move(rows_);
  for (std::size_t i = std::min(table_links_, links_.size()); i < links_.size(); ++i) {
    queued_urls_.erase(links_[i].url);
    table.links.push_back({std::move(links_[i].url), std::move(links_[i].label)});
  }
  links_.resize(std::min(table_links_, links_.size()));
  rows_.clear();
  header_row_.clear();
  caption_.clear();
  std::vector<line> lines = format_table(table);
  if (lines.empty()) return;
  blank();
  const line_kind kind = current_kind();  // a table in a quote stays quoted
  for (line& l : lines) {
    if (l.kind == line_kind::text && !l.text.empty()) l.kind = kind;
    lines_.push_back(std::move(l));
  }
  blank();
}

void gemtext_builder::paragraph_break() {
  flush_line();
  if (at_top()) blank();
}

void gemtext_builder::begin_preformatted(std::string_view alt) {
  if (preformatted_) return;
  flush_line();
  preformatted_ = true;
  preformatted_alt_ = normalize_space(alt);
  preformatted_text_.clear();
}

void gemtext_builder::end_preformatted() {
  if (!preformatted_) return;
  preformatted_ = false;
  if (table_depth_ > 0) {  // a <pre> in a cell is more of its text
    if (in_cell_) line_ += preformatted_text_;
    preformatted_text_.clear();
    flush_line();
    return;
  }
  std::vector<std::string> rows;
  std::string_view rest = preformatted_text_;
  if (rest.starts_with("\r\n")) rest.remove_prefix(2);
  if (rest.starts_with('\n')) rest.remove_prefix(1);  // HTML drops it too
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    rows.push_back(clean_preformatted(rest.substr(0, end)));
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  }
  while (!rows.empty() && rows.back().empty()) rows.pop_back();
  preformatted_text_.clear();
  if (rows.empty()) return;
  blank();
  lines_.push_back({line_kind::preformat_toggle, preformatted_alt_, ""});
  for (std::string& row : rows) lines_.push_back({line_kind::preformatted, std::move(row), ""});
  lines_.push_back({line_kind::preformat_toggle, "", ""});
  if (at_top()) {
    blank();
    flush_links();
  }
}

void gemtext_builder::append(const std::vector<gemtext::line>& lines) {
  flush_line();
  blank();
  lines_.insert(lines_.end(), lines.begin(), lines.end());
  blank();
}

std::vector<gemtext::line> gemtext_builder::finish() {
  end_preformatted();
  while (!link_hrefs_.empty()) end_link();
  flush_line();
  blocks_.clear();
  containers_.clear();
  table_depth_ = 0;
  in_cell_ = false;
  lists_.clear();
  flush_links();
  while (!lines_.empty() && lines_.back().kind == line_kind::text && lines_.back().text.empty()) {
    lines_.pop_back();
  }
  return std::move(lines_);
}

}  // namespace twinstar::news::detail
