// The article model's gemtext form and identity.
#include "twinstar/import/article.hpp"

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

std::string identity_of(std::string_view source_url, std::string_view title) {
  if (source_url.empty()) return "title " + std::string(title);
  if (is_front_page(source_url)) return "url " + std::string(source_url) + " title " + std::string(title);
  return "url " + std::string(source_url);
}

std::string identity_of(const article& a) { return identity_of(a.source_url, a.title); }

std::string identity_of_gemtext(std::string_view document) {
  std::string title;
  std::string source_url;
  bool have_title = false;
  for (const gemtext::line& line : gemtext::parse(document)) {
    if (line.kind == gemtext::line_kind::heading1 && !have_title) {
      title = line.text;
      have_title = true;
    } else if (line.kind == gemtext::line_kind::link &&
               (line.text == "Source" || line.text.starts_with("Source:"))) {
      source_url = line.url;
    }
  }
  if (!have_title) return "";
  return identity_of(source_url, title);
}

}  // namespace twinstar::news
