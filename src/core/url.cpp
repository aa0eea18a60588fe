// Request URI parsing and path splitting (RFC 3986, as Gemini uses it).
// Everything here is string work: the result of split_path is what the router
// may join under a root, so every traversal spelling is refused here.
#include "twinstar/url.hpp"

#include <algorithm>
#include <cstdint>

#include "twinstar/ascii.hpp"

namespace twinstar {

namespace {

constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";  // U+FEFF

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return hex_value(c) >= 0; }

bool is_unreserved(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

bool is_sub_delim(char c) { return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos; }

bool percent_escapes_ok(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') continue;
    if (i + 2 >= text.size()) return false;
    if (!is_hex(text[i + 1]) || !is_hex(text[i + 2])) return false;
    i += 2;
  }
  return true;
}

// Decode the well-formed escapes and leave anything else literal: used only to
// see what a later, careless decoder would make of a segment.
std::string decode_lenient(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && is_hex(text[i + 1]) && is_hex(text[i + 2])) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// RFC 3986 dec-octet: 0-255 without leading zeros.
bool valid_ipv4(std::string_view text) {
  int parts = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = text.find('.', start);
    const std::string_view part = text.substr(start, dot == std::string_view::npos ? text.npos : dot - start);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return false;
    int value = 0;
    for (char c : part) {
      if (!is_digit(c)) return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

// Counts the 16-bit pieces of one side of "::" (an IPv4 tail counts as two).
// Returns -1 when malformed.
int ipv6_pieces(std::string_view text, bool may_end_in_ipv4) {
  if (text.empty()) return 0;
  int pieces = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = text.find(':', start);
    const std::string_view group =
        text.substr(start, colon == std::string_view::npos ? text.npos : colon - start);
    if (colon == std::string_view::npos && may_end_in_ipv4 && group.find('.') != group.npos) {
      return valid_ipv4(group) ? pieces + 2 : -1;
    }
    if (group.empty() || group.size() > 4 || !std::all_of(group.begin(), group.end(), is_hex)) return -1;
    ++pieces;
    if (colon == std::string_view::npos) return pieces;
    start = colon + 1;
  }
}

// RFC 3986 IPv6address. Zone identifiers and IPvFuture are refused.
bool valid_ipv6(std::string_view text) {
  const std::size_t gap = text.find("::");
  if (gap == std::string_view::npos) return ipv6_pieces(text, true) == 8;
  if (text.find("::", gap + 1) != std::string_view::npos) return false;
  const int left = ipv6_pieces(text.substr(0, gap), false);
  const int right = ipv6_pieces(text.substr(gap + 2), true);
  return left >= 0 && right >= 0 && left + right <= 7;
}

// reg-name: unreserved / pct-encoded / sub-delims, plus raw UTF-8 (IRI
// ireg-name). Escapes are decoded so equal hosts compare equal; a decoded byte
// must itself be a legal host byte, so "%2f" cannot smuggle a '/' into a name
// that may later select a directory.
result<std::string, error> parse_reg_name(std::string_view text) {
  if (text.empty()) return fail(error{errc::bad_host, {}});
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size() || !is_hex(text[i + 1]) || !is_hex(text[i + 2])) {
        return fail(error{errc::bad_host, {}});
      }
      c = static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    }
    const bool ok = is_unreserved(c) || is_sub_delim(c) || static_cast<unsigned char>(c) >= 0x80;
    if (!ok) return fail(error{errc::bad_host, {}});
    out += ascii_lower(c);
  }
  if (!is_valid_utf8(out)) return fail(error{errc::bad_host, {}});
  return out;
}

// port = *DIGIT; empty means absent (RFC 3986 3.2.3), 0 is not a usable port.
result<std::optional<std::uint16_t>, error> parse_port(std::string_view text) {
  if (text.empty()) return std::optional<std::uint16_t>{};
  std::uint32_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) return fail(error{errc::bad_port, {}});
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
    if (value > 65535) return fail(error{errc::bad_port, {}});
  }
  if (value == 0) return fail(error{errc::bad_port, {}});
  return std::optional<std::uint16_t>{static_cast<std::uint16_t>(value)};
}

}  // namespace

std::string url::to_string() const {
  std::string out = scheme + "://";
  if (host.find(':') != std::string::npos) {
    out += '[' + host + ']';
  } else {
    out += host;
  }
  if (port) out += ':' + std::to_string(*port);
  out += path;
  if (query) out += '?' + *query;
  return out;
}

