// One sender for both protocols: the write deadline, then head, body and file.
#include "sender.hpp"

#include <unistd.h>

#include <algorithm>
#include <vector>

namespace twinstar::shell {
namespace {

// All of `bytes`, or the error that stopped it, with what went.
asio::awaitable<std::pair<std::error_code, std::size_t>> write_all(tls_stream& stream,
                                                                   std::string_view bytes) {
  co_return co_await stream.write(asio::buffer(bytes));
}

asio::awaitable<std::pair<std::error_code, std::size_t>> write_all(tcp::socket& socket,
                                                                   std::string_view bytes) {
  auto [ec, n] = co_await asio::async_write(socket, asio::buffer(bytes), nothrow);
  co_return std::pair{ec, n};
}

}  // namespace

template <class Stream>
asio::awaitable<sent> send_response(Stream& stream, session_deadline& deadline, const server_config& config,
                                    outgoing out) {
  sent result;
  const std::uint64_t file_size = out.file ? out.file->size() : 0;
  deadline.writing(config, out.head.size() + out.body.size() + file_size);
  auto send = [&](std::string_view bytes) -> asio::awaitable<bool> {
    auto [ec, n] = co_await write_all(stream, bytes);
    result.bytes += n;
    if (ec) result.end = send_end::failed;
    co_return !ec;
  };
  if (!out.head.empty() && !co_await send(out.head)) co_return result;
  // A body kept in a cache is sent from the cache itself, in chunks like a
  // file, instead of being copied behind the header.
  for (std::string_view rest = out.body; !rest.empty();) {
    const std::size_t n = std::min(rest.size(), file_chunk_bytes);
    if (!co_await send(rest.substr(0, n))) co_return result;
    deadline.progressed();
    rest.remove_prefix(n);
  }
  if (!out.file) co_return result;
  std::vector<char> chunk(file_chunk_bytes);
  for (std::uint64_t offset = 0; offset < file_size;) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), file_size - offset));
    const ssize_t n = ::pread(out.file->fd(), chunk.data(), want, static_cast<off_t>(offset));
    if (n <= 0) {
      result.end = send_end::file_shrank;
      co_return result;
    }
    offset += static_cast<std::uint64_t>(n);
    if (!co_await send({chunk.data(), static_cast<std::size_t>(n)})) co_return result;
    deadline.progressed();
  }
  co_return result;
}

template asio::awaitable<sent> send_response(tls_stream&, session_deadline&, const server_config&, outgoing);
template asio::awaitable<sent> send_response(tcp::socket&, session_deadline&, const server_config&, outgoing);

void log_rate_limit(const rate_limiter::verdict& verdict, std::string_view client_ip, ip_logging mode) {
  if (!verdict.allowed && verdict.log) log_event(rate_limit_line(verdict, shown_address(client_ip, mode)));
}

}  // namespace twinstar::shell
