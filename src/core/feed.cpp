// Feed scanning: which files of a directory are articles, and what the head
// of each says (date, title, first paragraph). Rendering is feed_render.cpp.
#include "twinstar/feed.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <system_error>

#include "twinstar/ascii.hpp"
#include "twinstar/gemtext.hpp"

namespace twinstar::feed {
namespace fs = std::filesystem;
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int number(std::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

// Bytes of the UTF-8 sequence starting at text[i] (1 for an invalid byte).
std::size_t code_point_bytes(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  const std::size_t length = lead < 0x80           ? 1
                             : (lead >> 5) == 0x6  ? 2
                             : (lead >> 4) == 0xe  ? 3
                             : (lead >> 3) == 0x1e ? 4
                                                   : 1;
  if (i + length > text.size()) return 1;
  for (std::size_t k = 1; k < length; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return 1;
  }
  return length;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// "2025-09-02 · Source", "Date: 2025-09-02", "Published: 2025-09-02".
std::optional<std::string> date_line(std::string_view text) {
  text = trim(text);
  for (std::string_view label : {"date:", "published:"}) {
    if (starts_with_nocase(text, label)) return date_prefix(trim(text.substr(label.size())));
  }
  return date_prefix(text);
}

std::string date_of(std::int64_t ns) {
  using namespace std::chrono;
  const auto day = floor<days>(sys_time<nanoseconds>(nanoseconds(ns)));
  const year_month_day ymd(day);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

// A character cut at the end of the read window is dropped, not kept half:
// the title or summary may end there.
void drop_partial_code_point(std::string& text) {
  std::size_t lead = text.size();
  while (lead > 0 && text.size() - lead < 4 && (static_cast<unsigned char>(text[lead - 1]) & 0xc0) == 0x80)
    --lead;
  if (lead == 0) return;
  --lead;  // the byte before the continuation bytes
  if (static_cast<unsigned char>(text[lead]) < 0xc0) return;
  if (code_point_bytes(text, lead) == 1) text.resize(lead);
}

std::string stem_of(std::string_view name) {
  const auto dot = name.rfind('.');
  return std::string(dot == std::string_view::npos || dot == 0 ? name : name.substr(0, dot));
}

}  // namespace

std::optional<std::string> date_prefix(std::string_view text) {
  if (text.size() < 10) return std::nullopt;
  for (std::size_t i = 0; i < 10; ++i) {
    if ((i == 4 || i == 7) ? text[i] != '-' : !is_digit(text[i])) return std::nullopt;
  }
  if (text.size() > 10 && is_digit(text[10])) return std::nullopt;
  const int year = number(text.substr(0, 4));
  const int month = number(text.substr(5, 2));
  const int day = number(text.substr(8, 2));
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  return std::string(text.substr(0, 10));
}

std::string shorten(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0;
  std::size_t i = 0;
  while (i < text.size() && chars < max_chars) {
    i += code_point_bytes(text, i);
    ++chars;
  }
  if (i >= text.size()) return std::string(text);
  // Back off to the last space so no word is cut, unless the first word alone
  // is longer than the limit.
  std::size_t cut = i;
  if (text[i] != ' ') {
    const auto space = text.substr(0, i).rfind(' ');
    if (space != std::string_view::npos && space > 0) cut = space;
  }
  return std::string(trim(text.substr(0, cut))) + "\xe2\x80\xa6";  // U+2026
}

article_head parse_article(std::string_view text, std::size_t summary_chars) {
  article_head head;
  std::string paragraph;
  bool paragraph_done = false;
  std::size_t line_number = 0;
  for (const auto& line : gemtext::parse(text)) {
    ++line_number;
    const bool is_text = line.kind == gemtext::line_kind::text && !trim(line.text).empty();
    const bool is_heading = line.kind == gemtext::line_kind::heading1 ||
                            line.kind == gemtext::line_kind::heading2 ||
                            line.kind == gemtext::line_kind::heading3;
    if (is_heading && !head.title) {
      head.title = line.text;
      continue;
    }
    if (is_text && !head.date && paragraph.empty() && line_number <= date_line_search_lines) {
      if (auto date = date_line(line.text)) {
        head.date = std::move(date);
        continue;
      }
    }
    if (paragraph_done) continue;
    if (is_text) {
      if (!paragraph.empty()) paragraph += ' ';
      paragraph += trim(line.text);
    } else if (!paragraph.empty()) {
      paragraph_done = true;
    }
    if (paragraph_done && head.title && head.date) break;
  }
  if (summary_chars > 0) head.summary = shorten(paragraph, summary_chars);
  return head;
}

bool is_article_name(std::string_view name, const std::vector<std::string>& index_files) {
  if (name.empty() || name.front() == '.') return false;
  if (!name.ends_with(".gmi") && !name.ends_with(".gemini")) return false;
  return std::find(index_files.begin(), index_files.end(), name) == index_files.end();
}

std::vector<std::pair<std::string, file_stamp>> list_articles(const fs::path& directory,
                                                              const std::vector<std::string>& index_files) {
  std::vector<std::pair<std::string, file_stamp>> found;
  std::error_code ec;
  for (fs::directory_iterator it(directory, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    auto name = it->path().filename().string();
    if (!is_article_name(name, index_files)) continue;
    // lstat: one call for kind, size and time; a symlink is never an article.
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const std::int64_t ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    found.emplace_back(std::move(name), file_stamp{ns, static_cast<std::uint64_t>(st.st_size)});
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return found;
}

entry read_entry(const fs::path& directory, const std::string& name, const file_stamp& stamp,
                 std::size_t summary_chars) {
  std::string head_bytes(article_scan_bytes, '\0');
  std::ifstream in(directory / name, std::ios::binary);
  in.read(head_bytes.data(), static_cast<std::streamsize>(head_bytes.size()));
  head_bytes.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  if (head_bytes.size() == article_scan_bytes) drop_partial_code_point(head_bytes);

  auto head = parse_article(head_bytes, summary_chars);
  entry out;
  out.file = name;
  out.stamp = stamp;
  out.title = head.title && !head.title->empty() ? *head.title : stem_of(name);
  out.summary = std::move(head.summary);
  if (auto from_name = date_prefix(name)) {
    out.date = *from_name;
    out.source = date_source::file_name;
  } else if (head.date) {
    out.date = *head.date;
    out.source = date_source::date_line;
  } else {
    out.date = date_of(stamp.mtime_ns);
    out.source = date_source::mtime;
  }
  return out;
}

void sort_newest_first(std::vector<entry>& entries) {
  std::sort(entries.begin(), entries.end(), [](const entry& a, const entry& b) {
    if (a.date != b.date) return a.date > b.date;
    return a.file < b.file;
  });
}

}  // namespace twinstar::feed
