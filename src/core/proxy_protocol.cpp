// PROXY protocol v1 and v2 header parsing; see proxy_protocol.hpp.
#include "twinstar/proxy_protocol.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace twinstar {
namespace {

using state = proxy_parse::state;

constexpr std::string_view v1_prefix = "PROXY ";
constexpr std::string_view v2_signature{"\r\n\r\n\0\r\nQUIT\n", 12};

proxy_parse fail(std::string why) {
  proxy_parse p;
  p.outcome = state::invalid;
  p.error = std::move(why);
  return p;
}

proxy_parse more() { return {}; }

// `bytes` could still grow into `whole`.
bool prefix_of(std::string_view bytes, std::string_view whole) {
  return whole.substr(0, bytes.size()) == bytes.substr(0, whole.size());
}

std::string format_ipv4(const unsigned char* b) {
  return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." +
         std::to_string(b[3]);
}

// RFC 5952: lower-case hex, no leading zeros, the longest run of two or more
// zero groups (the first of equals) as "::".
std::string format_ipv6(const unsigned char* b) {
  // IPv4-mapped, as a dual-stack accept() reports it: "::ffff:192.0.2.1".
  static constexpr unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(b, b + 12, mapped)) return "::ffff:" + format_ipv4(b + 12);
  std::array<unsigned, 8> group{};
  for (std::size_t i = 0; i < 8; ++i) group[i] = (unsigned{b[2 * i]} << 8) | b[2 * i + 1];
  std::size_t best = 8, best_length = 1;
  for (std::size_t i = 0; i < 8;) {
    std::size_t j = i;
    while (j < 8 && group[j] == 0) ++j;
    if (j - i > best_length) best = i, best_length = j - i;
    i = j == i ? i + 1 : j;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_length - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned digit = (group[i] >> shift) & 0xf;
      if (digit != 0 || started || shift == 0) out += hex[digit], started = true;
    }
  }
  return out;
}

std::optional<unsigned> decimal(std::string_view text, unsigned max) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

std::optional<std::array<unsigned char, 4>> parse_ipv4(std::string_view text) {
  std::array<unsigned char, 4> out{};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto dot = i < 3 ? text.find('.') : text.size();
    if (dot == std::string_view::npos) return std::nullopt;
    const auto part = decimal(text.substr(0, dot), 255);
    if (!part || dot > 3) return std::nullopt;
    out[i] = static_cast<unsigned char>(*part);
    text.remove_prefix(i < 3 ? dot + 1 : dot);
  }
  return out;
}

std::optional<unsigned> hex_group(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    unsigned digit = 0;
    if (c >= '0' && c <= '9')
      digit = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      digit = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      digit = static_cast<unsigned>(c - 'A' + 10);
    else
      return std::nullopt;
    value = value * 16 + digit;
  }
  return value;
}

// Groups separated by ':', one "::" at most, an IPv4 tail allowed.
std::optional<std::array<unsigned char, 16>> parse_ipv6(std::string_view text) {
  std::array<unsigned, 8> head{}, tail{};
  std::size_t heads = 0, tails = 0;
  bool gap = false;
  const auto double_colon = text.find("::");
  std::string_view before = text, after;
  if (double_colon != std::string_view::npos) {
    gap = true;
    before = text.substr(0, double_colon);
    after = text.substr(double_colon + 2);
    if (after.find("::") != std::string_view::npos) return std::nullopt;
  }
  // Fills `groups` from one side of the gap; an IPv4 tail ends the last side.
  auto read = [](std::string_view side, std::array<unsigned, 8>& groups, std::size_t& n, bool last) {
    if (side.empty()) return true;
    for (;;) {
      const auto colon = side.find(':');
      const std::string_view part = side.substr(0, colon);
      if (colon == std::string_view::npos && last && part.find('.') != std::string_view::npos) {
        const auto v4 = parse_ipv4(part);
        if (!v4 || n + 2 > 8) return false;
        groups[n++] = (unsigned{(*v4)[0]} << 8) | (*v4)[1];
        groups[n++] = (unsigned{(*v4)[2]} << 8) | (*v4)[3];
        return true;
      }
      const auto value = hex_group(part);
      if (!value || n >= 8) return false;
      groups[n++] = *value;
      if (colon == std::string_view::npos) return true;
      side.remove_prefix(colon + 1);
    }
  };
  if (!read(before, head, heads, !gap) || !read(after, tail, tails, true)) return std::nullopt;
  if (gap ? heads + tails > 7 : heads != 8) return std::nullopt;
  std::array<unsigned, 8> all{};
  for (std::size_t i = 0; i < heads; ++i) all[i] = head[i];
  for (std::size_t i = 0; i < tails; ++i) all[8 - tails + i] = tail[i];
  std::array<unsigned char, 16> out{};
  for (std::size_t i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<unsigned char>(all[i] >> 8);
    out[2 * i + 1] = static_cast<unsigned char>(all[i] & 0xff);
  }
  return out;
}

