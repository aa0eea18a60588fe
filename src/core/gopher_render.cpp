// Gemtext rendered for Gopher clients: as a menu (links become items) and as
// a plain text document (links become numbered references). Both share one
// layout of the non-link lines so a page reads the same either way.
#include <algorithm>
#include <string>
#include <vector>

#include "twinstar/gemtext.hpp"
#include "twinstar/gopher.hpp"
#include "twinstar/mime.hpp"
#include "twinstar/reference.hpp"
#include "twinstar/url.hpp"

namespace twinstar::gopher {

namespace {

using gemtext::line_kind;

inline constexpr std::size_t tab_stop = 8;

// TABs would split a menu line and measure wrong: expand them to the next
// 8-column stop, counting code points as display_width does.
std::string expand_tabs(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t column = 0;
  for (char c : text) {
    if (c == '\t') {
      const auto spaces = tab_stop - column % tab_stop;
      out.append(spaces, ' ');
      column += spaces;
      continue;
    }
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++column;
    out += c;
  }
  return out;
}

// A title over an underline as wide as its widest line.
void append_underlined(std::vector<std::string>& out, std::string_view title, char rule) {
  if (title.empty()) {
    out.emplace_back();
    return;
  }
  std::size_t widest = 0;
  for (auto& line : wrap(title, wrap_columns)) {
    widest = std::max(widest, display_width(line));
    out.push_back(std::move(line));
  }
  out.emplace_back(widest, rule);
}

void append_all(std::vector<std::string>& out, std::vector<std::string> lines) {
  for (auto& line : lines) out.push_back(std::move(line));
}

// Display lines of every non-link line, shared by the menu and the text form.
// A preformat toggle gives nothing; links are the caller's.
void layout(const gemtext::line& line, std::vector<std::string>& out) {
  const auto text = expand_tabs(line.text);
  switch (line.kind) {
    case line_kind::text:
      append_all(out, wrap(text, wrap_columns));
      break;
    case line_kind::heading1:
      append_underlined(out, text, '=');
      break;
    case line_kind::heading2:
      append_underlined(out, text, '-');
      break;
    case line_kind::heading3:
      append_all(out, wrap(text, wrap_columns, "### ", "    "));
      break;
    case line_kind::list_item:
      append_all(out, wrap(text, wrap_columns, "  * ", "    "));
      break;
    case line_kind::quote:
      append_all(out, wrap(text, wrap_columns, "> ", "> "));
      break;
    case line_kind::preformatted:
      out.push_back(text);
      break;
    case line_kind::preformat_toggle:
    case line_kind::link:
      break;
  }
}

// gopher://host[:port]/<type><selector> (RFC 4266) as a menu item; nullopt
// when the authority is unusable, so the caller falls back to a URL: item.
std::optional<std::string> gopher_url_item(const reference_parts& parts, std::string_view display) {
  auto authority = parts.authority.value_or(std::string_view{});
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view host = authority;
  std::string_view port_text;
  if (authority.front() == '[') {  // IPv6 literal: menus carry it bare
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return std::nullopt;
    if (!after.empty()) port_text = after.substr(1);
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  std::uint16_t port = default_port;
  if (!port_text.empty()) {
    unsigned long value = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || value > 65535) return std::nullopt;
      value = value * 10 + static_cast<unsigned long>(c - '0');
    }
    if (value == 0 || value > 65535) return std::nullopt;
    port = static_cast<std::uint16_t>(value);
  }
  if (host.empty()) return std::nullopt;

