// The access log never blocks serving: a destination that stops taking
// lines (here a FIFO nobody reads) leaves requests answered at full speed.
#include "twinstar/access_log.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <thread>

#include "fixture.hpp"
#include "process.hpp"
#include "twinstar/gopher_site.hpp"

using namespace twinstar;
using namespace std::chrono_literals;

TEST_CASE("access log: a stalled destination does not stall the server") {
  const auto dir = test::fresh_temp_dir("log-fifo");
  const auto fifo = dir / "access.fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // A reader that never reads, so the server's open() does not wait for one.
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(reader >= 0);

  auto srv = test::start_test_server("log-fifo-server", [&](server_config& c) {
    c.access_log = fifo.string();
    c.max_connections_per_ip = 0;
  });
  // ~1,500 lines of ~90 bytes: twice what the pipe holds (64 KB).
  client::options o;
  o.timeout = 10s;
  int answered = 0;
  for (int i = 0; i < 1500; ++i) {
    auto r = client::send_gopher("127.0.0.1", srv->gopher_port, "/page.gmi\r\n", o);
    answered += r.ok() && r->body.find("Text.") != std::string::npos ? 1 : 0;
  }
  CHECK(answered == 1500);

  // Let the log's writer finish (and the server stop) by reading the pipe.
  std::thread drain([reader] {
    ::fcntl(reader, F_SETFL, 0);  // blocking reads until the writer closes
    char buf[65536];
    while (::read(reader, buf, sizeof buf) > 0) {
    }
  });
  srv.reset();
  drain.join();
  ::close(reader);
  std::filesystem::remove_all(dir);
}

// Regression: with access_log = "-" and a reader that stopped reading, the
// "stopping" line waited on stdout's lock held by the blocked log writer, so
// SIGTERM was never acted on.
TEST_CASE("access log: a stalled stdout never holds up serving or SIGTERM") {
  const auto dir = test::fresh_temp_dir("log-stdout");
  test::write_file(dir / "root" / "page.gmi", "# Page\nText.\n");
  test::write_file(dir / "twinstar.toml",
                   "[server]\nlisten = [\"127.0.0.1:0\"]\ngopher_listen = [\"127.0.0.1:0\"]\n"
                   "access_log = \"-\"\ncert_dir = \"certs\"\n"
                   "[server.rate_limit]\nrequests_per_second = 0\n"
                   "[[host]]\nname = \"localhost\"\nroot = \"root\"\n");
  test::child_process proc(
      {TWINSTAR_BINARY, "serve", "--config", (dir / "twinstar.toml").string(), "--allow-root"});
  std::uint16_t gopher_port = 0;
  while (auto line = proc.read_line()) {
    if (line->find("listening on gopher://") != std::string::npos) gopher_port = test::port_of(*line);
    if (gopher_port) break;
  }
  REQUIRE(gopher_port != 0);
  // From here on nobody reads the server's stdout; the smallest pipe fills fast.
  ::fcntl(proc.stdout_fd(), F_SETPIPE_SZ, 4096);
  client::options o;
  o.timeout = 10s;
  int answered = 0;
  for (int i = 0; i < 300; ++i) {  // ~30 KB of log lines into a 4 KB pipe
    auto r = client::send_gopher("127.0.0.1", gopher_port, "/page.gmi\r\n", o);
    answered += r.ok() && r->body.find("Text.") != std::string::npos ? 1 : 0;
  }
  CHECK(answered == 300);
  // The log's writer batches lines; wait (bounded) until it has written some.
  int pending = 0;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (::ioctl(proc.stdout_fd(), FIONREAD, &pending) == 0 && pending == 0 &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::yield();
  CHECK(pending > 0);
  proc.signal(SIGTERM);
  // Bounded by the sink's stall limit (1 s) plus shutdown; before the fix it never exited.
  CHECK(proc.wait(10s, false) == 0);
  // The pipe held a few lines; the rest of the 300 were dropped, not waited for.
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(proc.stdout_fd(), buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = out.find(" gopher localhost /page.gmi ", at)) != std::string::npos; ++at)
    ++lines;
  CHECK(lines > 0);
  CHECK(lines < 300);
  std::filesystem::remove_all(dir);
}

