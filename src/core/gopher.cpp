// Gopher requests and menu lines (RFC 1436), the Gopher face of error kinds,
// text layout, and gophermaps. Gemtext rendering is in gopher_render.cpp.
#include "twinstar/gopher.hpp"

#include <algorithm>
#include <charconv>

#include "twinstar/ascii.hpp"
#include "twinstar/reference.hpp"
#include "twinstar/url.hpp"

namespace twinstar::gopher {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// C0 controls and DEL, except the TAB that separates fields.
bool is_forbidden_control(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return (byte < 0x20 && c != '\t') || byte == 0x7f;
}

// Item types RFC 1436 and its common extensions define; a client that copies
// a URL's type into the selector sends one of these first.
bool is_item_type(char c) {
  return std::string_view("0123456789+gIThisdp;:<").find(c) != std::string_view::npos;
}

// Gopher+ asks for attributes or metadata with these after the TAB.
bool is_gopher_plus_marker(std::string_view search) {
  return search == "+" || search == "!" || search == "$";
}

void append_sanitised(std::string& out, std::string_view text) {
  for (char c : text) out += (c == '\t' || c == '\r' || c == '\n' || c == '\0') ? ' ' : c;
}

bool is_space(char c) { return c == ' '; }

// Bytes of the code point starting at `i`: 1 for an invalid or truncated
// sequence, so every byte is consumed exactly once.
std::size_t code_point_bytes(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
  }
  if (i + length > text.size()) return 1;
  for (std::size_t k = 1; k < length; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 1;
  }
  return length;
}

// Byte offset just past the first `count` code points of `text`.
std::size_t bytes_for_columns(std::string_view text, std::size_t count) {
  std::size_t i = 0;
  for (; i < text.size() && count > 0; --count) i += code_point_bytes(text, i);
  return i;
}

void trim_right(std::string& text) {
  while (!text.empty() && is_space(text.back())) text.pop_back();
}

std::uint16_t parse_port(std::string_view text, std::uint16_t fallback) {
  std::uint16_t port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc{} || end != text.data() + text.size() || port == 0) return fallback;
  return port;
}

}  // namespace

frame find_selector_line(std::string_view received) {
  const auto lf = received.find('\n');
  if (lf == std::string_view::npos) {
    // A full-length selector may still be followed by its CR.
    const bool cannot_fit = received.size() > max_selector_bytes + 1 ||
                            (received.size() == max_selector_bytes + 1 && received.back() != '\r');
    return {cannot_fit ? frame_state::too_long : frame_state::need_more, {}};
  }
  auto line = received.substr(0, lf);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > max_selector_bytes) return {frame_state::too_long, {}};
  return {frame_state::complete, line};
}

result<request, error> parse_selector(std::string_view line) {
  if (line.size() > max_selector_bytes) {
    return fail(error{errc::request_too_long, "selector longer than 255 bytes"});
  }
  for (char c : line) {
    if (is_forbidden_control(c)) {
      return fail(error{errc::control_character, "control character in selector"});
    }
  }
  if (!is_valid_utf8(line)) return fail(error{errc::not_utf8, "selector is not valid UTF-8"});

  request out;
  const auto tab = line.find('\t');
  std::string_view selector = line.substr(0, tab);
  if (tab != std::string_view::npos) {
    auto search = line.substr(tab + 1);
    search = search.substr(0, search.find('\t'));  // Gopher+ fields follow a second TAB
    if (!is_gopher_plus_marker(search)) out.search = std::string(search);
  }

  if (selector.size() >= 2 && selector[1] == '/' && is_item_type(selector[0])) {
    selector.remove_prefix(1);
  }
  if (selector.empty() || (selector.front() != '/' && !starts_with(selector, "URL:"))) {
    out.selector = "/";
  }
  out.selector += selector;
  return out;
}