  // The path is "/<type><selector>"; '?' has no meaning in gopher URLs, so a
  // query is part of the selector.
  const auto path = parts.path;
  if (path.size() < 2) return menu_item('1', display, "", host, port);
  std::string raw(path.substr(2));
  if (parts.query) raw.append("?").append(*parts.query);
  auto decoded = percent_decode(raw);
  std::string selector = decoded ? std::move(decoded).value() : raw;
  // "%09" starts a search string or Gopher+ data, which an item cannot carry.
  selector.erase(std::min(selector.find('\t'), selector.size()));
  return menu_item(path[1], display, selector, host, port);
}

std::string link_item(const gemtext::line& line, std::string_view page_path, const menu_context& context,
                      const classify_fn& classify) {
  const std::string_view display = line.text.empty() ? line.url : line.text;
  const auto parts = split_reference(line.url);
  if (!parts.scheme && !parts.authority) {
    const auto path = resolve_path(page_path, line.url);
    if (classify) {
      if (auto found = classify(path)) {
        if (found->hidden) return {};
        return menu_item(found->type, display, found->selector, context.host, context.port);
      }
    }
    const char type = path.back() == '/' ? '1' : item_type_for_mime(mime_for_path(path));
    return menu_item(type, display, path, context.host, context.port);
  }
  if (scheme_of(line.url) == "gopher") {
    if (auto item = gopher_url_item(parts, display)) return *std::move(item);
  }
  // "//host/path" in a gemtext page is relative to the gemini scheme.
  const std::string url = parts.scheme ? line.url : "gemini:" + line.url;
  return menu_item('h', display, "URL:" + url, context.host, context.port);
}

}  // namespace

std::string gemtext_to_menu(std::string_view gemtext, std::string_view page_path, const menu_context& context,
                            const classify_fn& classify) {
  std::string out;
  std::vector<std::string> lines;
  for (const auto& line : gemtext::parse(gemtext)) {
    if (line.kind == line_kind::link) {
      out += link_item(line, page_path, context, classify);
      continue;
    }
    lines.clear();
    layout(line, lines);
    for (const auto& text : lines) out += info_line(text, context);
  }
  out += ".\r\n";
  return out;
}

std::string url_redirect_page(std::string_view url) {
  std::string safe;
  for (char c : url) {
    switch (c) {
      case '&':
        safe += "&amp;";
        break;
      case '<':
        safe += "&lt;";
        break;
      case '>':
        safe += "&gt;";
        break;
      case '"':
        safe += "&quot;";
        break;
      case '\'':
        safe += "&#39;";
        break;
      default:
        safe += c;
    }
  }
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"refresh\" content=\"2;url=" +
         safe +
         "\">\n"
         "<title>Leaving Gopherspace</title></head><body>\n"
         "<p>You are following a link from Gopher to another place. You will be taken there shortly;\n"
         "if not, follow this link:</p>\n<p><a href=\"" +
         safe + "\">" + safe + "</a></p>\n</body></html>\n";
}

std::string gopher_url(std::string_view host, std::uint16_t port, char type, std::string_view selector) {
  std::string out = "gopher://" + std::string(host);
  if (port != 70) out += ":" + std::to_string(port);
  out += '/';
  out += type;
  out += selector;
  return out;
}

std::string gemtext_to_text(std::string_view gemtext, std::string_view page_url, const rewrite_fn& rewrite) {
  std::vector<std::string> lines;
  std::vector<std::string> references;
  for (const auto& line : gemtext::parse(gemtext)) {
    if (line.kind != line_kind::link) {
      layout(line, lines);
      continue;
    }
    const auto number = "[" + std::to_string(references.size() + 1) + "] ";
    const std::string_view label = line.text.empty() ? line.url : line.text;
    append_all(lines, wrap(expand_tabs(label), wrap_columns, number, std::string(number.size(), ' ')));
    // Absolute URLs are kept exactly as written; only relative ones resolve.
    const bool absolute = split_reference(line.url).scheme.has_value();
    std::string target = absolute ? line.url : resolve_reference(page_url, line.url);
    if (rewrite)
      if (auto replaced = rewrite(target)) target = std::move(*replaced);
    references.push_back(number + target);
  }
  if (!references.empty()) {
    lines.emplace_back();
    lines.emplace_back("References");
    lines.emplace_back(std::string_view("References").size(), '-');
    append_all(lines, std::move(references));
  }

  std::string text;
  for (const auto& line : lines) {
    text += line;
    text += '\n';
  }
  return text_document(text);
}

}  // namespace twinstar::gopher
