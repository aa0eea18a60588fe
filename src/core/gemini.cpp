// Gemini framing: the response header and the request line boundary.
// Spec: Gemini network protocol specification v0.24, "Requests" and
// "Responses" (geminiprotocol.net/docs/protocol-specification.gmi).
#include "twinstar/gemini.hpp"

#include <cstdint>
#include <string>

namespace twinstar::gemini {

namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";        // U+FEFF

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when the
// bytes there are not one (overlong, surrogate, above U+10FFFF, truncated).
std::size_t sequence_length(std::string_view text, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (text.size() - i < len) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if (!is_continuation(b)) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  return len;
}

// Meta must be UTF-8 and must not contain a line break: control bytes become
// spaces (a CR or LF would let the text forge a second header or a body) and
// malformed UTF-8 becomes U+FFFD.
std::string sanitise(std::string_view meta) {
  std::string out;
  out.reserve(meta.size());
  for (std::size_t i = 0; i < meta.size();) {
    const auto c = static_cast<unsigned char>(meta[i]);
    if (c < 0x20 || c == 0x7F) {
      out += ' ';
      ++i;
      continue;
    }
    const std::size_t len = sequence_length(meta, i);
    if (len == 0) {
      out += replacement_character;
      ++i;
      continue;
    }
    out.append(meta.substr(i, len));
    i += len;
  }
  return out;
}

// Cut to at most `limit` bytes without splitting a multi-byte character.
void truncate_utf8(std::string& text, std::size_t limit) {
  if (text.size() <= limit) return;
  std::size_t cut = limit;
  while (cut > 0 && is_continuation(static_cast<unsigned char>(text[cut]))) {
    --cut;
  }
  text.resize(cut);
}

}  // namespace

std::string format_header(status s, std::string_view meta) {
  std::string clean = sanitise(meta);
  // The spec forbids a meta that starts with a byte order mark.
  while (clean.starts_with(byte_order_mark)) {
    clean.erase(0, byte_order_mark.size());
  }
  truncate_utf8(clean, max_meta_bytes);

  const int n = code(s);
  std::string header;
  header.reserve(clean.size() + 5);
  header += static_cast<char>('0' + (n / 10) % 10);
  header += static_cast<char>('0' + n % 10);
  header += ' ';
  header += clean;
  header += "\r\n";
  return header;
}

frame find_request_line(std::string_view received) {
  // The longest legal request is max_request_bytes of URI plus CR LF; a LF
  // beyond that ends an over-long line, whatever precedes it.
  const std::size_t lf = received.find('\n');
  if (lf == std::string_view::npos || lf > max_request_bytes + 1) {
    if (received.size() > max_request_bytes + 1) {
      return {frame_state::too_long, {}};
    }
    return {frame_state::need_more, {}};
  }
  if (lf == 0 || received[lf - 1] != '\r') {
    return {frame_state::bare_lf, {}};
  }
  const std::string_view line = received.substr(0, lf - 1);
  if (line.size() > max_request_bytes) {
    return {frame_state::too_long, {}};
  }
  return {frame_state::complete, line};
}

}  // namespace twinstar::gemini
