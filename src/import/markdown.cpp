// Markdown -> gemtext with md4c (CommonMark, plus GitHub tables,
// strikethrough, task lists and permissive autolinks).
#include <md4c.h>

#include <algorithm>
#include <string>

#include "gemtext_builder.hpp"
#include "twinstar/import/convert.hpp"

namespace twinstar::news {
namespace {

using detail::block_kind;
using detail::container_kind;

constexpr unsigned markdown_flags =
    MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_TASKLISTS | MD_FLAG_PERMISSIVEAUTOLINKS;

std::string attribute_text(const MD_ATTRIBUTE& attr) {
  std::string out;
  if (attr.text == nullptr || attr.size == 0 || attr.substr_offsets == nullptr) return out;
  for (unsigned i = 0; attr.substr_offsets[i] < attr.size; ++i) {
    const std::string_view part(attr.text + attr.substr_offsets[i],
                                attr.substr_offsets[i + 1] - attr.substr_offsets[i]);
    switch (attr.substr_types[i]) {
      case MD_TEXT_ENTITY:
        out += decode_entity(part);
        break;
      case MD_TEXT_NULLCHAR:
        out += "\xEF\xBF\xBD";
        break;
      default:
        out += part;
    }
  }
  return out;
}

class markdown_walker {
 public:
  explicit markdown_walker(std::string base) : out_(base), base_(std::move(base)) {}

  std::vector<gemtext::line> finish() { return out_.finish(); }

  int enter_block(MD_BLOCKTYPE type, void* detail) {
    switch (type) {
      case MD_BLOCK_QUOTE:
        out_.begin_container(container_kind::quote);
        break;
      case MD_BLOCK_UL:
        out_.begin_container(container_kind::unordered_list);
        break;
      case MD_BLOCK_OL:
        out_.begin_container(container_kind::ordered_list,
                             static_cast<int>(static_cast<MD_BLOCK_OL_DETAIL*>(detail)->start));
        break;
      case MD_BLOCK_LI:
        out_.begin_block(block_kind::list_item);
        break;
      case MD_BLOCK_HR:
        out_.paragraph_break();
        break;
      case MD_BLOCK_H: {
        const unsigned level = static_cast<MD_BLOCK_H_DETAIL*>(detail)->level;
        out_.begin_block(level == 1   ? block_kind::heading1
                         : level == 2 ? block_kind::heading2
                                      : block_kind::heading3);
        break;
      }
      case MD_BLOCK_CODE:
        out_.begin_preformatted(attribute_text(static_cast<MD_BLOCK_CODE_DETAIL*>(detail)->lang));
        break;
      case MD_BLOCK_HTML:
        in_html_block_ = true;
        html_.clear();
        break;
      case MD_BLOCK_P:
        out_.begin_block(block_kind::paragraph);
        break;
      case MD_BLOCK_TABLE:
        out_.begin_container(container_kind::table);
        break;
      case MD_BLOCK_TR:
        out_.begin_block(block_kind::row);
        break;
      case MD_BLOCK_TH:
        out_.begin_cell(true);
        break;
      case MD_BLOCK_TD:
        out_.begin_cell();
        break;
      default:  // document, table head and body
        break;
    }
    return 0;
  }

  int leave_block(MD_BLOCKTYPE type) {
    switch (type) {
      case MD_BLOCK_QUOTE:
      case MD_BLOCK_UL:
      case MD_BLOCK_OL:
      case MD_BLOCK_TABLE:
        out_.end_container();
        break;
      case MD_BLOCK_LI:
      case MD_BLOCK_H:
      case MD_BLOCK_P:
      case MD_BLOCK_TR:
        out_.end_block();
        break;
      case MD_BLOCK_TH:
      case MD_BLOCK_TD:
        out_.end_cell();
        break;
      case MD_BLOCK_CODE:
        out_.end_preformatted();
        break;
      case MD_BLOCK_HTML:
        in_html_block_ = false;
        out_.append(html_to_gemtext(html_, base_).body);
        break;
      default:
        break;
    }
    return 0;
  }

  int enter_span(MD_SPANTYPE type, void* detail) {
    if (type == MD_SPAN_A) {
      out_.begin_link(attribute_text(static_cast<MD_SPAN_A_DETAIL*>(detail)->href));
    } else if (type == MD_SPAN_IMG) {
      if (image_depth_++ == 0) {
        image_src_ = attribute_text(static_cast<MD_SPAN_IMG_DETAIL*>(detail)->src);
        image_alt_.clear();
      }
    }
    return 0;
  }

  int leave_span(MD_SPANTYPE type) {
    if (type == MD_SPAN_A) {
      out_.end_link();
    } else if (type == MD_SPAN_IMG && --image_depth_ == 0) {
      out_.image(image_src_, image_alt_);
    }
    return 0;
  }

