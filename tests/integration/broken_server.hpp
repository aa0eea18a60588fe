#pragma once
// A deliberately small Gemini server with one chosen flaw, for proving that
// `twinstar check` catches each flaw. Without a flaw it answers like a
// conforming server (59 / 53 / 51 / 31 / 20), so a check that fails against
// it fails because of the flaw. Loopback, port 0, one thread, TLS from a
// certificate generated for the test.
#include <algorithm>
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ssl.hpp>
#include <cctype>
#include <stdexcept>
#include <thread>

#include "fixture.hpp"
#include "twinstar/url.hpp"

namespace twinstar::test {

enum class flaw {
  none,
  no_close_notify,  // closes the TCP connection without a TLS close_notify
  accepts_tls_1_1,  // minimum protocol TLS 1.1 (security level 0)
  bare_lf_header,   // "20 text/gemini\n"
  leaks_traversal,  // serves a passwd-like file for any path spelling ".."
};

// The whole decision, as a pure function of the bytes received.
inline std::string broken_answer(std::string_view received, flaw f, std::uint16_t port) {
  const std::string eol = f == flaw::bare_lf_header ? "\n" : "\r\n";
  auto header = [&](int status, const std::string& meta) {
    return std::to_string(status) + " " + meta + eol;
  };
  auto lf = received.find('\n');
  if (lf == std::string_view::npos || lf == 0 || received[lf - 1] != '\r' || lf - 1 > 1024)
    return header(59, "Bad request");
  auto u = parse_url(received.substr(0, lf - 1));
  if (!u) return header(59, "Bad request");
  if (u->scheme != "gemini" || u->host != "localhost" || (u->port && *u->port != port))
    return header(53, "Proxy request refused");
  std::string lowered = u->path;
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (f == flaw::leaks_traversal &&
      (lowered.find("..") != std::string::npos || lowered.find("%2e") != std::string::npos))
    return header(20, "text/plain") + "root:x:0:0:root:/root:/bin/bash\n";
  auto path = split_path(u->path);
  if (!path) return header(51, "Not found");
  std::string joined = path->joined();
  if (joined.empty()) return header(20, "text/gemini") + "# Broken test server\n=> dir/ A directory\n";
  if (joined == "dir")
    return path->trailing_slash ? header(20, "text/gemini") + "# Dir\n" : header(31, "/dir/");
  // For `twinstar get`: input prompts (10, 11) and a redirect loop.
  if (joined == "ask")
    return u->query ? header(20, "text/gemini") + "# Hello " + *u->query + "\n" : header(10, "Your name?");
  if (joined == "secret")
    return u->query ? header(20, "text/gemini") + "# Secret " + *u->query + "\n" : header(11, "Password?");
  if (joined == "loop-a") return header(31, "/loop-b");
  if (joined == "loop-b") return header(30, "loop-a");
  return header(51, "Not found");
}

class broken_server {
 public:
  explicit broken_server(flaw f) : flaw_(f), dir_(fresh_temp_dir("broken")) {
    auto cert = dir_ / "localhost.crt", key = dir_ / "localhost.key";
    if (auto made = tls::generate_self_signed(cert, key, {"localhost"}); !made)
      throw std::runtime_error(made.error());
    SSL_CTX* native = ctx_.native_handle();
    int min = f == flaw::accepts_tls_1_1 ? TLS1_1_VERSION : TLS1_2_VERSION;
    if (f == flaw::accepts_tls_1_1) {
      SSL_CTX_set_security_level(native, 0);
      SSL_CTX_set_cipher_list(native, "ALL:@SECLEVEL=0");
    }
    SSL_CTX_set_min_proto_version(native, min);
    SSL_CTX_set_max_proto_version(native, 0);
    ctx_.use_certificate_chain_file(cert.string());
    ctx_.use_private_key_file(key.string(), asio::ssl::context::pem);
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  broken_server(const broken_server&) = delete;
  ~broken_server() {
    io_.stop();
    thread_.join();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::uint16_t port() const { return port_; }

 private:
  using tcp = asio::ip::tcp;
  static constexpr auto nothrow = asio::experimental::as_tuple(asio::use_awaitable);

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
      if (ec) co_return;
      socket.set_option(tcp::no_delay(true), ec);  // no 40 ms Nagle stall before close_notify
      asio::co_spawn(io_, session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> exchange(asio::ssl::stream<tcp::socket>& stream) {
    auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
    if (hec) co_return;
    std::string received;
    char buf[2048];
    while (received.find('\n') == std::string::npos && received.size() <= 1026) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(buf), nothrow);
      received.append(buf, n);
      if (rec) break;
    }
    std::string reply = broken_answer(received, flaw_, port_);
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(reply), nothrow);
    if (wec || flaw_ == flaw::no_close_notify) co_return;
    co_await stream.async_shutdown(nothrow);
  }

  asio::awaitable<void> session(tcp::socket socket) {
    using namespace asio::experimental::awaitable_operators;
    asio::ssl::stream<tcp::socket> stream(std::move(socket), ctx_);
    asio::steady_timer limit(io_, std::chrono::seconds(3));
    co_await (exchange(stream) || limit.async_wait(nothrow));
    std::error_code ec;
    stream.next_layer().close(ec);
  }

  flaw flaw_;
  std::filesystem::path dir_;
  asio::ssl::context ctx_{asio::ssl::context::tls_server};
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace twinstar::test
