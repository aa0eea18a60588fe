// The article model's gemtext form and identity.
#include "twinstar/import/article.hpp"

#include "twinstar/import/dates.hpp"

namespace twinstar::news {
namespace {

constexpr std::string_view middle_dot = " \xC2\xB7 ";  // " · "

// Gemtext has no escapes: a text line that starts like another line type
// would change meaning, so it gets a leading space.
bool reads_as_other_type(std::string_view text) {
  return text.starts_with("=>") || text.starts_with("#") || text.starts_with("* ") || text.starts_with(">") ||
         text.starts_with("```") || text == "*";
}

std::string render_line(const gemtext::line& line) {
  using gemtext::line_kind;
  switch (line.kind) {
    case line_kind::text:
      return reads_as_other_type(line.text) ? " " + line.text : line.text;
    case line_kind::link:
      return "=> " + line.url + (line.text.empty() ? "" : " " + line.text);
    case line_kind::preformat_toggle:
      return "```" + line.text;
    case line_kind::preformatted:
      return line.text.starts_with("```") ? " " + line.text : line.text;
    case line_kind::heading1:
      return "# " + line.text;
    case line_kind::heading2:
      return "## " + line.text;
    case line_kind::heading3:
      return "### " + line.text;
    case line_kind::list_item:
      return "* " + line.text;
    case line_kind::quote:
      return "> " + line.text;
  }
  return line.text;
}

bool is_blank(const gemtext::line& line) {
  return line.kind == gemtext::line_kind::text && line.text.empty();
}

// A site's front page ("https://www.rt.com/") says where an article came
// from, not which article it is.
bool is_front_page(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return false;
  const auto rest = url.substr(scheme_end + 3);
  const auto path_start = rest.find_first_of("/?#");
  if (path_start == std::string_view::npos) return true;
  const auto tail = rest.substr(path_start);
  return tail == "/" || tail.starts_with("#") || tail.starts_with("/#");
}

std::string url_identity(std::string_view source_url) {
  if (source_url.empty() || is_front_page(source_url)) return "";
  return "url " + std::string(source_url);
}

// Title and date (and the URL, when one is known) stand in for a URL of the
// article's own: "Daily briefing" of one day is not that of the next.
std::string title_identity(std::string_view source_url, std::string_view title, std::string_view date) {
  std::string identity = "title " + std::string(title) + "\ndate " + std::string(date);
  if (!source_url.empty()) identity += "\nurl " + std::string(source_url);
  return identity;
}

// "2024-01-02 · By ..." -> "2024-01-02"; "" when the line starts otherwise.
std::string leading_date(std::string_view byline) {
  constexpr std::size_t date_size = 10;
  const std::string_view head = byline.substr(0, date_size);
  if (!is_calendar_date(head) || (byline.size() > date_size && byline[date_size] != ' ')) return "";
  return std::string(head);
}

}  // namespace

std::string import_error::to_string() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::string render_gemtext(const article& a) {
  std::string out = "# " + a.title + "\n\n";
  std::string byline = a.date;
  auto append = [&](std::string_view part) {
    if (!byline.empty()) byline += middle_dot;
    byline += part;
  };
  if (!a.author.empty()) append("By " + a.author);
  if (!a.source_name.empty()) append("Source: " + a.source_name);
  if (!byline.empty()) out += byline + "\n\n";

  // Body: blank runs collapsed, none at either end; a preformatted block's
  // own lines are verbatim, so blank-looking lines inside it stay.
  bool pending_blank = false;
  bool wrote_body = false;
  bool in_preformatted = false;
  for (const gemtext::line& line : a.body) {
    if (!in_preformatted && is_blank(line)) {
      pending_blank = wrote_body;
      continue;
    }
    if (pending_blank) out += "\n";
    pending_blank = false;
    out += render_line(line) + "\n";
    wrote_body = true;
    if (line.kind == gemtext::line_kind::preformat_toggle) in_preformatted = !in_preformatted;
  }
  if (in_preformatted) out += "```\n";  // never leave a block open
  if (wrote_body) out += "\n";

  const std::string label = a.source_name.empty() ? "Source" : "Source: " + a.source_name;
  if (!a.source_url.empty()) {
    out += "=> " + a.source_url + " " + label + "\n";
  } else if (!a.source_name.empty()) {
    out += label + "\n";
  }
  out += "=> ./ More news\n=> / Home\n";
  return out;
}

article_identity identify(const article& a) {
  return {a.shared_source_url ? "" : url_identity(a.source_url),
          title_identity(a.source_url, a.title, a.date)};
}

article_identity identify_gemtext(std::string_view document) {
  std::string title;
  std::string date;
  std::string source_url;
  bool have_title = false;
  bool byline_next = false;
  for (const gemtext::line& line : gemtext::parse(document)) {
    if (byline_next && !is_blank(line)) {
      byline_next = false;
      if (line.kind == gemtext::line_kind::text) date = leading_date(line.text);
    }
    if (line.kind == gemtext::line_kind::heading1 && !have_title) {
      title = line.text;
      have_title = true;
      byline_next = true;
    } else if (line.kind == gemtext::line_kind::link &&
               (line.text == "Source" || line.text.starts_with("Source:"))) {
      source_url = line.url;
    }
  }
  if (!have_title) return {};
  return {url_identity(source_url), title_identity(source_url, title, date)};
}

}  // namespace twinstar::news
