#pragma once
// Awaitable forms of the client calls, for callers that run many at once
// (bench, check's concurrency test). Internal to the network library.
#include <asio.hpp>
#include <asio/ssl.hpp>

#include "twinstar/client.hpp"

namespace twinstar::client {

// `ctx` must outlive the call; `session` (may be null) is offered for
// resumption and replaced by the new session when `keep_session` is set.
asio::awaitable<gemini_result> async_send_gemini(asio::ssl::context& ctx, std::string host,
                                                 std::uint16_t port, std::string request, const options& opt,
                                                 SSL_SESSION** session = nullptr);

asio::awaitable<gopher_result> async_send_gopher(std::string host, std::uint16_t port, std::string request,
                                                 const options& opt);

// Parse "DD meta\r\n" into reply fields (status, meta, header_well_formed).
void parse_header(gemini_reply& reply);

}  // namespace twinstar::client
