#pragma once
// A small TLS stream: OpenSSL reads and writes the non-blocking socket itself
// (through a minimal BIO that sends with MSG_NOSIGNAL) and the coroutine
// waits for readiness with socket.async_wait when OpenSSL says it must.
//
// Why not asio::ssl::stream: it keeps two 17 KB staging buffers and a BIO
// pair of two more for the whole life of every connection, ~70 KB each even
// while the connection idles. Here OpenSSL owns the only buffers and, with
// SSL_MODE_RELEASE_BUFFERS, frees them whenever nothing is pending, so an
// idle connection costs its SSL object and a coroutine frame. It also saves
// a copy per record and lets each operation try the syscall before waiting.
//
// Thread-safety: like any Asio I/O object, one operation at a time, on the
// socket's executor (a strand when the io_context has several threads).
// Closing the socket (the watchdog does) aborts a pending wait; the stream
// then never touches the descriptor number again, which may have been reused.
#include <asio.hpp>
#include <openssl/ssl.h>

#include <memory>
#include <system_error>
#include <utility>

namespace twinstar::shell {

class tls_stream {
 public:
  enum class role { client, server };

  // `ctx` must outlive the stream. The SSL object is created by handshake().
  tls_stream(asio::ip::tcp::socket socket, SSL_CTX* ctx, role r);
  tls_stream(const tls_stream&) = delete;
  tls_stream& operator=(const tls_stream&) = delete;

  SSL* native_handle() { return ssl_.get(); }  // nullptr before handshake()
  asio::ip::tcp::socket& socket() { return socket_; }

  // The server side first waits for the client's first bytes, so a silent
  // connection holds no TLS state at all.
  asio::awaitable<std::error_code> handshake();
  // One SSL_read: bytes as soon as a record's worth is there; asio::error::eof
  // on close_notify or a clean TCP close.
  asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(asio::mutable_buffer into);
  // All of `from`, or the error that stopped it and how much went out.
  asio::awaitable<std::pair<std::error_code, std::size_t>> write(asio::const_buffer from);
  // Send close_notify, without waiting for the peer's.
  asio::awaitable<std::error_code> shutdown();

 private:
  struct ssl_deleter {
    void operator()(SSL* s) const { SSL_free(s); }
  };
  // Runs `step` (an SSL_* call returning > 0 on success) until it succeeds,
  // waiting for the readiness OpenSSL asks for in between.
  template <class Step>
  asio::awaitable<std::pair<std::error_code, int>> drive(Step step);

  bool attach_ssl();

  asio::ip::tcp::socket socket_;
  SSL_CTX* ctx_;
  role role_;
  std::unique_ptr<SSL, ssl_deleter> ssl_;
};

}  // namespace twinstar::shell
