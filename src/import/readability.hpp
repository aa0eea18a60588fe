#pragma once
// Private to the importer: which part of an HTML page is the article, scored
// the way reader views do it (written for this project on gumbo's tree).
#include <gumbo.h>

#include <unordered_map>
#include <vector>

namespace twinstar::news::detail {

class content_scorer {
 public:
  // Measures every element below `root` once (text, link text, commas).
  explicit content_scorer(const GumboNode* root);

  // The article's part of the page, as nodes to convert in document order:
  // the best-scoring block (paragraph text credited to its ancestors, scaled
  // down by link density, raised or lowered by class/id hints such as
  // article/content vs comment/share/related/sidebar/footer/nav) plus those
  // of its siblings that read as article text too. Falls back to the first
  // <main>, else the first <article>, else the root when no block holds a
  // paragraph of text.
  std::vector<const GumboNode*> find_content() const;

  // Inside the chosen content: a block that is not article text (asides,
  // share bars, related-story lists, comment threads, link lists). Never true
  // for a block holding most of `content`'s text.
  bool is_boilerplate(const GumboNode* node, const GumboNode* content) const;

 private:
  struct stats {
    int text = 0;   // characters of text, whitespace runs counted once
    int links = 0;  // of which inside <a>
    int commas = 0;
    int link_count = 0;  // <a> elements (not nested in another)
    bool has_block_child = false;
    bool unlikely = false;  // inside page furniture (see is_unlikely)
  };
  stats measure(const GumboNode* node, bool in_link, bool unlikely, int depth);
  const stats& stats_of(const GumboNode* node) const;
  double link_density(const GumboNode* node) const;

  const GumboNode* root_;
  std::unordered_map<const GumboNode*, stats> stats_;
};

}  // namespace twinstar::news::detail
