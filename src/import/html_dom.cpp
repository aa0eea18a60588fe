// Read-only helpers on gumbo's tree.
#include "html_dom.hpp"

#include <algorithm>
#include <cstddef>

#include "twinstar/ascii.hpp"
#include "twinstar/import/convert.hpp"

namespace twinstar::news::detail {

bool is_hidden(const GumboNode* node) {
  if (attribute(node, "hidden").data() != nullptr) return true;
  // Readability's rule: aria-hidden content is for no reader, except a
  // fallback image (MediaWiki's formulas) that stands in for hidden markup.
  if (attribute(node, "aria-hidden") == "true" &&
      attribute(node, "class").find("fallback-image") == std::string_view::npos)
    return true;
  // Inline styles only (no CSS is applied): "display: none", "visibility:hidden".
  std::string style;
  for (char c : attribute(node, "style"))
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') style += ascii_lower(c);
  return style.find("display:none") != std::string::npos ||
         style.find("visibility:hidden") != std::string::npos;
}

bool is_dropped(const GumboNode* node) {
  const std::string_view tag = tag_of(node);
  return is_one_of(tag, {"script", "style",  "nav",    "noscript", "template", "iframe", "form",
                         "button", "input",  "select", "textarea", "svg",      "canvas", "object",
                         "embed",  "applet", "head",   "title",    "meta",     "link",   "base",
                         "audio",  "video",  "map",    "frameset", "frame",    "dialog"}) ||
         attribute(node, "role") == "navigation" || is_hidden(node);
}

const GumboNode* find_first(const GumboNode* node, std::string_view tag, int depth) {
  if (depth > max_depth) return nullptr;
  if (tag_of(node) == tag) return node;
  const GumboNode* found = nullptr;
  for_each_child(node, [&](const GumboNode* child) {
    if (found == nullptr) found = find_first(child, tag, depth + 1);
  });
  return found;
}

void collect_text(const GumboNode* node, std::string& out, int depth) {
  if (depth > max_depth) return;
  if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
      node->type == GUMBO_NODE_CDATA) {
    out += node->v.text.text;
    return;
  }
  if (node->type == GUMBO_NODE_ELEMENT && is_dropped(node)) return;
  if (tag_of(node) == "br") out += ' ';
  for_each_child(node, [&](const GumboNode* child) { collect_text(child, out, depth + 1); });
}

std::string text_of(const GumboNode* node) {
  std::string text;
  for_each_child(node, [&](const GumboNode* child) { collect_text(child, text); });
  return normalize_space(text);
}

int column_span(const GumboNode* cell) {
  const std::string_view value = attribute(cell, "colspan");
  int span = 0;
  for (char c : value) {
    if (c < '0' || c > '9') break;
    span = std::min(span * 10 + (c - '0'), 1000);
  }
  return std::max(span, 1);
}

bool is_layout_table(const GumboNode* table) {
  const std::string_view role = attribute(table, "role");
  if (role == "presentation" || role == "none") return true;
  std::size_t rows = 0;
  std::size_t columns = 0;
  auto count_row = [&](const GumboNode* tr) {
    if (tag_of(tr) != "tr") return;
    std::size_t cells = 0;
    for_each_child(tr, [&](const GumboNode* cell) {
      if (is_one_of(tag_of(cell), {"td", "th"})) cells += static_cast<std::size_t>(column_span(cell));
    });
    if (cells > 0) ++rows;
    columns = std::max(columns, cells);
  };
  // gumbo puts every <tr> in a row group, as browsers do; a bare one is
  // counted too.
  for_each_child(table, [&](const GumboNode* child) {
    if (is_one_of(tag_of(child), {"thead", "tbody", "tfoot"})) {
      for_each_child(child, count_row);
    } else {
      count_row(child);
    }
  });
  return rows < 2 || columns < 2;
}

}  // namespace twinstar::news::detail