std::string gopher_error_item(const error& e, std::string_view selector) {
  switch (e.code) {
    case errc::not_found:
    case errc::forbidden_path:
    case errc::unreadable:
    case errc::listing_disabled:
    // This server answers for one capsule per port: a selector addressed
    // elsewhere finds nothing here either.
    case errc::wrong_scheme:
    case errc::unknown_host:
    case errc::wrong_port:
      return "Not found: " + std::string(selector);
    case errc::gone:
      return "Gone";
    case errc::empty_request:
    case errc::request_too_long:
    case errc::missing_crlf:
    case errc::byte_order_mark:
    case errc::not_utf8:
    case errc::control_character:
    case errc::relative_uri:
    case errc::userinfo:
    case errc::fragment:
    case errc::bad_percent_encoding:
    case errc::bad_host:
    case errc::bad_port: {
      if (!e.detail.empty()) return "Bad selector: " + e.detail;
      // describe() words the Gemini limit; Gopher's is smaller.
      if (e.code == errc::request_too_long) return "Bad selector: selector longer than 255 bytes";
      return "Bad selector: " + std::string(describe(e.code));
    }
    case errc::slow_down:
      return "Slow down: too many requests, retry in " +
             (e.detail.empty() ? std::string("a few") : e.detail) + " seconds";
    case errc::certificate_required:
    case errc::certificate_not_authorised:
    case errc::certificate_not_valid:
      // Gopher cannot present a client certificate; Gemini can.
      return "Refused: " + std::string(selector) + " needs a client certificate (Gemini only)";
    case errc::internal:
      return "Server error";
    case errc::cgi_error:
      return "Refused: " + std::string(selector) + " runs a CGI/SCGI program, served over Gemini only";
    case errc::server_busy:
      return "Server busy, retry later";
  }
  return "Server error";
}

std::string menu_item(char type, std::string_view display, std::string_view selector, std::string_view host,
                      std::uint16_t port) {
  std::string out;
  out.reserve(display.size() + selector.size() + host.size() + 12);
  append_sanitised(out, std::string_view(&type, 1));
  append_sanitised(out, display);
  out += '\t';
  append_sanitised(out, selector);
  out += '\t';
  append_sanitised(out, host);
  out += '\t';
  out += std::to_string(port);
  out += "\r\n";
  return out;
}

std::string info_line(std::string_view text, const menu_context& context) {
  return menu_item('i', text, {}, context.host, context.port);
}

std::string error_menu(std::string_view message, const menu_context& context) {
  return menu_item('3', message, {}, context.host, context.port) + ".\r\n";
}

std::optional<std::string> error_item_text(std::string_view reply) {
  std::string_view line = reply.substr(0, reply.find('\n'));
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (!line.starts_with('3') || std::count(line.begin(), line.end(), '\t') < 3) return std::nullopt;
  return std::string(line.substr(1, line.find('\t') - 1));
}

std::string text_document(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32 + 3);
  std::size_t i = 0;
  while (i < text.size()) {
    const auto end = text.find_first_of("\r\n", i);
    const auto line = text.substr(i, end == std::string_view::npos ? text.npos : end - i);
    if (starts_with(line, ".")) out += '.';  // RFC 1436: a lone "." would end the document
    out += line;
    out += "\r\n";
    if (end == std::string_view::npos) break;
    i = end + ((text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ? 2 : 1);
  }
  out += ".\r\n";
  return out;
}

char item_type_for_mime(std::string_view mime) {
  mime = mime.substr(0, mime.find(';'));
  std::string base;
  for (char c : mime) {
    if (c == ' ' || c == '\t') continue;
    base += ascii_lower(c);
  }
  if (base == "text/html") return 'h';
  if (starts_with(base, "text/")) return '0';
  if (base == "image/gif") return 'g';
  if (starts_with(base, "image/")) return 'I';
  if (starts_with(base, "audio/")) return 's';
  if (base == "application/pdf") return 'd';
  // Text in all but name (a feed's atom.xml): readable as a text file.
  if (base == "application/xml" || base == "application/json" || base.ends_with("+xml") ||
      base.ends_with("+json"))
    return '0';
  return '9';
}

