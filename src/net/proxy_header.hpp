#pragma once
// Internal to the network shell: reading the PROXY protocol header a load
// balancer sends before its client's bytes (see twinstar/proxy_protocol.hpp).
#include <chrono>
#include <optional>
#include <string>

#include "shell.hpp"
#include "twinstar/proxy_protocol.hpp"

namespace twinstar::shell {

// A connection on a PROXY listener must send its header within this time,
// or within the handshake_timeout when that is shorter; HAProxy sends it
// with its first packet.
inline constexpr std::chrono::milliseconds proxy_header_timeout{5000};

struct proxy_read {
  std::optional<tcp::endpoint> client;  // the real client; nullopt: refuse
  // Where that client connected (the proxy's own listener), when the header
  // says: what the client's URLs name, so what port checks and Gopher menus use.
  std::optional<tcp::endpoint> local;
  std::string error;  // why refused
};

// Reads exactly the header off `socket` (peeking first, so that not one byte
// of the client's own, a TLS ClientHello or a Gopher selector, is taken) and
// returns the client it names: the header's source address, or `from` (the
// proxy itself) for a LOCAL / UNKNOWN / AF_UNSPEC header. Refused: EOF or a
// socket error before a whole header, a header of another version, garbage,
// a header over the length caps. No timeout of its own: the caller's
// session_deadline closes the socket, which ends the read as refused.
asio::awaitable<proxy_read> read_proxy_header(tcp::socket& socket, proxy_version expected,
                                              const tcp::endpoint& from);

}  // namespace twinstar::shell
