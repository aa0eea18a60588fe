#pragma once
// A small TLS stream: OpenSSL reads the non-blocking socket itself and writes
// its records into a buffer of ours, which the stream sends when it must
// (before waiting for the peer, when it grows large, on flush() and at
// shutdown). The coroutine waits for readiness with socket.async_wait.
//
// Why not asio::ssl::stream: it keeps two 17 KB staging buffers and a BIO
// pair of two more for the whole life of every connection, ~70 KB each even
// while the connection idles. Here OpenSSL's read buffer is released when
// empty (SSL_MODE_RELEASE_BUFFERS) and the output buffer after each send, so
// an idle connection costs its SSL object and a coroutine frame.
//
// Why buffer the output: OpenSSL writes every record with its own syscall;
// a Gemini answer is the server's handshake flight, the session ticket, the
// response and close_notify, and gathered they leave in two send() calls
// instead of six (and in fewer TCP segments).
//
// Thread-safety: like any Asio I/O object, one operation at a time, on the
// socket's executor (a strand when the io_context has several threads).
// Closing the socket (the deadline sweeper does) aborts a pending wait; the stream
// then never touches the descriptor number again, which may have been reused.
#include <openssl/ssl.h>

#include <asio.hpp>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

namespace twinstar::shell {

class tls_stream {
 public:
  enum class role { client, server };

  // `ctx` must outlive the stream. A client's SSL object is created here (set
  // SNI or a session on it before handshake()), a server's by handshake().
  tls_stream(asio::ip::tcp::socket socket, SSL_CTX* ctx, role r);
  tls_stream(const tls_stream&) = delete;
  tls_stream& operator=(const tls_stream&) = delete;

  SSL* native_handle() { return ssl_.get(); }  // a server's: nullptr before handshake()
  asio::ip::tcp::socket& socket() { return socket_; }

  // The server side first waits for the client's first bytes, so a silent
  // connection holds no TLS state at all.
  asio::awaitable<std::error_code> handshake();
  // One SSL_read: bytes as soon as a record's worth is there; asio::error::eof
  // on close_notify or a clean TCP close.
  asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(asio::mutable_buffer into);
  // Until application data can be read without waiting (it peeks one byte),
  // so a caller idling for a request holds no read buffer meanwhile.
  asio::awaitable<std::error_code> wait_readable();
  // All of `from`, encrypted into the output buffer, which is sent once it
  // holds flush_bytes or more; call flush() or shutdown() to send the rest.
  asio::awaitable<std::pair<std::error_code, std::size_t>> write(asio::const_buffer from);
  asio::awaitable<std::error_code> flush();
  // close_notify, without waiting for the peer's, and everything pending.
  asio::awaitable<std::error_code> shutdown();

  static constexpr std::size_t flush_bytes = 64 * 1024;

 private:
  struct ssl_deleter {
    void operator()(SSL* s) const { SSL_free(s); }
  };
  friend struct tls_stream_bio;

  bool attach_ssl();
  // Runs `step` (an SSL_* call returning > 0 on success) until it succeeds,
  // sending pending output and waiting for input whenever OpenSSL needs it.
  template <class Step>
  asio::awaitable<std::pair<std::error_code, int>> drive(Step step);
  // What can be sent without waiting (an alert before giving up).
  void send_now();

  asio::ip::tcp::socket socket_;
  SSL_CTX* ctx_;
  role role_;
  std::string out_;  // ciphertext not yet sent
  std::unique_ptr<SSL, ssl_deleter> ssl_;
};

}  // namespace twinstar::shell
