// Reading a PROXY protocol header off a socket; see proxy_header.hpp.
#include "proxy_header.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace twinstar::shell {
namespace {

proxy_read refused(std::string why) {
  proxy_read r;
  r.error = std::move(why);
  return r;
}

// recv() that retries on EINTR; -1 with errno otherwise.
ssize_t receive(int fd, char* into, std::size_t size, int flags) {
  for (;;) {
    const ssize_t n = ::recv(fd, into, size, flags);
    if (n >= 0 || errno != EINTR) return n;
  }
}

}  // namespace

asio::awaitable<proxy_read> read_proxy_header(tcp::socket& socket, proxy_version expected,
                                              const tcp::endpoint& from) {
  std::string got;  // header bytes taken off the socket so far
  std::array<char, max_proxy_header_bytes> peeked{};
  for (;;) {
    const int fd = socket.native_handle();
    if (!socket.is_open()) co_return refused("closed (timed out?)");
    const ssize_t n = receive(fd, peeked.data(), max_proxy_header_bytes - got.size(), MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      auto [ec] = co_await socket.async_wait(tcp::socket::wait_read, nothrow);
      if (ec) co_return refused("no header in time (" + ec.message() + ")");
      continue;
    }
    if (n < 0) co_return refused(std::strerror(errno));
    if (n == 0) co_return refused("closed before a whole header");
    const std::string candidate = got + std::string(peeked.data(), static_cast<std::size_t>(n));
    const proxy_parse parsed = parse_proxy_header(candidate, expected);
    if (parsed.outcome == proxy_parse::state::invalid) co_return refused(parsed.error);
    // Take what belongs to the header: all of it while incomplete (the
    // header is longer still), else exactly up to its end.
    const std::size_t take = parsed.outcome == proxy_parse::state::complete ? parsed.length - got.size()
                                                                            : static_cast<std::size_t>(n);
    if (take > 0 && receive(fd, peeked.data(), take, 0) != static_cast<ssize_t>(take))
      co_return refused("short read of peeked bytes");
    if (parsed.outcome == proxy_parse::state::incomplete) {
      got = candidate;
      continue;
    }
    if (!parsed.header.has_addresses) co_return proxy_read{from, std::nullopt, {}};
    std::error_code ec, ec2;
    const auto source = asio::ip::make_address(parsed.header.source_address, ec);
    const auto destination = asio::ip::make_address(parsed.header.destination_address, ec2);
    if (ec || ec2) co_return refused("unusable address in " + parsed.header.source_address);
    co_return proxy_read{tcp::endpoint(source, parsed.header.source_port),
                         tcp::endpoint(destination, parsed.header.destination_port),
                         {}};
  }
}

}  // namespace twinstar::shell
