#pragma once
// A tiny HTTP/1.1 server for the mirror tests: 127.0.0.1, port 0, one
// thread, one request per connection (Connection: close). Each request is
// recorded before its response is written, so a client that has its
// response can read the record without further synchronisation.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace twinstar::test {

struct http_request {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
};

struct http_reply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class http_fixture {
 public:
  using handler = std::function<http_reply(const http_request&)>;

  explicit http_fixture(handler h) : handler_(std::move(h)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 16) != 0 || ::pipe(wake_) != 0) {
      throw std::runtime_error("http_fixture: cannot listen on 127.0.0.1");
    }
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }

  ~http_fixture() {
    const char byte = 'x';
    (void)!::write(wake_[1], &byte, 1);
    thread_.join();
    ::close(listener_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

  http_fixture(const http_fixture&) = delete;
  http_fixture& operator=(const http_fixture&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  std::vector<http_request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  static constexpr std::size_t max_request_bytes = 64 * 1024;
  static constexpr int io_timeout_ms = 10'000;

  void serve() {
    for (;;) {
      pollfd fds[2] = {{listener_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents != 0) return;
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      handle(client);
      ::close(client);
    }
  }

  void handle(int client) {
    std::string data;
    char buffer[4096];
    while (data.find("\r\n\r\n") == std::string::npos && data.size() < max_request_bytes) {
      pollfd fd{client, POLLIN, 0};
      if (::poll(&fd, 1, io_timeout_ms) <= 0) return;
      const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0) return;
      data.append(buffer, static_cast<std::size_t>(n));
    }
    http_request request;
    std::size_t line_end = data.find("\r\n");
    const std::string first = data.substr(0, line_end);
    const auto space = first.find(' ');
    request.method = first.substr(0, space);
    request.target = first.substr(space + 1, first.rfind(' ') - space - 1);
    for (std::size_t at = line_end + 2; at < data.size();) {
      const std::size_t end = data.find("\r\n", at);
      if (end == std::string::npos || end == at) break;
      const std::string line = data.substr(at, end - at);
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        request.headers[name] = value;
      }
      at = end + 2;
    }
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    const http_reply reply = handler_(request);
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " Fixture\r\n";
    for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
    out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n";
    if (reply.status != 304) out += reply.body;
    for (std::size_t sent = 0; sent < out.size();) {
      const ssize_t n = ::send(client, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  }

  handler handler_;
  int listener_ = -1;
  int wake_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::vector<http_request> requests_;
  std::thread thread_;
};

}  // namespace twinstar::test
