// HTML -> gemtext with gumbo (a conforming HTML5 parser: whatever the input,
// it builds the same tree a browser would).
#include <gumbo.h>

#include <memory>
#include <string>

#include "gemtext_builder.hpp"
#include "twinstar/import/convert.hpp"
#include "twinstar/import/uri.hpp"

namespace twinstar::news {
namespace {

using detail::block_kind;
using detail::container_kind;

// Deeper nesting than this is never content; the walk stops there so a
// hostile page cannot exhaust the stack.
constexpr int max_depth = 256;

struct gumbo_deleter {
  void operator()(GumboOutput* output) const { gumbo_destroy_output(&kGumboDefaultOptions, output); }
};
using gumbo_ptr = std::unique_ptr<GumboOutput, gumbo_deleter>;

// gumbo turns C1 controls into U+FFFD; feeds use them for Windows-1252
// quotes, so they are mapped first.
gumbo_ptr parse_html(std::string_view html) {
  const std::string input = map_c1_controls(html);
  return gumbo_ptr(gumbo_parse_with_options(&kGumboDefaultOptions, input.data(), input.size()));
}

std::string_view tag_of(const GumboNode* node) {
  if (node->type != GUMBO_NODE_ELEMENT) return "";
  return gumbo_normalized_tagname(node->v.element.tag);
}

std::string_view attribute(const GumboNode* node, const char* name) {
  if (node->type != GUMBO_NODE_ELEMENT) return "";
  const GumboAttribute* attr = gumbo_get_attribute(&node->v.element.attributes, name);
  return attr ? std::string_view(attr->value) : std::string_view();
}

bool is_one_of(std::string_view tag, std::initializer_list<std::string_view> tags) {
  for (std::string_view t : tags) {
    if (t == tag) return true;
  }
  return false;
}

// Never content: code, styling, navigation, forms, embedded objects.
bool is_dropped(const GumboNode* node) {
  const std::string_view tag = tag_of(node);
  return is_one_of(tag, {"script", "style",  "nav",    "noscript", "template", "iframe", "form",
                         "button", "input",  "select", "textarea", "svg",      "canvas", "object",
                         "embed",  "applet", "head",   "title",    "meta",     "link",   "base",
                         "audio",  "video",  "map",    "frameset", "frame",    "dialog"}) ||
         attribute(node, "role") == "navigation" || attribute(node, "hidden").data() != nullptr;
}

bool is_block(std::string_view tag) {
  return is_one_of(
      tag, {"p",       "div",    "section",    "article", "main",     "header", "footer", "aside",
            "address", "figure", "figcaption", "details", "summary",  "center", "dl",     "dt",
            "dd",      "hgroup", "caption",    "legend",  "fieldset", "body",   "html",   "noframes"});
}

const GumboVector* children_of(const GumboNode* node) {
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

// Depth-first search for the first element with `tag`.
const GumboNode* find_first(const GumboNode* node, std::string_view tag, int depth = 0) {
  if (depth > max_depth) return nullptr;
  if (tag_of(node) == tag) return node;
  const GumboNode* found = nullptr;
  for_each_child(node, [&](const GumboNode* child) {
    if (found == nullptr) found = find_first(child, tag, depth + 1);
  });
  return found;
}

void collect_text(const GumboNode* node, std::string& out, int depth = 0) {
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

class html_walker {
 public:
  explicit html_walker(detail::gemtext_builder& out) : out_(out) {}

  void walk(const GumboNode* node, int depth = 0) {
    if (depth > max_depth) return;
    switch (node->type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_WHITESPACE:
      case GUMBO_NODE_CDATA:
        out_.text(node->v.text.text);
        return;
      case GUMBO_NODE_DOCUMENT:
        for_each_child(node, [&](const GumboNode* child) { walk(child, depth + 1); });
        return;
      case GUMBO_NODE_ELEMENT:
        element(node, depth);
        return;
      default:  // comments, templates
        return;
    }
  }

 private:
  void children(const GumboNode* node, int depth) {
    for_each_child(node, [&](const GumboNode* child) { walk(child, depth + 1); });
  }

  void element(const GumboNode* node, int depth) {
    if (is_dropped(node)) return;
    const std::string_view tag = tag_of(node);
    if (tag == "br") return out_.line_break();
    if (tag == "hr") return out_.paragraph_break();
    if (tag == "img") {
      // 1x1 images are tracking pixels, not pictures.
      if (attribute(node, "width") == "1" && attribute(node, "height") == "1") return;
      if (!attribute(node, "src").empty()) out_.image(attribute(node, "src"), attribute(node, "alt"));
      return;
    }
    if (tag == "a" && !attribute(node, "href").empty()) {
      out_.begin_link(attribute(node, "href"));
      children(node, depth);
      return out_.end_link();
    }
    if (tag == "pre" || tag == "listing" || tag == "xmp" || tag == "plaintext") {
      out_.begin_preformatted("");
      children(node, depth);
      return out_.end_preformatted();
    }
    if (tag.size() == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6') {
      return block(node, depth,
                   tag[1] == '1'   ? block_kind::heading1
                   : tag[1] == '2' ? block_kind::heading2
                                   : block_kind::heading3);
    }
    if (tag == "ul" || tag == "menu" || tag == "dir") {
      return container(node, depth, container_kind::unordered_list);
    }
    if (tag == "ol") {
      const std::string start(attribute(node, "start"));
      int first = 1;
      if (!start.empty() && start.size() < 6 && start.find_first_not_of("0123456789") == std::string::npos) {
        first = std::stoi(start);
      }
      return container(node, depth, container_kind::ordered_list, first);
    }
    if (tag == "blockquote") return container(node, depth, container_kind::quote);
    if (tag == "table") return container(node, depth, container_kind::table);
    if (tag == "li") return block(node, depth, block_kind::list_item);
    if (tag == "tr") return block(node, depth, block_kind::row);
    if (tag == "td" || tag == "th") {
      out_.cell_separator();
      return children(node, depth);
    }
    if (is_block(tag)) return block(node, depth, block_kind::paragraph);
    children(node, depth);  // inline markup: only its text counts
  }

  void block(const GumboNode* node, int depth, block_kind kind) {
    out_.begin_block(kind);
    children(node, depth);
    out_.end_block();
  }

  void container(const GumboNode* node, int depth, container_kind kind, int first = 1) {
    out_.begin_container(kind, first);
    children(node, depth);
    out_.end_container();
  }

  detail::gemtext_builder& out_;
};

// Heading1 lines: the first becomes the title when asked for, the rest `##`.
std::string take_title(std::vector<gemtext::line>& lines, bool extract) {
  std::string title;
  std::vector<gemtext::line> kept;
  kept.reserve(lines.size());
  for (gemtext::line& line : lines) {
    if (line.kind == gemtext::line_kind::heading1) {
      if (extract && title.empty()) {
        title = std::move(line.text);
        continue;
      }
      line.kind = gemtext::line_kind::heading2;
    }
    kept.push_back(std::move(line));
  }
  lines = std::move(kept);
  return title;
}

}  // namespace

converted html_to_gemtext(std::string_view html, std::string_view base_url, title_mode mode) {
  const gumbo_ptr output = parse_html(html);
  std::string base(base_url);
  if (const GumboNode* base_element = find_first(output->root, "base")) {
    const std::string resolved = resolve_uri(base, attribute(base_element, "href"));
    if (is_usable_base(resolved)) base = resolved;
  }
  const GumboNode* root = output->root;
  if (mode == title_mode::extract) {
    if (const GumboNode* main = find_first(output->root, "main")) {
      root = main;
    } else if (const GumboNode* article = find_first(output->root, "article")) {
      root = article;
    }
  }
  detail::gemtext_builder builder(base);
  html_walker(builder).walk(root);
  converted result;
  result.body = builder.finish();
  result.title = take_title(result.body, mode == title_mode::extract);
  if (mode == title_mode::extract && result.title.empty()) {
    if (const GumboNode* title = find_first(output->root, "title")) {
      std::string text;
      for_each_child(title, [&](const GumboNode* child) { collect_text(child, text); });
      result.title = normalize_space(text);
    }
  }
  return result;
}

std::string html_to_text(std::string_view html) {
  const gumbo_ptr output = parse_html(html);
  std::string text;
  collect_text(output->root, text);
  return normalize_space(text);
}

std::string decode_entity(std::string_view reference) {
  if (reference.size() < 3 || reference.front() != '&' || reference.size() > 64) {
    return std::string(reference);
  }
  const gumbo_ptr output = parse_html(reference);
  std::string text;
  collect_text(output->root, text);
  return text.empty() ? std::string(reference) : text;
}

}  // namespace twinstar::news
