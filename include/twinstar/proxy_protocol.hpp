#pragma once
// The PROXY protocol (HAProxy, "The PROXY protocol", versions 1 and 2): the
// header a load balancer sends before the client's own bytes, naming the
// client it connected for. Pure parsing, no sockets: the network shell reads
// the bytes and asks parse_proxy_header what they are.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace twinstar {

// Which header a listener expects ([server] listen entries' proxy_protocol).
enum class proxy_version { none, v1, v2 };

// "v1" / "v2" / "none".
std::string_view to_string(proxy_version v);

// Spec 2.1: a v1 line is at most 107 bytes, CRLF included.
inline constexpr std::size_t max_proxy_v1_bytes = 107;
// Spec 2.2: the fixed part of a v2 header (signature, command, family, length).
inline constexpr std::size_t proxy_v2_fixed_bytes = 16;
// The v2 length field allows 65535 bytes of addresses and TLVs; we read at
// most this many (the addresses take 36, HAProxy's usual TLVs a few dozen).
inline constexpr std::size_t max_proxy_v2_payload_bytes = 2048;
inline constexpr std::size_t max_proxy_header_bytes = proxy_v2_fixed_bytes + max_proxy_v2_payload_bytes;

struct proxy_header {
  // False for v2 LOCAL (the proxy's own health check), v2 AF_UNSPEC and v1
  // UNKNOWN: the connection's own addresses stand.
  bool has_addresses = false;
  // Canonical text (RFC 5952 for IPv6, no brackets), as an accept() would give.
  std::string source_address, destination_address;
  std::uint16_t source_port = 0, destination_port = 0;
};

struct proxy_parse {
  enum class state {
    complete,    // `header` filled; the first `length` bytes were the header
    incomplete,  // a valid prefix: read more (at most max_proxy_header_bytes in all)
    invalid,     // not a header of the expected version: refuse the connection
  };
  state outcome = state::incomplete;
  std::size_t length = 0;
  proxy_header header;
  std::string error;  // why, when invalid (for a debug log line)
};

// Parses the start of a connection's bytes as a header of version `expected`
// (v1 or v2; anything else is invalid). Bytes after the header are left alone
// (`length` says where they begin). Invalid as soon as the bytes cannot begin
// such a header, so garbage is refused without waiting; a v1 line without
// CRLF in max_proxy_v1_bytes and a v2 payload over max_proxy_v2_payload_bytes
// are invalid too. v1: "PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n" (single
// spaces, ports 0-65535 without leading zeros) or "PROXY UNKNOWN...\r\n".
// v2: version 2, command LOCAL or PROXY; PROXY with AF_INET or AF_INET6 over
// STREAM gives addresses, AF_UNSPEC none; UNIX and DGRAM are invalid (these
// are TCP listeners). TLVs are skipped unread. Never throws.
proxy_parse parse_proxy_header(std::string_view bytes, proxy_version expected);

}  // namespace twinstar
