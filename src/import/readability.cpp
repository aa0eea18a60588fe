// Main-content scoring: paragraphs credit their ancestors, link-heavy and
// boilerplate-named blocks lose, the best block takes its article-like
// siblings along.
#include "readability.hpp"

#include <algorithm>
#include <span>
#include <string>

#include "html_dom.hpp"
#include "twinstar/ascii.hpp"

namespace twinstar::news::detail {
namespace {

// A block with less text than this is no paragraph (a caption, a button).
constexpr int min_paragraph_chars = 25;
// How many ancestors a paragraph's score reaches.
constexpr int score_levels = 5;
constexpr double hint_weight = 25;
// Links longer than this on average are sentences, not menu labels.
constexpr int max_label_chars = 45;

// Substrings of class/id values that name page furniture, not the article.
constexpr std::string_view negative_hints[] = {
    "comment",   "share",    "sharing", "social",  "related",    "sidebar",    "footer",    "nav",
    "menu",      "promo",    "advert",  "sponsor", "trending",   "newsletter", "subscribe", "popular",
    "recommend", "widget",   "cookie",  "banner",  "breadcrumb", "disqus",     "outbrain",  "taboola",
    "masthead",  "popup",    "modal",   "signup",  "toolbar",    "teaser",     "most-read", "mostread",
    "read-more", "readmore", "tags",    "paywall", "skip",       "print-only"};
// ... and those that name it.
constexpr std::string_view positive_hints[] = {"article", "content", "entry", "post",  "story",
                                               "body",    "main",    "text",  "prose", "blog"};

std::string hint_text(const GumboNode* node) {
  std::string hints(attribute(node, "class"));
  hints += ' ';
  hints += attribute(node, "id");
  return ascii_lower(hints);
}

bool has_hint(const std::string& hints, std::span<const std::string_view> words) {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view w) { return hints.find(w) != std::string::npos; });
}

double class_weight(const GumboNode* node) {
  const std::string hints = hint_text(node);
  double weight = 0;
  if (has_hint(hints, negative_hints)) weight -= hint_weight;
  if (has_hint(hints, positive_hints)) weight += hint_weight;
  return weight;
}

bool has_negative_hint(const GumboNode* node) { return has_hint(hint_text(node), negative_hints); }

// Page furniture whose text is never the article, the way Readability drops
// "unlikely candidates" before scoring: asides, navigation and footers, and
// blocks named only by negative hints (a comment thread, a sidebar, a share
// bar). The document's own wrappers are never furniture.
bool is_unlikely(const GumboNode* node) {
  if (node->type != GUMBO_NODE_ELEMENT) return false;
  const std::string_view tag = tag_of(node);
  if (is_one_of(tag, {"aside", "nav", "footer"})) return true;
  if (is_one_of(tag, {"html", "body", "article", "main"})) return false;
  const std::string hints = hint_text(node);
  return has_hint(hints, negative_hints) && !has_hint(hints, positive_hints);
}

bool is_block_tag(std::string_view tag) {
  return is_one_of(tag, {"p",  "div", "section", "article", "main",       "aside",   "header", "footer", "ul",
                         "ol", "dl",  "table",   "pre",     "blockquote", "figure",  "form",   "h1",     "h2",
                         "h3", "h4",  "h5",      "h6",      "hr",         "address", "details"});
}

// What a block's tag says before its text is read.
double tag_weight(std::string_view tag) {
  if (tag == "article") return 10;
  if (tag == "main" || tag == "div" || tag == "section") return 5;
  if (tag == "pre" || tag == "td" || tag == "blockquote") return 3;
  if (is_one_of(tag, {"address", "ol", "ul", "dl", "dd", "dt", "li", "form", "aside", "footer", "nav"}))
    return -3;
  if (is_one_of(tag, {"h1", "h2", "h3", "h4", "h5", "h6", "th"})) return -5;
  return 0;
}

bool is_candidate_tag(std::string_view tag) {
  return is_one_of(tag, {"article", "main", "div", "section", "td", "blockquote", "pre", "body"});
}

}  // namespace

content_scorer::content_scorer(const GumboNode* root) : root_(root) { measure(root, false, false, 0); }

content_scorer::stats content_scorer::measure(const GumboNode* node, bool in_link, bool unlikely, int depth) {
  stats s;
  if (depth > max_depth) return s;
  if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_CDATA) {
    bool space = true;
    for (const char* c = node->v.text.text; *c != '\0'; ++c) {
      const bool is_space = *c == ' ' || *c == '\n' || *c == '\t' || *c == '\r';
      if (!is_space || !space) ++s.text;
      if (*c == ',') ++s.commas;
      space = is_space;
    }
    if (in_link) s.links = s.text;
    return s;
  }
  if (node->type == GUMBO_NODE_WHITESPACE) {
    s.text = 1;
    if (in_link) s.links = 1;
    return s;
  }
  if (node->type == GUMBO_NODE_ELEMENT && is_dropped(node)) return s;
  const bool link = in_link || tag_of(node) == "a";
  if (!in_link && link) s.link_count = 1;
  s.unlikely = unlikely || is_unlikely(node);
  for_each_child(node, [&](const GumboNode* child) {
    const stats c = measure(child, link, s.unlikely, depth + 1);
    s.text += c.text;
    s.links += c.links;
    s.commas += c.commas;
    s.link_count += c.link_count;
    if (is_block_tag(tag_of(child))) s.has_block_child = true;
  });
  if (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_DOCUMENT) stats_[node] = s;
  return s;
}

