#pragma once
// Internal to the network shell: sending one response, for both sessions.
// The sender owns the response's write deadline (session_deadline::writing),
// so no session can send without one.
#include <cstdint>
#include <string_view>

#include "shell.hpp"
#include "tls_stream.hpp"
#include "twinstar/gemini_site.hpp"

namespace twinstar::shell {

// The bytes of one response, in order: `head` (a header, a small body),
// `body` (a body shared with a cache, sent from where it lies), then the
// file's bytes. Each must stay alive while sent.
struct outgoing {
  std::string_view head = {};
  std::string_view body = {};
  const open_file* file = nullptr;
};

// How a send ended.
enum class send_end {
  complete,     // every byte handed to the stream
  failed,       // a write failed: the client left, or the deadline cut it
  file_shrank,  // the file ended (or failed to read) before its size at open
};

struct sent {
  std::uint64_t bytes = 0;  // handed to the stream (Gemini: before encryption)
  send_end end = send_end::complete;
};

// Sends `out` on `stream` (a tls_stream or a plain tcp::socket) under the
// write deadline: the whole response is judged by how its client takes it
// (session_deadline::writing), so a reader keeping up with min_write_rate
// finishes and a stalled or slower one is cut. Files go in
// file_chunk_bytes chunks read with pread, exactly the size found at open.
// What to do when the file shrank is the caller's: a Gopher client learns
// of it only from a reset, a Gemini one from the missing close_notify.
template <class Stream>
asio::awaitable<sent> send_response(Stream& stream, session_deadline& deadline, const server_config& config,
                                    outgoing out);

extern template asio::awaitable<sent> send_response(tls_stream&, session_deadline&, const server_config&,
                                                    outgoing);
extern template asio::awaitable<sent> send_response(tcp::socket&, session_deadline&, const server_config&,
                                                    outgoing);

// The operator's line for a rate-limited request (rate_limit_line), at
// most once per offence (verdict.log), with the address as configured.
void log_rate_limit(const rate_limiter::verdict& verdict, std::string_view client_ip, ip_logging mode);

}  // namespace twinstar::shell
