#pragma once
// Private to the importer: turns a stream of structural events (blocks,
// containers, inline text, links) from the HTML and Markdown walkers into
// gemtext lines, with the rules described in twinstar/import/convert.hpp.
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/gemtext.hpp"

namespace twinstar::news::detail {

enum class block_kind { paragraph, heading1, heading2, heading3, list_item, row };
enum class container_kind { unordered_list, ordered_list, quote, table };

class gemtext_builder {
 public:
  explicit gemtext_builder(std::string base_url) : base_(std::move(base_url)) {}
  void set_base(std::string base_url) { base_ = std::move(base_url); }

  // Inline content of the open line; routed to the preformatted block when
  // one is open. Also becomes the label of every open link.
  void text(std::string_view text);
  void begin_link(std::string_view href);
  void end_link();
  // "=> URL Image: ALT" ("Image: CAPTION" without alt text, "Image" with
  // neither).
  void image(std::string_view src, std::string_view alt, std::string_view caption = "");
  void line_break();

  void begin_block(block_kind kind);
  void end_block();
  void begin_container(container_kind kind, int first_number = 1);
  void end_container();
  // Table cells, laid out by format_table (twinstar/import/text_table.hpp)
  // when the outermost table ends; a row whose cells are all headers
  // (<th>, <thead>, a Markdown header row) at the top of the table is a
  // header row. A cell spanning columns is followed by empty cells. Blocks,
  // preformatted text and nested tables inside a cell are flattened into
  // its text; the cells' links are listed after the table.
  void begin_cell(bool header = false, int span = 1);
  void end_cell();
  // The outermost table's <caption> (inside a cell: more of its text).
  void table_caption(std::string_view text);
  void paragraph_break();  // <hr>

  void begin_preformatted(std::string_view alt);
  void end_preformatted();

  // Lines from another conversion (an HTML block inside Markdown).
  void append(const std::vector<gemtext::line>& lines);

  // Closes whatever is open. Heading1 lines stay heading1 (callers decide
  // about titles); everything else is final.
  std::vector<gemtext::line> finish();

 private:
  struct pending_link {
    std::string url;
    std::string label;
  };
  struct open_list {
    bool ordered = false;
    int next = 1;
  };

  gemtext::line_kind current_kind() const;
  void flush_line();
  void flush_links();
  void blank();
  bool at_top() const { return containers_.empty(); }
  void queue_link(std::string_view href, std::string label);

  std::string base_;
  std::vector<gemtext::line> lines_;
  std::string line_;
  std::string prefix_;  // "3. " for an ordered item, written with its first text
  std::vector<block_kind> blocks_;
  std::vector<container_kind> containers_;
  std::vector<open_list> lists_;
  std::vector<std::string> link_labels_;  // one per open link
  std::vector<std::string> link_hrefs_;
  std::vector<pending_link> links_;
  std::set<std::string> queued_urls_;
  bool preformatted_ = false;
  std::string preformatted_alt_;
  std::string preformatted_text_;
  int table_depth_ = 0;
  bool in_cell_ = false;
  bool cell_header_ = false;
  int cell_span_ = 1;
  std::string cell_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<bool> header_row_;  // per row of rows_: all its cells are headers
  std::string caption_;
  std::size_t table_links_ = 0;  // links_ queued before the table began

  void end_table();
};

}  // namespace twinstar::news::detail