TEST_CASE("access log: a FIFO without a reader is a start-up error, not a hang") {
  const auto dir = test::fresh_temp_dir("log-noreader");
  const auto fifo = dir / "access.fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string message;
  try {
    auto srv = test::start_test_server("log-noreader-server",
                                       [&](server_config& c) { c.access_log = fifo.string(); });
  } catch (const std::exception& e) {
    message = e.what();
  }
  CHECK(message.find("cannot open access log") != std::string::npos);
  CHECK(message.find("no process is reading the FIFO") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("access log: each style lays out the same request") {
  const access_entry e{.client = "[2001:db8:aa:bb::1]:5000",
                       .protocol = protocol::gemini,
                       .host = "example.org",
                       .path = "/a b\"c",
                       .status = "20",
                       .bytes = 1234,
                       .duration = std::chrono::microseconds(567)};
  // 2026-12-04T15:03:00Z
  const auto now = std::chrono::system_clock::time_point{} + std::chrono::seconds(1796396580);
  struct row {
    log_style style;
    ip_logging ip;
    const char* expect;
  };
  const row rows[] = {
      {log_style::twinstar, ip_logging::full,
       "2026-12-04T15:03:00Z [2001:db8:aa:bb::1]:5000 gemini example.org /a%20b%22c 20 1234 567us\n"},
      {log_style::common, ip_logging::truncated,
       "2001:db8:aa:: - - [04/Dec/2026:15:03:00 +0000] \"GET /a%20b%22c GEMINI\" 20 1234\n"},
      {log_style::combined, ip_logging::none,
       "- - - [04/Dec/2026:15:03:00 +0000] \"GET /a%20b%22c GEMINI\" 20 1234 \"-\" \"-\" example.org 567\n"},
      {log_style::json, ip_logging::truncated,
       "{\"time\":\"2026-12-04T15:03:00Z\",\"client\":\"2001:db8:aa::\",\"protocol\":\"gemini\",\"host\":"
       "\"example.org\","
       "\"path\":\"/a%20b%22c\",\"status\":\"20\",\"bytes\":1234,\"duration_us\":567}\n"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.expect);
    CHECK(format_access_line(e, r.style, r.ip, now) == r.expect);
  }
  // Gopher kinds become numbers for log analysers.
  const access_entry g{.client = "10.1.2.3:40000",
                       .protocol = protocol::gopher,
                       .host = "localhost",
                       .path = "/x",
                       .status = "error",
                       .bytes = 50,
                       .duration = std::chrono::microseconds(9)};
  CHECK(format_access_line(g, log_style::common, ip_logging::truncated, now) ==
        "10.1.2.0 - - [04/Dec/2026:15:03:00 +0000] \"GET /x GOPHER\" 51 50\n");
  // A rate-limited Gopher client is told to slow down: 44, not a success.
  access_entry slowed = g;
  slowed.status = name_of(gopher_kind::slow_down);
  CHECK(format_access_line(slowed, log_style::common, ip_logging::truncated, now) ==
        "10.1.2.0 - - [04/Dec/2026:15:03:00 +0000] \"GET /x GOPHER\" 44 50\n");
}

TEST_CASE("access log: shown_address keeps what log_ip says") {
  struct row {
    const char* client;
    ip_logging mode;
    const char* expect;
  };
  const row rows[] = {
      {"127.0.0.1:53422", ip_logging::full, "127.0.0.1:53422"},
      {"127.0.0.1:53422", ip_logging::truncated, "127.0.0.0"},
      {"192.168.7.200", ip_logging::truncated, "192.168.7.0"},
      {"[::1]:1965", ip_logging::truncated, "::"},
      {"[2001:db8:1:2:3:4:5:6]:1965", ip_logging::truncated, "2001:db8:1::"},
      {"[::ffff:10.9.8.7]:1965", ip_logging::truncated, "10.9.8.0"},
      {"2001:db8::1", ip_logging::truncated, "2001:db8::"},
      {"127.0.0.1:53422", ip_logging::none, "-"},
      {"not an address", ip_logging::truncated, "-"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.client);
    CHECK(shown_address(r.client, r.mode) == r.expect);
  }
}

// Regression: a request cut by request_timeout before its CRLF was logged as
// a 59 that was never sent.
TEST_CASE("access log: a request that timed out is logged as a timeout / no 59 that never went out") {
  auto srv = test::start_test_server("log-timeout", [](server_config& c) {
    c.request_timeout = 300ms;
    c.access_log_style = log_style::json;
  });
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  asio::ssl::stream<asio::ip::tcp::socket> tls(io, ctx);
  tls.next_layer().connect({asio::ip::make_address("127.0.0.1"), srv->gemini_port});
  SSL_set_tlsext_host_name(tls.native_handle(), "localhost");
  tls.handshake(asio::ssl::stream_base::client);
  const std::string part = srv->base() + "/page.gmi";  // no CRLF
  asio::write(tls, asio::buffer(part));
  std::string reply;
  std::error_code ec;
  asio::read(tls, asio::dynamic_buffer(reply), ec);  // ends when the server closes
  CHECK(reply.empty());
  const auto log = srv->dir / "access.log";
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (test::read_file(log).find("\"status\":\"timeout\"") == std::string::npos &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::yield();
  const auto text = test::read_file(log);
  CHECK(text.find("\"status\":\"timeout\"") != std::string::npos);
  CHECK(text.find("\"status\":\"59\"") == std::string::npos);
}

// The log showed the path only: a query (an answer to a prompt, or
// `bench --tag`'s marker) left no trace, so bench's lines could not be told apart.
TEST_CASE("access log: a Gemini request's query is logged after its path, as sent") {
  auto srv = test::start_test_server("log-query");
  const auto log = srv->dir / "access.log";
  CHECK(srv->get("gemini://localhost/page.gmi?twinstar-bench%20x\r\n").status == 20);
  CHECK(srv->get("gemini://localhost/page.gmi\r\n").status == 20);
  // The log's writer batches lines: wait (bounded) for both.
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (test::read_file(log).find(" /page.gmi 20 ") == std::string::npos &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::yield();
  const auto text = test::read_file(log);
  CAPTURE(text);
  CHECK(text.find(" gemini localhost /page.gmi?twinstar-bench%20x 20 ") != std::string::npos);
  CHECK(text.find(" gemini localhost /page.gmi 20 ") != std::string::npos);
}