result<url, error> parse_url(std::string_view text) {
  if (text.empty()) return fail(error{errc::empty_request, {}});
  if (text.starts_with(byte_order_mark)) return fail(error{errc::byte_order_mark, {}});
  if (!is_valid_utf8(text)) return fail(error{errc::not_utf8, {}});
  for (char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7F) return fail(error{errc::control_character, {}});
  }
  if (text.find('#') != std::string_view::npos) return fail(error{errc::fragment, {}});

  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://".
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || !is_alpha(text[0])) {
    return fail(error{errc::relative_uri, {}});
  }
  const std::string_view scheme = text.substr(0, colon);
  for (char c : scheme) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') {
      return fail(error{errc::relative_uri, {}});
    }
  }
  if (text.substr(colon + 1, 2) != "//") return fail(error{errc::relative_uri, {}});

  const std::string_view rest = text.substr(colon + 3);
  const std::size_t authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  const std::string_view after =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return fail(error{errc::userinfo, {}});

  url out;
  out.scheme = ascii_lower(scheme);
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail(error{errc::bad_host, {}});
    const std::string_view literal = authority.substr(1, close - 1);
    if (!valid_ipv6(literal)) return fail(error{errc::bad_host, {}});
    out.host = ascii_lower(literal);
    const std::string_view tail = authority.substr(close + 1);
    if (!tail.empty()) {
      if (tail[0] != ':') return fail(error{errc::bad_host, {}});
      port_text = tail.substr(1);
    }
  } else {
    const std::size_t port_colon = authority.find(':');
    auto host = parse_reg_name(authority.substr(0, port_colon));
    if (!host) return fail(host.error());
    out.host = std::move(host).value();
    if (port_colon != std::string_view::npos) port_text = authority.substr(port_colon + 1);
  }
  auto port = parse_port(port_text);
  if (!port) return fail(port.error());
  out.port = *port;

  const std::size_t question = after.find('?');
  const std::string_view path = after.substr(0, question);
  if (!percent_escapes_ok(path)) return fail(error{errc::bad_percent_encoding, {}});
  out.path = path.empty() ? "/" : std::string(path);
  if (question != std::string_view::npos) {
    const std::string_view query = after.substr(question + 1);
    if (!percent_escapes_ok(query)) return fail(error{errc::bad_percent_encoding, {}});
    out.query = std::string(query);
  }
  return out;
}

result<std::string, error> percent_decode(std::string_view text) {
  if (!percent_escapes_ok(text)) return fail(error{errc::bad_percent_encoding, {}});
  return decode_lenient(text);
}

std::string percent_encode_path(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (is_unreserved(c) || c == '/') {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += digits[b >> 4];
      out += digits[b & 0x0F];
    }
  }
  return out;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    std::size_t len = 1;
    std::uint32_t cp = b0;
    if (b0 >= 0x80) {
      if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2, cp = b0 & 0x1F;
      } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3, cp = b0 & 0x0F;
      } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4, cp = b0 & 0x07;
      } else {
        return false;  // continuation byte, C0/C1 overlong lead, or > U+10FFFF
      }
      if (text.size() - i < len) return false;
      for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(text[i + k]);
        if ((b & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (b & 0x3F);
      }
      if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return false;
      if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return false;
    }
    i += len;
  }
  return true;
}

std::string path_segments::joined() const {
  std::string out;
  for (const auto& segment : segments) {
    if (!out.empty()) out += '/';
    out += segment;
  }
  return out;
}

namespace {

// A decoded segment that a file system or a later decoder could read as a
// step outside its directory.
bool escapes(std::string_view segment) {
  return segment == ".." || segment.find_first_of(std::string_view("/\\\0", 3)) != std::string_view::npos;
}

}  // namespace

result<path_segments, error> split_path(std::string_view raw_path) {
  if (raw_path.find('\\') != std::string_view::npos) return fail(error{errc::forbidden_path, {}});
  path_segments out;
  out.trailing_slash = !raw_path.empty() && raw_path.back() == '/';
  std::size_t start = 0;
  while (start <= raw_path.size()) {
    std::size_t slash = raw_path.find('/', start);
    if (slash == std::string_view::npos) slash = raw_path.size();
    auto decoded = percent_decode(raw_path.substr(start, slash - start));
    if (!decoded) return fail(decoded.error());
    // Double (and deeper) encoding: decode again until nothing changes, so
    // "%252e%252e" is refused as surely as "..", whatever decodes it later.
    std::string layer = *decoded;
    while (true) {
      if (escapes(layer)) return fail(error{errc::forbidden_path, {}});
      std::string next = decode_lenient(layer);
      if (next == layer) break;
      layer = std::move(next);
    }
    if (!is_valid_utf8(*decoded)) return fail(error{errc::not_utf8, {}});
    if (!decoded->empty() && *decoded != ".") out.segments.push_back(std::move(decoded).value());
    start = slash + 1;
  }
  return out;
}

}  // namespace twinstar
