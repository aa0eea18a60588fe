// Read-only helpers on gumbo's tree.
#include "html_dom.hpp"

#include "twinstar/import/convert.hpp"

namespace twinstar::news::detail {

bool is_dropped(const GumboNode* node) {
  const std::string_view tag = tag_of(node);
  return is_one_of(tag, {"script", "style",  "nav",    "noscript", "template", "iframe", "form",
                         "button", "input",  "select", "textarea", "svg",      "canvas", "object",
                         "embed",  "applet", "head",   "title",    "meta",     "link",   "base",
                         "audio",  "video",  "map",    "frameset", "frame",    "dialog"}) ||
         attribute(node, "role") == "navigation" || attribute(node, "hidden").data() != nullptr;
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

}  // namespace twinstar::news::detail