std::size_t display_width(std::string_view text) {
  std::size_t columns = 0;
  for (std::size_t i = 0; i < text.size(); i += code_point_bytes(text, i)) ++columns;
  return columns;
}

std::vector<std::string> wrap(std::string_view text, std::size_t width, std::string_view first_prefix,
                              std::string_view rest_prefix) {
  std::vector<std::string> lines;
  std::string line(first_prefix);
  std::size_t used = display_width(first_prefix);
  bool has_word = false;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto gap_begin = i;
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size()) break;  // trailing spaces
    // Leading spaces are indentation worth keeping, but only on the first line.
    auto gap = (has_word || lines.empty()) ? text.substr(gap_begin, i - gap_begin) : std::string_view{};
    const auto word_begin = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    auto word = text.substr(word_begin, i - word_begin);
    auto word_width = display_width(word);

    if (has_word && used + gap.size() + word_width > width) {
      lines.push_back(std::move(line));
      line = std::string(rest_prefix);
      used = display_width(rest_prefix);
      has_word = false;
      gap = {};
    }
    line += gap;
    used += gap.size();
    // Alone on a line and still too wide: cut it. At least one code point
    // goes on each line, so a prefix wider than `width` cannot loop.
    while (true) {
      const auto room = used < width ? width - used : 0;
      const auto take = room > 0 ? room : 1;
      if (word_width <= take) break;
      const auto cut = bytes_for_columns(word, take);
      line.append(word.substr(0, cut));
      lines.push_back(std::move(line));
      word.remove_prefix(cut);
      word_width -= take;
      line = std::string(rest_prefix);
      used = display_width(rest_prefix);
    }
    line += word;
    used += word_width;
    has_word = true;
  }
  if (has_word || lines.empty()) lines.push_back(std::move(line));
  for (auto& l : lines) trim_right(l);
  return lines;
}

std::string gophermap_to_menu(std::string_view gophermap, std::string_view dir_path,
                              const menu_context& context) {
  // Relative selectors name entries of the directory itself.
  std::string directory(dir_path.substr(0, dir_path.rfind('/') + 1));
  if (directory.empty()) directory = "/";

  std::string out;
  while (!gophermap.empty()) {
    const auto lf = gophermap.find('\n');
    auto line = gophermap.substr(0, lf);
    gophermap = lf == std::string_view::npos ? std::string_view{} : gophermap.substr(lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    if (line == ".") break;
    if (starts_with(line, "#")) continue;
    if (line.find('\t') == std::string_view::npos) {
      out += info_line(line, context);
      continue;
    }

    std::string_view fields[4];
    std::size_t count = 0;
    for (auto rest = line; count < 4;) {
      const auto tab = rest.find('\t');
      fields[count++] = rest.substr(0, tab);
      if (tab == std::string_view::npos) break;
      rest.remove_prefix(tab + 1);
    }
    const auto& first = fields[0];
    if (first.empty()) {
      out += info_line({}, context);
      continue;
    }
    const char type = first.front();
    const auto display = first.substr(1);
    const bool local = fields[2].empty();
    const std::string_view host = local ? std::string_view(context.host) : fields[2];
    // A remote item without a port is on Gopher's own port, not ours.
    const auto port = parse_port(fields[3], local ? context.port : default_port);

    std::string selector(fields[1]);
    if (type == 'i' || type == '3') {
      out += menu_item(type, display, selector, host, port);
      continue;
    }
    if (selector.empty()) {
      selector = display;
      if (type == '1' && !selector.empty() && selector.back() != '/') selector += '/';
    }
    if (local && !starts_with(selector, "/") && !starts_with(selector, "URL:")) {
      selector = remove_dot_segments(directory + selector);
      if (selector.empty() || selector.front() != '/') selector.insert(selector.begin(), '/');
    }
    out += menu_item(type, display, selector, host, port);
  }
  out += ".\r\n";
  return out;
}

}  // namespace twinstar::gopher
