// The reference point for issue 7: the least a Gemini server can do with
// OpenSSL 3.0. One thread, blocking sockets, one connection at a time:
// accept, handshake, read the request line, send "20 text/gemini" and one
// file's bytes (read once at start), close_notify, close. No routing, no
// logging, no timeouts: it exists only to be measured beside twinstar
// (bench/side_by_side.sh). OpenSSL defaults throughout (two session tickets
// per handshake), as a hand-written server would have them.
//
// Usage: minimal_server CERT KEY FILE PORT   (PORT 0 picks one)
//        minimal_server --plain FILE PORT      (Gopher-like: plain TCP, the
//                                               file's bytes as the answer)
// Prints "listening on gemini://127.0.0.1:PORT/" (or gopher://) once ready.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream body;
  body << in.rdbuf();
  return body.str();
}

int listen_on(const char* port, const char* scheme) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int on = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(port)));
  socklen_t len = sizeof addr;
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listener, 1024) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("listen");
    std::exit(1);
  }
  std::printf("listening on %s://127.0.0.1:%u/\n", scheme, ntohs(addr.sin_port));
  std::fflush(stdout);
  return listener;
}

// Plain TCP: read up to the end of the selector line, answer, close.
[[noreturn]] void serve_plain(const std::string& response, int listener) {
  for (;;) {
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) continue;
    char request[1026];
    std::size_t have = 0;
    while (have < sizeof request) {
      ssize_t n = read(fd, request + have, sizeof request - have);
      if (n <= 0) break;
      have += static_cast<std::size_t>(n);
      if (request[have - 1] == '\n') break;
    }
    if (have > 0) {
      std::size_t sent = 0;
      while (sent < response.size()) {
        ssize_t n = write(fd, response.data() + sent, response.size() - sent);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
      }
    }
    close(fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc == 4 && std::strcmp(argv[1], "--plain") == 0)
    serve_plain(read_file(argv[2]), listen_on(argv[3], "gopher"));
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s CERT KEY FILE PORT | --plain FILE PORT\n", argv[0]);
    return 2;
  }
  const std::string response = "20 text/gemini\r\n" + read_file(argv[3]);

  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, argv[1]) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM) != 1) {
    ERR_print_errors_fp(stderr);
    return 1;
  }
  const int listener = listen_on(argv[4], "gemini");

  for (;;) {
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0) continue;
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      char request[1026];
      std::size_t have = 0;
      while (have < sizeof request) {
        std::size_t n = 0;
        if (SSL_read_ex(ssl, request + have, sizeof request - have, &n) != 1) break;
        have += n;
        if (have >= 2 && std::memcmp(request + have - 2, "\r\n", 2) == 0) break;
      }
      std::size_t sent = 0;
      if (have > 0) SSL_write_ex(ssl, response.data(), response.size(), &sent);
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    close(fd);
  }
}
