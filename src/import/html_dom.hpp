#pragma once
// Private to the importer: read-only helpers on gumbo's tree, shared by the
// HTML walker (html.cpp), the content scorer (readability.cpp) and the page
// metadata reader (page_meta.cpp).
#include <gumbo.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace twinstar::news::detail {

// Deeper nesting than this is never content; walks stop there so a hostile
// page cannot exhaust the stack.
inline constexpr int max_depth = 256;

inline std::string_view tag_of(const GumboNode* node) {
  if (node->type != GUMBO_NODE_ELEMENT) return "";
  return gumbo_normalized_tagname(node->v.element.tag);
}

// The attribute's value; a null data() when the attribute is absent.
inline std::string_view attribute(const GumboNode* node, const char* name) {
  if (node->type != GUMBO_NODE_ELEMENT) return "";
  const GumboAttribute* attr = gumbo_get_attribute(&node->v.element.attributes, name);
  return attr ? std::string_view(attr->value) : std::string_view();
}

inline bool is_one_of(std::string_view tag, std::initializer_list<std::string_view> tags) {
  for (std::string_view t : tags) {
    if (t == tag) return true;
  }
  return false;
}

inline const GumboVector* children_of(const GumboNode* node) {
  if (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE) {
    return &node->v.element.children;
  }
  if (node->type == GUMBO_NODE_DOCUMENT) return &node->v.document.children;
  return nullptr;
}

template <class F>
void for_each_child(const GumboNode* node, F f) {
  const GumboVector* children = children_of(node);
  if (children == nullptr) return;
  for (unsigned i = 0; i < children->length; ++i) f(static_cast<const GumboNode*>(children->data[i]));
}

// Hidden from every reader: the hidden attribute, aria-hidden="true" (not on
// a fallback image), an inline style with display:none or visibility:hidden.
bool is_hidden(const GumboNode* node);
// Never content: code, styling, navigation, forms, embedded objects, hidden
// elements.
bool is_dropped(const GumboNode* node);

// Depth-first search for the first element with `tag`.
const GumboNode* find_first(const GumboNode* node, std::string_view tag, int depth = 0);

// The raw text below `node` (dropped elements skipped, <br> as a space).
void collect_text(const GumboNode* node, std::string& out, int depth = 0);

// The text below `node`, whitespace normalised.
std::string text_of(const GumboNode* node);

// A cell's colspan: 1 when absent or not a number, at most 1000 (HTML's
// cap).
int column_span(const GumboNode* cell);

// A <table> that lays out a page rather than holding data: role
// "presentation" or "none", or a single row or a single column of cells
// (colspan counted; cells of nested tables not). Its cells are read as
// ordinary blocks.
bool is_layout_table(const GumboNode* table);

}  // namespace twinstar::news::detail
