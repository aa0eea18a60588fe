// One input document -> articles: format detection, dates, bylines.
#include "twinstar/import/source.hpp"

#include <fstream>

#include "twinstar/ascii.hpp"
#include "twinstar/import/convert.hpp"
#include "twinstar/import/dates.hpp"
#include "twinstar/import/text.hpp"
#include "twinstar/import/uri.hpp"
#include "twinstar/import/web_feed.hpp"

namespace twinstar::news {
namespace {

constexpr std::size_t max_fallback_title_words = 10;

std::string lower_extension(std::string_view file_name) {
  const auto slash = file_name.find_last_of('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  const auto dot = file_name.find_last_of('.');
  if (dot == std::string_view::npos) return "";
  return ascii_lower(file_name.substr(dot + 1));
}

// "An untitled item's first words ..." for items without a title.
std::string title_from_body(const std::vector<gemtext::line>& body) {
  for (const gemtext::line& line : body) {
    if (line.kind == gemtext::line_kind::link || line.kind == gemtext::line_kind::preformat_toggle ||
        line.text.empty()) {
      continue;
    }
    std::string title;
    std::size_t words = 0;
    std::size_t at = 0;
    while (at < line.text.size() && words < max_fallback_title_words) {
      auto end = line.text.find(' ', at);
      if (end == std::string::npos) end = line.text.size();
      if (!title.empty()) title += ' ';
      title += line.text.substr(at, end - at);
      ++words;
      at = end + 1;
    }
    if (at < line.text.size()) title += " \xE2\x80\xA6";  // " …"
    return title;
  }
  return "Untitled";
}

result<std::string, import_error> single_date(std::string_view file_name, const source_options& options) {
  if (!options.date.empty()) return options.date;
  if (auto date = date_prefix(file_name)) return *date;
  return fail(import_error{.file = std::string(file_name),
                           .message = "no date: pass --date YYYY-MM-DD or name the file YYYY-MM-DD-*"});
}

std::string file_stem(std::string_view file_name) {
  return std::filesystem::path(std::string(file_name)).stem().string();
}

result<std::vector<article>, import_error> import_page(std::string_view content, std::string_view file_name,
                                                       const source_options& options,
                                                       std::vector<import_error>* warnings) {
  const std::string name(file_name);
  auto utf8 = html_to_utf8(content, file_name);
  if (!utf8) return fail(utf8.error());
  converted page = html_to_gemtext(utf8.value(), options.source_url, title_mode::extract);
  article a;
  if (!page.date.empty()) {
    a.date = page.date;
    a.published = page.published;
  } else {
    auto date = single_date(file_name, options);
    if (!date) return fail(date.error());
    a.date = date.value();
  }
  a.title = std::move(page.title);
  if (a.title.empty()) {
    // One untitled page must not stop a batch: the title is guessed and said so.
    a.title = title_from_body(page.body);
    if (a.title == "Untitled") a.title = file_stem(file_name);
    if (warnings != nullptr) {
      warnings->push_back(import_error{
          .file = name,
          .message = "no title in the page (no og:title, <h1> or <title>): using \"" + a.title + "\""});
    }
  }
  a.body = std::move(page.body);
  a.author = std::move(page.author);
  a.source_url = !options.source_url.empty() ? options.source_url : page.canonical_url;
  a.source_name = options.source_name;
  return std::vector<article>{std::move(a)};
}

}  // namespace

source_format detect_format(std::string_view file_name, std::string_view content) {
  const std::string ext = lower_extension(file_name);
  if (ext == "txt" || ext == "text") return source_format::text;
  if (ext == "md" || ext == "markdown") return source_format::markdown;
  if (ext == "html" || ext == "htm" || ext == "xhtml") return source_format::html;
  if (ext == "xml" || ext == "rss" || ext == "atom" || ext == "rdf" || ext == "feed")
    return source_format::feed;
  if (looks_like_web_feed(content.substr(0, 4096))) return source_format::feed;
  std::string_view head = content.substr(0, 1024);
  while (!head.empty() &&
         (head.front() == ' ' || head.front() == '\n' || head.front() == '\r' || head.front() == '\t')) {
    head.remove_prefix(1);
  }
  if (starts_with_nocase(head, "<!doctype html") || starts_with_nocase(head, "<html")) {
    return source_format::html;
  }
  return source_format::text;
}

std::vector<article> web_feed_articles(const web_feed& f, std::string_view fallback_date) {
  std::vector<article> out;
  for (const web_feed_item& item : f.items) {
    article a;
    a.title = item.title.empty() ? title_from_body(item.body) : item.title;
    a.date = !item.date.empty() ? item.date : !f.date.empty() ? f.date : std::string(fallback_date);
    if (!item.date.empty()) a.published = item.published;
    a.author = item.author;
    a.source_name = f.title;
    if (!item.link.empty()) {
      a.source_url = item.link;
    } else if (scheme_of(item.guid).starts_with("http")) {
      a.source_url = item.guid;
    } else {
      a.source_url = f.link;
      a.shared_source_url = true;
    }
    if (!is_safe_link(a.source_url)) a.source_url.clear();
    a.body = item.body;
    out.push_back(std::move(a));
  }
  return out;
}

result<std::vector<article>, import_error> import_document(std::string_view content,
                                                           std::string_view file_name,
                                                           const source_options& options,
                                                           std::vector<import_error>* warnings) {
  const std::string name(file_name);
  const source_format format = detect_format(file_name, content);
  if (format == source_format::feed) {
    auto parsed = parse_web_feed(content, file_name, options.source_url);
    if (!parsed) return fail(parsed.error());
    if (warnings != nullptr) {
      warnings->insert(warnings->end(), parsed->warnings.begin(), parsed->warnings.end());
    }
    std::vector<article> articles =
        web_feed_articles(parsed.value(), options.date.empty() ? options.today : options.date);
    if (!options.source_name.empty()) {
      for (article& a : articles) a.source_name = options.source_name;
    }
    return articles;
  }
  if (format == source_format::html) return import_page(content, file_name, options, warnings);
  auto date = single_date(file_name, options);
  if (!date) return fail(date.error());
  article a;
  if (format == source_format::text) {
    auto parsed = parse_plain_text(content, file_name);
    if (!parsed) return fail(parsed.error());
    a = std::move(parsed.value());
  } else if (format == source_format::markdown) {
    auto parsed = markdown_to_gemtext(content, file_name, options.source_url, title_mode::extract);
    if (!parsed) return fail(parsed.error());
    a.title = std::move(parsed->title);
    a.body = std::move(parsed->body);
  }
  a.date = date.value();
  a.source_url = options.source_url;
  if (!options.source_name.empty()) a.source_name = options.source_name;
  return std::vector<article>{std::move(a)};
}

result<std::vector<article>, import_error> import_file(const std::filesystem::path& file,
                                                       const source_options& options,
                                                       std::vector<import_error>* warnings) {
  std::ifstream in(file, std::ios::binary);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(file, ec)) {
    return fail(import_error{.file = file.string(), .message = "cannot read the file"});
  }
  std::string content;
  char buffer[64 * 1024];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    content.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (content.size() > max_source_bytes) {
      return fail(import_error{.file = file.string(), .message = "larger than the import limit (32 MiB)"});
    }
  }
  if (in.bad()) return fail(import_error{.file = file.string(), .message = "read error"});
  return import_document(content, file.string(), options, warnings);
}

import_report import_into(const std::vector<std::filesystem::path>& sources,
                          const std::filesystem::path& into, const source_options& options, bool dry_run) {
  import_report report;
  std::vector<article> articles;
  for (const std::filesystem::path& source : sources) {
    auto imported = import_file(source, options, &report.warnings);
    if (!imported) {
      report.errors.push_back(imported.error());
      continue;
    }
    for (article& a : imported.value()) articles.push_back(std::move(a));
  }
  if (!report.errors.empty()) return report;
  auto existing = scan_directory(into);
  if (!existing) {
    report.errors.push_back(existing.error());
    return report;
  }
  report.plan = plan_writes(existing.value(), articles);
  if (dry_run) return report;
  report.applied = apply_writes(into, report.plan, std::chrono::system_clock::now());
  report.errors = report.applied.errors;
  return report;
}

}  // namespace twinstar::news
