// HTML -> gemtext with gumbo (a conforming HTML5 parser: whatever the input,
// it builds the same tree a browser would).
#include <gumbo.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gemtext_builder.hpp"
#include "html_dom.hpp"
#include "page_meta.hpp"
#include "readability.hpp"
#include "twinstar/ascii.hpp"
#include "twinstar/import/convert.hpp"
#include "twinstar/import/dates.hpp"
#include "twinstar/import/uri.hpp"

namespace twinstar::news {
namespace {

using detail::attribute;
using detail::block_kind;
using detail::collect_text;
using detail::container_kind;
using detail::find_first;
using detail::for_each_child;
using detail::is_dropped;
using detail::is_one_of;
using detail::max_depth;
using detail::tag_of;

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

bool is_block(std::string_view tag) {
  return is_one_of(
      tag, {"p",       "div",    "section",    "article", "main",     "header", "footer", "aside",
            "address", "figure", "figcaption", "details", "summary",  "center", "dl",     "dt",
            "dd",      "hgroup", "caption",    "legend",  "fieldset", "body",   "html",   "noframes"});
}

// Lazy-loading pages put a data: placeholder (or nothing) in src and the
// picture in data-src, data-original or a srcset.
std::string image_source(const GumboNode* img) {
  const std::string_view src = attribute(img, "src");
  if (!src.empty() && !src.starts_with("data:")) return std::string(src);
  for (const char* name : {"data-src", "data-original", "data-lazy-src", "srcset", "data-srcset"}) {
    std::string_view value = attribute(img, name);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    // A srcset's first candidate: its URL ends at whitespace (commas may
    // be part of it) or at the comma before the next candidate.
    value = value.substr(0, value.find(' '));
    if (value.ends_with(',')) value.remove_suffix(1);
    if (!value.empty() && !value.starts_with("data:")) return std::string(value);
  }
  return std::string(src);
}

// The mark of a link to its own section ("#", "¶", "§"): no text of its own.
bool is_anchor_mark(std::string_view text) { return text == "#" || text == "\xC2\xB6" || text == "\xC2\xA7"; }

// The TeX of a formula's fallback image ("{\\displaystyle A^{H}}" -> "A^{H}"),
// or "" when `img` is not one.
std::string formula_source(const GumboNode* img) {
  std::string_view alt = attribute(img, "alt");
  const bool formula = attribute(img, "class").find("mwe-math-fallback-image") != std::string_view::npos;
  constexpr std::string_view display = "{\\displaystyle ";
  if (!alt.starts_with(display)) return formula ? std::string(alt) : std::string();
  alt.remove_prefix(display.size());
  if (alt.ends_with('}')) alt.remove_suffix(1);
  while (!alt.empty() && alt.back() == ' ') alt.remove_suffix(1);
  return std::string(alt);
}

class html_walker {
 public:
  explicit html_walker(detail::gemtext_builder& out) : out_(out) {}
  // Walks one block of the article, leaving out what `scorer` calls
  // boilerplate inside it.
  html_walker(detail::gemtext_builder& out, const detail::content_scorer& scorer, const GumboNode* content)
      : out_(out), scorer_(&scorer), content_(content) {}
  void skip(const GumboNode* node) { skipped_ = node; }

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
    if (node == skipped_ || (scorer_ != nullptr && scorer_->is_boilerplate(node, content_))) return;
    const std::string_view tag = tag_of(node);
    if (tag == "br") return out_.line_break();
    if (tag == "hr") return out_.paragraph_break();
    if (tag == "img") {
      // A formula's picture (MediaWiki: its alt text is the TeX source) is
      // part of the sentence: its TeX goes inline; a link to a picture of
      // every symbol would break the text apart.
      if (const auto tex = formula_source(node); !tex.empty()) return out_.text(" " + tex);
      // 1x1 images are tracking pixels, not pictures.
      if (attribute(node, "width") == "1" && attribute(node, "height") == "1") return;
      const std::string src = image_source(node);
      if (src.empty()) return;
      out_.image(src, attribute(node, "alt"), caption_);
      return;
    }
    if (tag == "a" && attribute(node, "href").starts_with("#") && is_anchor_mark(detail::text_of(node))) {
      return;  // a heading's "#" or "¶" permalink to itself
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
    if (tag == "li") return block(node, depth, block_kind::list_item);
    if (tag == "table" || tag == "caption" || tag == "thead" || tag == "tr" || tag == "td" || tag == "th") {
      return table_part(node, depth, tag);
    }
    if (tag == "figure") {
      // An image without alt text is described by its figure's caption.
      const GumboNode* caption = find_first(node, "figcaption");
      const GumboNode* img = find_first(node, "img");
      const std::string saved = std::move(caption_);
      const bool saved_used = caption_used_;
      caption_ = caption != nullptr ? detail::text_of(caption) : "";
      // Said once: as the image's label when it has no alt text, else as text.
      caption_used_ = img != nullptr && normalize_space(attribute(img, "alt")).empty() && !caption_.empty();
      block(node, depth, block_kind::paragraph);
      caption_ = saved;
      caption_used_ = saved_used;
      return;
    }
    if (tag == "figcaption" && caption_used_) return;
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

  // A data table's parts become cells for format_table; a layout table's
  // cells (and a cell walked without its table) are ordinary blocks.
  void table_part(const GumboNode* node, int depth, std::string_view tag) {
    if (tag == "table") {
      const bool saved_head = in_table_head_;
      in_table_head_ = false;
      data_tables_.push_back(!detail::is_layout_table(node));
      if (data_tables_.back()) {
        container(node, depth, container_kind::table);
      } else {
        block(node, depth, block_kind::paragraph);
      }
      data_tables_.pop_back();
      in_table_head_ = saved_head;
      return;
    }
    const bool data = !data_tables_.empty() && data_tables_.back();
    if (tag == "caption") {
      if (!data) return block(node, depth, block_kind::paragraph);
      return out_.table_caption(detail::text_of(node));
    }
    if (tag == "thead") {
      const bool saved_head = in_table_head_;
      in_table_head_ = true;
      children(node, depth);
      in_table_head_ = saved_head;
      return;
    }
    if (tag == "tr") return data ? block(node, depth, block_kind::row) : children(node, depth);
    if (!data) return block(node, depth, block_kind::paragraph);  // td, th
    out_.begin_cell(tag == "th" || in_table_head_, detail::column_span(node));
    children(node, depth);
    out_.end_cell();
  }

  detail::gemtext_builder& out_;
  std::string caption_;  // of the <figure> being walked
  bool caption_used_ = false;
  const detail::content_scorer* scorer_ = nullptr;
  const GumboNode* content_ = nullptr;
  const GumboNode* skipped_ = nullptr;
  std::vector<bool> data_tables_;  // per open <table>: data, not layout
  bool in_table_head_ = false;
};

// Heading1 lines become `##`, except the first one that repeats the title
// (and, without a title yet, the first one, which becomes the title).
void take_title(std::vector<gemtext::line>& lines, std::string& title) {
  std::vector<gemtext::line> kept;
  kept.reserve(lines.size());
  bool taken = false;
  for (gemtext::line& line : lines) {
    if (line.kind == gemtext::line_kind::heading1 && !taken &&
        (title.empty() || ascii_lower(line.text) == ascii_lower(title))) {
      if (title.empty()) title = std::move(line.text);
      taken = true;
      continue;
    }
    if (line.kind == gemtext::line_kind::heading1) line.kind = gemtext::line_kind::heading2;
    kept.push_back(std::move(line));
  }
  lines = std::move(kept);
}

// "Story | Site" -> "Story" when "Site" is known to be the site's name.
std::string strip_known_suffix(const std::string& title, const std::string& site) {
  if (site.empty() || site.size() >= title.size()) return title;
  const std::string stripped = detail::strip_site_name(title, site);
  const std::size_t tail = title.size() - stripped.size();
  return tail > site.size() &&
                 ascii_lower(std::string_view(title).substr(title.size() - site.size())) == ascii_lower(site)
             ? stripped
             : title;
}

// The <article> or <main> around the content, where its heading, byline
// and date usually sit; the content itself when there is none.
const GumboNode* article_scope(const GumboNode* content) {
  for (const GumboNode* node = content; node != nullptr; node = node->parent) {
    const std::string_view tag = tag_of(node);
    if (tag == "article" || tag == "main") return node;
  }
  return content;
}

std::string first_h1_text(const GumboNode* scope) {
  const GumboNode* h1 = find_first(scope, "h1");
  return h1 == nullptr ? "" : detail::text_of(h1);
}

// The text of every <h1> of the page, in document order.
std::vector<std::string> h1_texts(const GumboNode* root) {
  std::vector<std::string> found;
  auto visit = [&](auto&& self, const GumboNode* node, int depth) -> void {
    if (depth > max_depth) return;
    if (tag_of(node) == "h1") {
      found.push_back(detail::text_of(node));
      return;
    }
    for_each_child(node, [&](const GumboNode* child) { self(self, child, depth + 1); });
  };
  visit(visit, root, 0);
  return found;
}

// "Story - Site" -> "Story" when the page has an <h1> reading "Story": a
// one-word title is still a title when the page's heading says so.
std::string title_before_suffix(const std::vector<std::string>& headings, const std::string& document_title) {
  for (const std::string& heading : headings) {
    if (heading.empty() || heading.size() >= document_title.size() || !document_title.starts_with(heading))
      continue;
    const std::string_view rest = std::string_view(document_title).substr(heading.size());
    for (std::string_view sep : {" | ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", " \xC2\xB7 ", " :: "}) {
      if (rest.starts_with(sep)) return heading;
    }
  }
  return "";
}

// A JSON-LD headline is not the title when the page's <h1>s and <title>
// all say something else (a site's template may say "Wikimedia list
// article").
bool is_shown(const std::string& headline, const std::vector<std::string>& headings,
              const std::string& document_title) {
  const std::string lower = ascii_lower(headline);
  if (headings.empty() || ascii_lower(document_title).find(lower) != std::string::npos) return true;
  return std::any_of(headings.begin(), headings.end(),
                     [&](const std::string& heading) { return ascii_lower(heading) == lower; });
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

converted extract_page(const GumboNode* root, std::string_view base_url) {
  const detail::page_meta meta = detail::read_page_meta(root);
  converted result;
  // The page's own URL resolves its links when no --source-url says it.
  std::string base(base_url);
  if (!meta.canonical.empty()) {
    const std::string canonical = resolve_uri(base, meta.canonical);
    if (is_usable_base(canonical)) {
      result.canonical_url = canonical;
      if (base.empty()) base = canonical;
    }
  }
  if (const GumboNode* base_element = find_first(root, "base")) {
    const std::string resolved = resolve_uri(base, attribute(base_element, "href"));
    if (is_usable_base(resolved)) base = resolved;
  }

  const detail::content_scorer scorer(root);
  const std::vector<const GumboNode*> content = scorer.find_content();
  const GumboNode* scope = article_scope(content.front());
  result.author = join_names(meta.authors);
  // A byline naming the author is metadata, not article text.
  const detail::byline byline = detail::find_byline(scope);
  if (result.author.empty()) result.author = byline.name;
  const bool byline_used = byline.node != nullptr && result.author.find(byline.name) != std::string::npos;
  detail::gemtext_builder builder(base);
  for (const GumboNode* node : content) {
    html_walker walker(builder, scorer, node);
    if (byline_used) walker.skip(byline.node);
    walker.walk(node);
  }
  result.body = builder.finish();

  const std::string site_name =
      !meta.site_name.empty()
          ? meta.site_name
          : meta.document_title.substr(detail::strip_site_name(meta.document_title, "").size());
  const std::vector<std::string> headings = h1_texts(root);
  std::string title = strip_known_suffix(meta.og_title, site_name);
  if (title.empty() && is_shown(meta.ld_headline, headings, meta.document_title)) title = meta.ld_headline;
  if (title.empty()) take_title(result.body, title);  // the content's own <h1>
  if (title.empty() && scope != content.front()) title = first_h1_text(scope);
  if (title.empty()) title = title_before_suffix(headings, meta.document_title);
  if (title.empty()) title = detail::strip_site_name(meta.document_title, meta.site_name);
  take_title(result.body, title);
  result.title = std::move(title);

  std::string published = meta.published;
  if (published.empty()) published = detail::find_time(scope);
  if (auto day = parse_date(published)) {
    result.date = *day;
    result.published = parse_time(published);
  }
  return result;
}

}  // namespace

converted html_to_gemtext(std::string_view html, std::string_view base_url, title_mode mode) {
  const gumbo_ptr output = parse_html(html);
  if (mode == title_mode::extract) return extract_page(output->root, base_url);
  std::string base(base_url);
  if (const GumboNode* base_element = find_first(output->root, "base")) {
    const std::string resolved = resolve_uri(base, attribute(base_element, "href"));
    if (is_usable_base(resolved)) base = resolved;
  }
  detail::gemtext_builder builder(base);
  html_walker(builder).walk(output->root);
  converted result;
  result.body = builder.finish();
  for (gemtext::line& line : result.body) {  // feed content: every <h1> stays, as `##`
    if (line.kind == gemtext::line_kind::heading1) line.kind = gemtext::line_kind::heading2;
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
