// Plain-text articles -> article; the rules are listed in text.hpp.
#include "twinstar/import/text.hpp"

#include <algorithm>
#include <array>

#include "twinstar/ascii.hpp"
#include "twinstar/import/convert.hpp"
#include "utf8.hpp"

namespace twinstar::news {
namespace {

using gemtext::line_kind;

constexpr std::size_t max_heading_chars = 60;
constexpr std::size_t max_dateline_prefix = 80;

constexpr std::array<std::string_view, 24> small_words{
    "a",  "an", "and", "as",   "at",  "but", "by", "for", "from", "in", "into", "nor",
    "of", "on", "or",  "over", "per", "the", "to", "up",  "via",  "vs", "with", "v"};

enum class letter_case { upper, lower, none };

letter_case case_of(char32_t c) {
  if ((c >= U'A' && c <= U'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3A9) ||
      (c >= 0x400 && c <= 0x42F)) {
    return letter_case::upper;
  }
  if ((c >= U'a' && c <= U'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7) || (c >= 0x3B1 && c <= 0x3C9) ||
      (c >= 0x430 && c <= 0x45F)) {
    return letter_case::lower;
  }
  return letter_case::none;
}

char32_t first_char(std::string_view text) { return text.empty() ? 0 : detail::decode_utf8(text, 0).code; }

char32_t last_char(std::string_view text) {
  std::size_t at = text.size();
  while (at > 0 && (static_cast<unsigned char>(text[at - 1]) & 0xC0) == 0x80) --at;
  return at == 0 ? 0 : detail::decode_utf8(text, at - 1).code;
}

std::size_t char_count(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool is_small_word(std::string_view word) {
  return std::find(small_words.begin(), small_words.end(), ascii_lower(word)) != small_words.end();
}

bool is_heading(std::string_view text) {
  if (text.empty() || char_count(text) >= max_heading_chars) return false;
  const char32_t last = last_char(text);
  static constexpr std::u32string_view final_marks = U".,;:!?\u2026\"\u201D\u2019')]\u00BB";
  if (final_marks.find(last) != std::u32string_view::npos) return false;
  const char32_t first = first_char(text);
  if (case_of(first) != letter_case::upper && !(first >= U'0' && first <= U'9')) return false;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(start, end - start);
    start = end + 1;
    if (word.empty() || is_small_word(word)) continue;
    if (case_of(first_char(word)) == letter_case::lower) return false;
  }
  return true;
}

// “...” or "..." with no closing mark before the end.
bool is_quote(std::string_view text) {
  if (text.starts_with("\u201C") && text.ends_with("\u201D") && text.size() > 6) {
    return text.substr(3, text.size() - 6).find("\u201D") == std::string_view::npos;
  }
  if (text.starts_with('"') && text.ends_with('"') && text.size() > 2) {
    return text.substr(1, text.size() - 2).find('"') == std::string_view::npos;
  }
  return false;
}

bool is_dateline(std::string_view text) {
  const std::string_view head = text.substr(0, max_dateline_prefix);
  return head.find(" - ") != std::string_view::npos || head.find(" \u2013 ") != std::string_view::npos ||
         head.find(" \u2014 ") != std::string_view::npos;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

bool is_blank(std::string_view line) { return normalize_space(line).empty(); }

}  // namespace

result<article, import_error> parse_plain_text(std::string_view text, std::string_view file_name) {
  if (const text_position bad = find_invalid_utf8(text); bad.line != 0) {
    return fail(import_error{.file = std::string(file_name),
                             .line = bad.line,
                             .column = bad.column,
                             .message = "invalid UTF-8 (or a NUL byte)"});
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<std::string_view> lines = split_lines(text);
  const auto title_at = std::find_if_not(lines.begin(), lines.end(), is_blank);
  if (title_at == lines.end()) {
    return fail(import_error{
        .file = std::string(file_name), .line = 1, .column = 1, .message = "empty document: no title line"});
  }
  article a;
  a.title = normalize_space(*title_at);
  std::vector<std::string_view> body(title_at + 1, lines.end());
  while (!body.empty() && is_blank(body.back())) body.pop_back();
  if (!body.empty() && normalize_space(body.back()).starts_with("Source:")) {
    a.source_name = normalize_space(normalize_space(body.back()).substr(7));
    body.pop_back();
  }
  while (!body.empty() && is_blank(body.front())) body.erase(body.begin());

  // Paragraphs: blank-line separated (hard-wrapped lines joined) when the
  // body has blank lines, else one per line.
  const bool blank_separated = std::any_of(body.begin(), body.end(), is_blank);
  struct paragraph {
    std::string text;
    bool one_line = true;  // joined lines are never headings
  };
  std::vector<paragraph> paragraphs;
  bool open = false;
  for (std::string_view line : body) {
    if (is_blank(line)) {
      open = false;
    } else if (open && blank_separated) {
      paragraphs.back().text += " " + normalize_space(line);
      paragraphs.back().one_line = false;
    } else {
      paragraphs.push_back({normalize_space(line)});
      open = true;
    }
  }

  for (std::size_t i = 0; i < paragraphs.size(); ++i) {
    paragraph& p = paragraphs[i];
    line_kind kind = line_kind::text;
    if (i == 0 || (i == 1 && is_dateline(p.text))) {
      kind = line_kind::text;  // the standfirst and the dateline
    } else if (is_quote(p.text)) {
      kind = line_kind::quote;
    } else if (p.one_line && is_heading(p.text)) {
      kind = line_kind::heading2;
    }
    a.body.push_back({kind, std::move(p.text), ""});
    a.body.push_back({line_kind::text, "", ""});
  }
  if (!a.body.empty()) a.body.pop_back();
  return a;
}

}  // namespace twinstar::news