const content_scorer::stats& content_scorer::stats_of(const GumboNode* node) const {
  static const stats none;
  const auto found = stats_.find(node);
  return found == stats_.end() ? none : found->second;
}

double content_scorer::link_density(const GumboNode* node) const {
  const stats& s = stats_of(node);
  return s.text == 0 ? 0.0 : static_cast<double>(s.links) / s.text;
}

std::vector<const GumboNode*> content_scorer::find_content() const {
  // Paragraphs: <p>, <pre>, <td>, and blocks holding text but no blocks.
  std::unordered_map<const GumboNode*, double> scores;
  std::vector<const GumboNode*> order;  // candidates in first-credit order
  for (const auto& [node, s] : stats_) {
    if (node->type != GUMBO_NODE_ELEMENT || s.text < min_paragraph_chars || s.unlikely) continue;
    const std::string_view tag = tag_of(node);
    const bool paragraph =
        is_one_of(tag, {"p", "pre", "td"}) ||
        (!s.has_block_child && is_one_of(tag, {"div", "section", "article", "main", "li"}));
    if (!paragraph) continue;
    double score = 1 + s.commas + std::min(3.0, s.text / 100.0);
    // A list item is prose only as far as it is not a link (menus, "more
    // stories" lists).
    if (tag == "li") score *= 1 - link_density(node);
    const GumboNode* ancestor = node->parent;
    for (int level = 0; ancestor != nullptr && level < score_levels; ++level, ancestor = ancestor->parent) {
      if (ancestor->type != GUMBO_NODE_ELEMENT) break;
      auto [it, fresh] = scores.try_emplace(ancestor, 0.0);
      if (fresh) {
        it->second = tag_weight(tag_of(ancestor)) + class_weight(ancestor);
        order.push_back(ancestor);
      }
      it->second += level == 0 ? score : level == 1 ? score / 2 : score / (level * 3);
    }
  }
  const GumboNode* best = nullptr;
  double best_score = 0;
  auto final_score = [&](const GumboNode* node) {
    const auto found = scores.find(node);
    return found == scores.end() ? 0.0 : found->second * (1 - link_density(node));
  };
  // Document order breaks ties, so the result never depends on hashing.
  std::sort(order.begin(), order.end(), [](const GumboNode* a, const GumboNode* b) {
    return a->v.element.start_pos.offset < b->v.element.start_pos.offset;
  });
  for (const GumboNode* node : order) {
    if (!is_candidate_tag(tag_of(node))) continue;
    const double score = final_score(node);
    if (best == nullptr || score > best_score) {
      best = node;
      best_score = score;
    }
  }
  if (best == nullptr || best_score <= 0) {
    for (const char* tag : {"main", "article"}) {
      if (const GumboNode* found = find_first(root_, tag)) return {found};
    }
    return {root_};
  }

  // Siblings that continue the article: well-scored blocks, prose paragraphs.
  std::vector<const GumboNode*> content;
  const GumboNode* parent = best->parent;
  if (parent == nullptr || parent->type != GUMBO_NODE_ELEMENT) return {best};
  const double threshold = std::max(10.0, best_score * 0.2);
  const std::string best_class(attribute(best, "class"));
  for_each_child(parent, [&](const GumboNode* sibling) {
    if (sibling == best) return content.push_back(sibling);
    if (sibling->type != GUMBO_NODE_ELEMENT || is_dropped(sibling) || has_negative_hint(sibling)) return;
    const std::string_view tag = tag_of(sibling);
    if (is_one_of(tag, {"aside", "footer", "header", "nav"})) return;
    double bonus = 0;
    if (!best_class.empty() && attribute(sibling, "class") == best_class) bonus = best_score * 0.2;
    if (final_score(sibling) + bonus >= threshold) return content.push_back(sibling);
    if (tag != "p") return;
    const stats& s = stats_of(sibling);
    const double density = link_density(sibling);
    if ((s.text > 80 && density < 0.25) || (s.text > 0 && density == 0 && s.commas > 0)) {
      content.push_back(sibling);
    }
  });
  return content;
}

bool content_scorer::is_boilerplate(const GumboNode* node, const GumboNode* content) const {
  if (node->type != GUMBO_NODE_ELEMENT || node == content) return false;
  const std::string_view tag = tag_of(node);
  if (!is_one_of(tag, {"div", "section", "aside", "footer", "ul", "ol", "dl", "table", "header", "p", "span",
                       "figure", "nav", "li", "details"})) {
    return false;
  }
  const stats& s = stats_of(node);
  // A wrapper holding most of the article is the article, whatever its name.
  if (2 * s.text > stats_of(content).text) return false;
  if (tag == "aside" || tag == "footer" || attribute(node, "role") == "complementary") return true;
  if (has_negative_hint(node)) return true;
  // Blocks of links: menus, "more stories", navigation boxes. A list whose
  // links read as sentences (a post's "bugs fixed" list) is article text;
  // a menu's are short labels.
  if (!is_one_of(tag, {"div", "section", "ul", "ol", "dl", "table", "nav"}) || s.text == 0 ||
      link_density(node) <= 0.5) {
    return false;
  }
  return !is_one_of(tag, {"ul", "ol"}) || s.links < max_label_chars * std::max(1, s.link_count);
}

}  // namespace twinstar::news::detail