  int text(MD_TEXTTYPE type, std::string_view text) {
    if (in_html_block_) {
      html_ += text;
      return 0;
    }
    std::string decoded;
    switch (type) {
      case MD_TEXT_NULLCHAR:
        decoded = "\xEF\xBF\xBD";
        break;
      case MD_TEXT_BR:
        if (image_depth_ == 0) out_.line_break();
        return 0;
      case MD_TEXT_SOFTBR:
        decoded = " ";
        break;
      case MD_TEXT_ENTITY:
        decoded = decode_entity(text);
        break;
      case MD_TEXT_HTML:
        // Inline raw HTML: tags are dropped, except that <br> still breaks.
        if (image_depth_ == 0 && (text.starts_with("<br") || text.starts_with("<BR"))) out_.line_break();
        return 0;
      default:
        decoded = text;
    }
    if (image_depth_ > 0) {
      image_alt_ += decoded;
    } else {
      out_.text(decoded);
    }
    return 0;
  }

 private:
  detail::gemtext_builder out_;
  std::string base_;
  bool in_html_block_ = false;
  std::string html_;
  int image_depth_ = 0;  // an image's description is its alt text, not paragraph text
  std::string image_src_;
  std::string image_alt_;
};

template <class F>
auto as_walker(void* userdata, F f) {
  return f(*static_cast<markdown_walker*>(userdata));
}

// The first `#` heading (else the first heading of any level) is the title;
// the remaining level-1 headings become `##`.
std::string take_title(std::vector<gemtext::line>& lines, bool extract) {
  using gemtext::line_kind;
  auto is_heading = [](const gemtext::line& l) {
    return l.kind == line_kind::heading1 || l.kind == line_kind::heading2 || l.kind == line_kind::heading3;
  };
  std::string title;
  if (extract) {
    auto it = std::find_if(lines.begin(), lines.end(),
                           [](const gemtext::line& l) { return l.kind == line_kind::heading1; });
    if (it == lines.end()) it = std::find_if(lines.begin(), lines.end(), is_heading);
    if (it != lines.end()) {
      title = it->text;
      lines.erase(it);
    }
  }
  for (gemtext::line& line : lines) {
    if (line.kind == line_kind::heading1) line.kind = line_kind::heading2;
  }
  return title;
}

}  // namespace

result<converted, import_error> markdown_to_gemtext(std::string_view markdown, std::string_view file_name,
                                                    std::string_view base_url, title_mode mode) {
  if (const text_position bad = find_invalid_utf8(markdown); bad.line != 0) {
    return fail(import_error{.file = std::string(file_name),
                             .line = bad.line,
                             .column = bad.column,
                             .message = "invalid UTF-8 (or a NUL byte)"});
  }
  markdown_walker walker{std::string(base_url)};
  MD_PARSER parser{};
  parser.abi_version = 0;
  parser.flags = markdown_flags;
  parser.enter_block = [](MD_BLOCKTYPE type, void* detail, void* user) {
    return as_walker(user, [&](markdown_walker& w) { return w.enter_block(type, detail); });
  };
  parser.leave_block = [](MD_BLOCKTYPE type, void*, void* user) {
    return as_walker(user, [&](markdown_walker& w) { return w.leave_block(type); });
  };
  parser.enter_span = [](MD_SPANTYPE type, void* detail, void* user) {
    return as_walker(user, [&](markdown_walker& w) { return w.enter_span(type, detail); });
  };
  parser.leave_span = [](MD_SPANTYPE type, void*, void* user) {
    return as_walker(user, [&](markdown_walker& w) { return w.leave_span(type); });
  };
  parser.text = [](MD_TEXTTYPE type, const MD_CHAR* text, MD_SIZE size, void* user) {
    return as_walker(user, [&](markdown_walker& w) { return w.text(type, std::string_view(text, size)); });
  };
  // md4c 0.4.8 (Debian 12) reads a byte past the end of its input in its
  // permissive-autolink scanner; on an unterminated buffer that byte is
  // whatever follows, and the fuzzer saw it turn into a multi-gigabyte text
  // span. A std::string copy ends in a NUL, which md4c reads as an end.
  const std::string terminated(markdown);
  if (md_parse(terminated.c_str(), static_cast<MD_SIZE>(terminated.size()), &parser, &walker) != 0) {
    return fail(import_error{.file = std::string(file_name),
                             .message = "the Markdown parser failed (out of memory?)"});
  }
  converted result;
  result.body = walker.finish();
  result.title = take_title(result.body, mode == title_mode::extract);
  if (mode == title_mode::extract && result.title.empty()) {
    return fail(import_error{.file = std::string(file_name), .message = "no heading to take the title from"});
  }
  return result;
}

}  // namespace twinstar::news
