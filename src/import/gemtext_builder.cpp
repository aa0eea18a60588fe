// Structural events -> gemtext lines; see gemtext_builder.hpp.
#include "gemtext_builder.hpp"

#include <algorithm>

#include "twinstar/import/convert.hpp"
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
  if (text.empty() || text == "|") return;
  if (text.ends_with(" |")) text.resize(text.size() - 2);  // a row's empty last cells
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

void gemtext_builder::image(std::string_view src, std::string_view alt) {
  std::string label = normalize_space(alt);
  queue_link(src, label.empty() ? "Image" : label);
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
  if (kind == container_kind::ordered_list || kind == container_kind::unordered_list) {
    lists_.push_back({kind == container_kind::ordered_list, first_number});
  }
}

void gemtext_builder::end_container() {
  if (preformatted_ || containers_.empty()) return;
  flush_line();
  const container_kind kind = containers_.back();
  containers_.pop_back();
  if ((kind == container_kind::ordered_list || kind == container_kind::unordered_list) && !lists_.empty()) {
    lists_.pop_back();
  }
  if (at_top()) {
    blank();
    flush_links();
  }
}

void gemtext_builder::cell_separator() {
  if (normalize_space(line_).empty()) return;
  line_ += " | ";
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
  lists_.clear();
  flush_links();
  while (!lines_.empty() && lines_.back().kind == line_kind::text && lines_.back().text.empty()) {
    lines_.pop_back();
  }
  return std::move(lines_);
}

}  // namespace twinstar::news::detail