// "SRC DST SPORT DPORT" of a TCP4 / TCP6 line.
proxy_parse parse_v1_addresses(std::string_view fields, bool v6, std::size_t length) {
  std::array<std::string_view, 4> part{};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto space = i < 3 ? fields.find(' ') : fields.size();
    if (space == std::string_view::npos) return fail("v1: expected four fields after the protocol");
    part[i] = fields.substr(0, space);
    fields.remove_prefix(i < 3 ? space + 1 : space);
  }
  proxy_parse p;
  p.outcome = state::complete;
  p.length = length;
  p.header.has_addresses = true;
  for (std::size_t i = 0; i < 2; ++i) {
    std::string& into = i == 0 ? p.header.source_address : p.header.destination_address;
    if (v6) {
      const auto a = parse_ipv6(part[i]);
      if (!a) return fail("v1: malformed IPv6 address");
      into = format_ipv6(a->data());
    } else {
      const auto a = parse_ipv4(part[i]);
      if (!a) return fail("v1: malformed IPv4 address");
      into = format_ipv4(a->data());
    }
  }
  const auto source_port = decimal(part[2], 65535);
  const auto destination_port = decimal(part[3], 65535);
  if (!source_port || !destination_port) return fail("v1: malformed port");
  p.header.source_port = static_cast<std::uint16_t>(*source_port);
  p.header.destination_port = static_cast<std::uint16_t>(*destination_port);
  return p;
}

proxy_parse parse_v1(std::string_view bytes) {
  if (!prefix_of(bytes, v1_prefix)) return fail("v1: does not begin with \"PROXY \"");
  const auto cr = bytes.find('\r');
  if (cr == std::string_view::npos) {
    if (bytes.find('\n') != std::string_view::npos) return fail("v1: LF without CR");
    if (bytes.size() >= max_proxy_v1_bytes) return fail("v1: no CRLF within 107 bytes");
    return more();
  }
  if (cr + 2 > max_proxy_v1_bytes) return fail("v1: no CRLF within 107 bytes");
  if (cr + 1 == bytes.size()) return more();
  if (bytes[cr + 1] != '\n') return fail("v1: CR not followed by LF");
  if (cr < v1_prefix.size()) return fail("v1: line ends inside \"PROXY \"");
  const std::string_view line = bytes.substr(v1_prefix.size(), cr - v1_prefix.size());
  const std::size_t length = cr + 2;
  if (line.find('\n') != std::string_view::npos) return fail("v1: stray LF");
  if (line.starts_with("UNKNOWN")) {
    proxy_parse p;
    p.outcome = state::complete;
    p.length = length;
    return p;
  }
  if (line.starts_with("TCP4 ")) return parse_v1_addresses(line.substr(5), false, length);
  if (line.starts_with("TCP6 ")) return parse_v1_addresses(line.substr(5), true, length);
  return fail("v1: protocol is not TCP4, TCP6 or UNKNOWN");
}

unsigned port_at(const unsigned char* b) { return (unsigned{b[0]} << 8) | b[1]; }

proxy_parse parse_v2(std::string_view bytes) {
  if (!prefix_of(bytes, v2_signature)) return fail("v2: no signature");
  if (bytes.size() < proxy_v2_fixed_bytes) return more();
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  if ((b[12] >> 4) != 2) return fail("v2: version is not 2");
  const unsigned command = b[12] & 0xf;
  if (command > 1) return fail("v2: command is neither LOCAL nor PROXY");
  const unsigned family = b[13] >> 4, transport = b[13] & 0xf;
  const std::size_t payload = port_at(b + 14);
  if (payload > max_proxy_v2_payload_bytes) return fail("v2: header longer than we read");
  if (bytes.size() < proxy_v2_fixed_bytes + payload) return more();
  proxy_parse p;
  p.outcome = state::complete;
  p.length = proxy_v2_fixed_bytes + payload;
  if (command == 0) return p;  // LOCAL: addresses (if any) are the proxy's own
  if (family == 0) return p;   // AF_UNSPEC: the receiver ignores the block
  if (transport != 1) return fail("v2: transport is not STREAM");
  const unsigned char* a = b + proxy_v2_fixed_bytes;
  if (family == 1) {
    if (payload < 12) return fail("v2: AF_INET block shorter than 12 bytes");
    p.header.source_address = format_ipv4(a);
    p.header.destination_address = format_ipv4(a + 4);
    p.header.source_port = static_cast<std::uint16_t>(port_at(a + 8));
    p.header.destination_port = static_cast<std::uint16_t>(port_at(a + 10));
  } else if (family == 2) {
    if (payload < 36) return fail("v2: AF_INET6 block shorter than 36 bytes");
    p.header.source_address = format_ipv6(a);
    p.header.destination_address = format_ipv6(a + 16);
    p.header.source_port = static_cast<std::uint16_t>(port_at(a + 32));
    p.header.destination_port = static_cast<std::uint16_t>(port_at(a + 34));
  } else {
    return fail("v2: address family is not AF_INET, AF_INET6 or AF_UNSPEC");
  }
  p.header.has_addresses = true;
  return p;
}

}  // namespace

std::string_view to_string(proxy_version v) {
  switch (v) {
    case proxy_version::v1:
      return "v1";
    case proxy_version::v2:
      return "v2";
    case proxy_version::none:
      break;
  }
  return "none";
}

proxy_parse parse_proxy_header(std::string_view bytes, proxy_version expected) {
  switch (expected) {
    case proxy_version::v1:
      return parse_v1(bytes);
    case proxy_version::v2:
      return parse_v2(bytes);
    case proxy_version::none:
      break;
  }
  return fail("no PROXY protocol version expected");
}

}  // namespace twinstar
