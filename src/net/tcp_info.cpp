// The kernel's count of acknowledged bytes. A file of its own: glibc's
// <netinet/tcp.h> (which Asio includes) has an older struct tcp_info without
// tcpi_bytes_acked, and it cannot share a translation unit with <linux/tcp.h>.
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace twinstar::shell {

std::optional<std::uint64_t> bytes_acked(int fd) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return std::nullopt;
  // An older kernel fills a shorter struct.
  if (length < offsetof(tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked) return std::nullopt;
  return info.tcpi_bytes_acked;
}

}  // namespace twinstar::shell
