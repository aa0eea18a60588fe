// [server] max_cgi against the real server on loopback, with the project's
// own client: past the cap a dynamic request is answered 41 at once, and the
// slot comes back when the program ends, whether it answered, timed out or
// lost its client. The test and the scripts meet at FIFOs, so every step
// waits for an event (a script has started, the test lets it go), never for
// time to pass.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "cgi_fixture.hpp"

using namespace twinstar;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string busy_meta = "Busy: too many programs running, retry shortly";

// A descriptor closed on scope exit.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

// Opens FIFO `path` for reading without waiting for a writer, and waits (at
// most 10 s) until a writer has put bytes in it: the script's sign of life.
// Linux never reports hang-up on a FIFO that has not had a writer yet.
bool written_within(const fs::path& path, int& fd) {
  fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 10'000) == 1 && (p.revents & POLLIN);
}

// Waits (bounded, 10 s) until the server counts `n` running programs.
bool programs_settle_at(const test::running_server& srv, std::size_t n) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (srv.srv->running_programs() != n && std::chrono::steady_clock::now() < until)
    std::this_thread::yield();
  return srv.srv->running_programs() == n;
}

// A listening unix socket that nobody accepts on: whether a connection is
// waiting in its backlog says whether the server tried the SCGI application.
struct silent_socket {
  fd_guard sock;
  explicit silent_socket(const fs::path& path) {
    sock.fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    REQUIRE(::bind(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(sock.fd, 8) == 0);
  }
  bool connection_waiting() const {
    pollfd p{sock.fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
  }
};

// A program that holds a slot until the test lets it go: /cgi-bin/slow says
// it runs through one FIFO, then waits for a line on another; the request
// is made from a thread of its own.
class held_program {
 public:
  explicit held_program(const test::running_server& srv, const fs::path& scratch) {
    const fs::path started = scratch / "started", release = scratch / "release";
    REQUIRE(::mkfifo(started.c_str(), 0600) == 0);
    REQUIRE(::mkfifo(release.c_str(), 0600) == 0);
    test::write_script(srv.config->hosts[0].root / "cgi-bin" / "slow",
                       "echo running > '" + started.string() + "'\nread word < '" + release.string() +
                           "'\nprintf '20 text/plain\\r\\nslow done: %s\\n' \"$word\"\n");
    // Opened for reading and writing, it never blocks; the script's read
    // finds a writer at once and gets the line when the test writes it.
    go_.fd = ::open(release.c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(go_.fd >= 0);
    thread_ = std::thread([this, &srv] {
      reply_ =
          client::send_gemini("127.0.0.1", srv.gemini_port, srv.base() + "/cgi-bin/slow\r\n", srv.opts());
    });
    running_ = written_within(started, started_.fd);
  }
  held_program(const held_program&) = delete;
  ~held_program() { let_go(); }  // a failed REQUIRE still ends the script and the thread
  bool running() const { return running_; }
  // Lets the script answer; its whole reply.
  client::gemini_result finish() {
    let_go();
    return reply_.value_or(client::gemini_result(fail(std::string("no reply"))));
  }

 private:
  fd_guard go_, started_;
  bool running_ = false;
  std::optional<client::gemini_result> reply_;
  std::thread thread_;

  void let_go() {
    if (!thread_.joinable()) return;
    (void)!::write(go_.fd, "go\n", 3);  // a pipe with room: never short
    thread_.join();
  }
};

}  // namespace

TEST_CASE("cgi cap: with max_cgi = 1 a second program is refused with 41 until the first ends") {
  fs::path app_socket;
  auto site = test::start_cgi_server("cgi-cap", 10'000ms, [&](server_config& c, const fs::path& scratch) {
    c.max_cgi = 1;
    app_socket = scratch / "app.sock";
    c.hosts[0].scgi.push_back({"/app", app_socket, 2000ms});
  });
  auto& srv = *site.srv;
  REQUIRE(srv.config->max_cgi == 1);
  silent_socket app(app_socket);
  held_program slow(srv, site.dir);
  CHECK(slow.running());
  if (slow.running()) {
    CHECK(srv.srv->running_programs() == 1);
    // The cap is taken: another script and an SCGI request are refused at
    // once, and the SCGI application is never asked.
    const auto second = srv.get(srv.base() + "/cgi-bin/env\r\n");
    CHECK(second.status == 41);
    CHECK(second.meta == busy_meta);
    CHECK(second.body.empty());
    CHECK(second.close_notify);
    const auto scgi = srv.get(srv.base() + "/app/x\r\n");
    CHECK(scgi.status == 41);
    CHECK_FALSE(app.connection_waiting());
    CHECK(srv.srv->running_programs() == 1);  // a refusal takes no slot
  }
  const auto first = slow.finish();
  REQUIRE(first.ok());
  CHECK(first->status == 20);
  CHECK(first->body == "slow done: go\n");
  CHECK(first->close_notify);

  // The slot is given back before close_notify goes out: the next request
  // runs its program.
  CHECK(srv.srv->running_programs() == 0);
  const auto third = srv.get(srv.base() + "/cgi-bin/env\r\n");
  CHECK(third.status == 20);
  CHECK(third.body.find("GATEWAY_INTERFACE=CGI/1.1") != std::string::npos);
  CHECK(srv.srv->running_programs() == 0);
  CHECK(srv.settles_at(0));
}

TEST_CASE("cgi cap: a reload raises the cap while a program runs") {
  auto site = test::start_cgi_server("cgi-cap-reload", 10'000ms,
                                     [](server_config& c, const fs::path&) { c.max_cgi = 1; });
  auto& srv = *site.srv;
  held_program slow(srv, site.dir);
  REQUIRE(slow.running());
  CHECK(srv.get(srv.base() + "/cgi-bin/env\r\n").status == 41);
  auto raised = std::make_shared<server_config>(*srv.config);
  raised->max_cgi = 2;
  REQUIRE(srv.srv->reload(raised).ok());
  CHECK(srv.get(srv.base() + "/cgi-bin/env\r\n").status == 20);  // the running one still counts: 1 of 2
  const auto first = slow.finish();
  REQUIRE(first.ok());
  CHECK(first->status == 20);
  CHECK(srv.srv->running_programs() == 0);
}

TEST_CASE("cgi cap: a script killed at its timeout gives its slot back") {
  auto site = test::start_cgi_server("cgi-cap-timeout", 300ms,
                                     [](server_config& c, const fs::path&) { c.max_cgi = 1; });
  auto& srv = *site.srv;
  test::write_script(srv.config->hosts[0].root / "cgi-bin" / "hang", "exec sleep 600\n");
  const auto cut = srv.get(srv.base() + "/cgi-bin/hang\r\n");
  CHECK(cut.status == 42);  // no header within the timeout
  CHECK(srv.srv->running_programs() == 0);
  const auto next = srv.get(srv.base() + "/cgi-bin/env\r\n");
  CHECK(next.status == 20);
}

TEST_CASE("cgi cap: a script whose client went away gives its slot back") {
  auto site = test::start_cgi_server("cgi-cap-gone", 10'000ms,
                                     [](server_config& c, const fs::path&) { c.max_cgi = 1; });
  auto& srv = *site.srv;
  // Writes without end: only the server's kill (its client is gone) stops it.
  test::write_script(srv.config->hosts[0].root / "cgi-bin" / "endless",
                     "printf '20 text/plain\\r\\n'\nexec yes endless\n");
  auto o = srv.opts();
  o.max_body = 4096;  // then the client stops reading and closes
  const auto partial =
      client::send_gemini("127.0.0.1", srv.gemini_port, srv.base() + "/cgi-bin/endless\r\n", o);
  REQUIRE(partial.ok());
  CHECK(partial->status == 20);
  CHECK(partial->body.starts_with("endless\nendless\n"));
  CHECK_FALSE(partial->close_notify);
  // The server learns of the close at its next write and kills the script.
  CHECK(programs_settle_at(srv, 0));
  const auto next = srv.get(srv.base() + "/cgi-bin/env\r\n");
  CHECK(next.status == 20);
}
