#pragma once
// Clients that take a response at their own pace, for the tests of the
// server's write deadlines, of files that change while sent and of
// shutdown: a loopback socket with a small receive buffer (so the TCP
// window, not our reading, is what the server sees), reading a set number
// of bytes per tick of the steady clock. Gemini ones do the TLS handshake
// with Asio and then read the socket itself: the server only sees how fast
// bytes leave, not whether they are decrypted.
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <cerrno>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace twinstar::test {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

// The kernel's smallest (about 2 KB): the client's TCP acknowledges little
// more than what it has read.
inline constexpr int small_receive_buffer = 1;

// How a response ended, once read to its end at full speed.
struct ending {
  std::string data;    // everything read (a Gemini header included)
  bool ended = false;  // the server ended it within the time allowed
  // Ended as a complete answer does: a TLS close_notify (Gemini), a FIN
  // without a reset (Gopher). Otherwise the client can tell it was cut.
  bool complete = false;
};

// A connection of one protocol, its request sent, nothing read yet.
class slow_client {
 public:
  slow_client(bool gemini, std::uint16_t port, const std::string& request,
              int receive_buffer = small_receive_buffer)
      : gemini_(gemini) {
    asio::ip::tcp::socket& socket = tls_.next_layer();
    socket.open(asio::ip::tcp::v4());
    socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    if (gemini_) {
      SSL_set_tlsext_host_name(tls_.native_handle(), "localhost");
      tls_.handshake(asio::ssl::stream_base::client);
      asio::write(tls_, asio::buffer(request));
    } else {
      asio::write(socket, asio::buffer(request));
    }
  }
  slow_client(const slow_client&) = delete;

  int fd() { return tls_.next_layer().native_handle(); }
  // As the access log names the client: "127.0.0.1:40000".
  std::string name() { return "127.0.0.1:" + std::to_string(tls_.next_layer().local_endpoint().port()); }

  // Reads (bounded: 10 s) until the answer has begun: the server has
  // opened what it sends. For Gemini that is the header line: bytes alone
  // could be the session ticket, sent before the request is even read.
  bool response_begun() {
    bool ok = false;
    auto done = [&](std::error_code ec, std::size_t) { ok = !ec; };
    auto into = asio::dynamic_buffer(begun_);
    if (gemini_)
      asio::async_read_until(tls_, into, '\n', done);
    else
      asio::async_read(tls_.next_layer(), into, asio::transfer_at_least(1), done);
    io_.restart();
    io_.run_for(std::chrono::seconds(10));
    return ok;
  }

  // Reads the rest at full speed (bounded: 20 s).
  ending read_to_end() {
    ending e;
    e.data = std::move(begun_);
    std::error_code end;
    auto done = [&](std::error_code ec, std::size_t) {
      e.ended = true;
      end = ec;
    };
    auto into = asio::dynamic_buffer(e.data);
    if (gemini_)
      asio::async_read(tls_, into, done);
    else
      asio::async_read(tls_.next_layer(), into, done);
    io_.restart();
    io_.run_for(std::chrono::seconds(20));
    // Asio reports a TLS stream closed without close_notify as stream_truncated.
    e.complete = e.ended && end == asio::error::eof;
    return e;
  }
  asio::ssl::stream<asio::ip::tcp::socket>& tls() { return tls_; }
  bool gemini() const { return gemini_; }

 private:
  bool gemini_;
  std::string begun_;  // read by response_begun()
  asio::io_context io_;
  asio::ssl::context ctx_{asio::ssl::context::tls_client};
  asio::ssl::stream<asio::ip::tcp::socket> tls_{io_, ctx_};
};

struct paced_result {
  std::size_t bytes = 0;  // read from the socket
  bool cut = false;       // the server closed before the time was up
  bool reset = false;     // ... with a reset
  milliseconds at{0};     // when it closed, from the start of reading
};

// Reads `burst` bytes as they come, and `per_second` bytes a second (0:
// none, so the window closes once the burst is read), for `run_for` or
// until the server closes the connection. Between ticks it waits in
// poll(), which also reports a close at once.
inline paced_result read_paced(int fd, std::size_t burst, std::size_t per_second, milliseconds run_for) {
  constexpr milliseconds tick{20};
  paced_result r;
  const auto start = steady::now();
  const auto end = start + run_for;
  char buf[65536];
  for (auto next = start + tick; steady::now() < end; next += tick) {
    const auto now = steady::now();
    pollfd p{fd, POLLRDHUP, 0};
    const auto wait = std::chrono::duration_cast<milliseconds>(std::max(next - now, steady::duration{}));
    const int ready = ::poll(&p, 1, static_cast<int>(wait.count()));
    const auto elapsed = std::chrono::duration_cast<milliseconds>(steady::now() - start);
    if (ready > 0 && (p.revents & (POLLERR | POLLHUP | POLLRDHUP))) {
      r.cut = true;
      r.reset = (p.revents & POLLERR) != 0;
      r.at = elapsed;
      return r;
    }
    const std::size_t allowed = burst + per_second * static_cast<std::size_t>(elapsed.count()) / 1000;
    while (r.bytes < allowed) {
      const ssize_t n = ::recv(fd, buf, std::min(sizeof buf, allowed - r.bytes), MSG_DONTWAIT);
      if (n > 0) {
        r.bytes += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      r.cut = true;
      r.reset = n < 0;
      r.at = elapsed;
      return r;
    }
  }
  return r;
}

// One line of the access log:
// "time client protocol host path status bytes duration".
struct logged {
  std::string client, protocol, path;
  long long bytes = -1;
  std::chrono::microseconds duration{-1};
};

// Stops the server, waits (bounded) for every connection to end, then for
// run() to return, and destroys it so its access log is complete; returns
// the log's lines.
inline std::vector<logged> stop_and_read_log(running_server& srv) {
  const std::string log = srv.config->access_log;
  srv.srv->stop();
  CHECK(srv.settles_at(0));
  srv.thread.join();
  srv.srv.reset();
  std::istringstream in(read_file(log));
  std::vector<logged> lines;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string time, host, status;
    long long micros = -1;
    logged l;
    fields >> time >> l.client >> l.protocol >> host >> l.path >> status >> l.bytes >> micros;
    l.duration = std::chrono::microseconds(micros);  // "123us": the number is read, the unit left
    lines.push_back(l);
  }
  return lines;
}

}  // namespace twinstar::test
