// See tls_stream.hpp.
#include "tls_stream.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl/error.hpp>
#include <cerrno>
#include <cstring>

namespace twinstar::shell {
namespace {

constexpr auto nothrow = asio::experimental::as_tuple(asio::use_awaitable);

// What an SSL_* failure means, as an error code; the caller already knows
// it is neither WANT_READ nor WANT_WRITE.
std::error_code failure(int ssl_error, int saved_errno) {
  switch (ssl_error) {
    case SSL_ERROR_ZERO_RETURN:
      return asio::error::eof;
    case SSL_ERROR_SYSCALL:
      if (unsigned long e = ERR_get_error()) return {static_cast<int>(e), asio::error::get_ssl_category()};
      // errno 0: the peer closed TCP without close_notify.
      return saved_errno != 0 ? std::error_code(saved_errno, asio::error::get_system_category())
                              : std::error_code(asio::error::eof);
    default:
      if (unsigned long e = ERR_get_error()) {
        if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) return asio::error::eof;
        return {static_cast<int>(e), asio::error::get_ssl_category()};
      }
      return asio::error::connection_aborted;
  }
}

bool transient(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

}  // namespace

// The BIO under the SSL object: reads from the socket, writes into out_.
struct tls_stream_bio {
  static tls_stream& of(BIO* b) { return *static_cast<tls_stream*>(BIO_get_data(b)); }

  static int write(BIO* b, const char* data, int len) {
    BIO_clear_retry_flags(b);
    of(b).out_.append(data, static_cast<std::size_t>(len));
    return len;
  }

  static int read(BIO* b, char* data, int len) {
    BIO_clear_retry_flags(b);
    ssize_t n = ::recv(of(b).socket_.native_handle(), data, static_cast<std::size_t>(len), 0);
    if (n < 0 && transient(errno)) BIO_set_retry_read(b);
    return static_cast<int>(n);
  }

  static int puts(BIO* b, const char* text) { return write(b, text, static_cast<int>(std::strlen(text))); }

  static long ctrl(BIO*, int cmd, long, void*) {
    // OpenSSL flushes after each handshake flight; the stream sends before
    // it waits, which covers that.
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
  }

  static const BIO_METHOD* method() {
    static BIO_METHOD* m = [] {
      BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "twinstar stream");
      if (made) {
        BIO_meth_set_write(made, write);
        BIO_meth_set_read(made, read);
        BIO_meth_set_puts(made, puts);
        BIO_meth_set_ctrl(made, ctrl);
      }
      return made;
    }();
    return m;
  }
};

tls_stream::tls_stream(asio::ip::tcp::socket socket, SSL_CTX* ctx, role r)
    : socket_(std::move(socket)), ctx_(ctx), role_(r) {
  if (role_ == role::client) attach_ssl();  // failure shows as handshake()'s no_memory
}

bool tls_stream::attach_ssl() {
  std::error_code ec;
  socket_.native_non_blocking(true, ec);
  std::unique_ptr<SSL, ssl_deleter> ssl(ec ? nullptr : SSL_new(ctx_));
  BIO* bio = ssl && tls_stream_bio::method() ? BIO_new(tls_stream_bio::method()) : nullptr;
  if (!bio) return false;
  BIO_set_data(bio, this);
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl.get(), bio, bio);  // the SSL owns it now
  if (role_ == role::server)
    SSL_set_accept_state(ssl.get());
  else
    SSL_set_connect_state(ssl.get());
  ssl_ = std::move(ssl);
  return true;
}

void tls_stream::send_now() {
  if (out_.empty() || !socket_.is_open()) return;
  ssize_t n = ::send(socket_.native_handle(), out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n > 0) out_.erase(0, static_cast<std::size_t>(n));
}

asio::awaitable<std::error_code> tls_stream::flush() {
  std::size_t sent = 0;
  while (sent < out_.size()) {
    if (!socket_.is_open()) co_return asio::error::operation_aborted;
    ssize_t n = ::send(socket_.native_handle(), out_.data() + sent, out_.size() - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
    } else if (transient(errno)) {
      auto [ec] = co_await socket_.async_wait(asio::socket_base::wait_write, nothrow);
      if (ec) co_return ec;
    } else {
      co_return std::error_code(errno, asio::error::get_system_category());
    }
  }
  out_.clear();
  co_return std::error_code();
}

template <class Step>
asio::awaitable<std::pair<std::error_code, int>> tls_stream::drive(Step step) {
  if (!ssl_) co_return std::pair{std::error_code(asio::error::no_memory), 0};
  for (;;) {
    // The descriptor may have been closed (a deadline) while this coroutine
    // waited to resume; its number may already belong to someone else.
    if (!socket_.is_open()) co_return std::pair{std::error_code(asio::error::operation_aborted), 0};
    ERR_clear_error();
    errno = 0;
    int r = step();
    if (r > 0) co_return std::pair{std::error_code(), r};
    int saved_errno = errno;
    int e = SSL_get_error(ssl_.get(), r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
      std::error_code ec = failure(e, saved_errno);
      ERR_clear_error();
      send_now();  // the alert that says why, if the socket takes it
      co_return std::pair{ec, 0};
    }
    // The peer may be waiting for what is pending before it says more; and
    // a connection about to wait keeps no output buffer.
    if (auto ec = co_await flush()) co_return std::pair{ec, 0};
    std::string().swap(out_);
    if (e == SSL_ERROR_WANT_READ) {
      auto [ec] = co_await socket_.async_wait(asio::socket_base::wait_read, nothrow);
      if (ec) co_return std::pair{ec, 0};
    }
  }
}

asio::awaitable<std::error_code> tls_stream::handshake() {
  if (role_ == role::server) {
    // A connection that has sent nothing yet costs no SSL object (~10 KB
    // with its cipher state): create it when the ClientHello is there.
    auto [ec] = co_await socket_.async_wait(asio::socket_base::wait_read, nothrow);
    if (ec) co_return ec;
  }
  if (!socket_.is_open()) co_return asio::error::operation_aborted;
  if (!ssl_ && !attach_ssl()) co_return asio::error::no_memory;
  // Success leaves the session ticket pending: it goes out with the response.
  auto [ec, r] = co_await drive([this] { return SSL_do_handshake(ssl_.get()); });
  co_return ec;
}

asio::awaitable<std::pair<std::error_code, std::size_t>> tls_stream::read_some(asio::mutable_buffer into) {
  std::size_t got = 0;
  auto [ec, r] = co_await drive([&] { return SSL_read_ex(ssl_.get(), into.data(), into.size(), &got); });
  co_return std::pair{ec, ec ? 0 : got};
}

asio::awaitable<std::error_code> tls_stream::wait_readable() {
  char byte = 0;
  std::size_t got = 0;
  auto [ec, r] = co_await drive([&] { return SSL_peek_ex(ssl_.get(), &byte, 1, &got); });
  co_return ec;
}

asio::awaitable<std::pair<std::error_code, std::size_t>> tls_stream::write(asio::const_buffer from) {
  if (from.size() == 0) co_return std::pair{std::error_code(), std::size_t{0}};
  std::size_t sent = 0;
  auto [ec, r] = co_await drive([&] { return SSL_write_ex(ssl_.get(), from.data(), from.size(), &sent); });
  if (!ec && out_.size() >= flush_bytes) ec = co_await flush();
  co_return std::pair{ec, ec ? 0 : from.size()};
}

asio::awaitable<std::error_code> tls_stream::shutdown() {
  if (!ssl_) co_return asio::error::no_memory;
  // Marking the peer's close_notify as received makes SSL_shutdown complete
  // once ours is written: nobody waits for a reply most clients never send.
  SSL_set_shutdown(ssl_.get(), SSL_get_shutdown(ssl_.get()) | SSL_RECEIVED_SHUTDOWN);
  auto [ec, r] = co_await drive([this] {
    int r = SSL_shutdown(ssl_.get());
    return r == 0 ? 1 : r;
  });
  if (ec) co_return ec;
  co_return co_await flush();
}

}  // namespace twinstar::shell
