// The network shell's deadlines: one sweeper per worker closes the sockets
// of sessions whose deadline has passed.
#include <doctest/doctest.h>

#include <asio.hpp>

#include "../../src/net/shell.hpp"

using namespace twinstar::shell;
using namespace std::chrono_literals;

namespace {

// A connected loopback pair; the server side is what a session would hold.
struct pair {
  tcp::socket client, server;
  explicit pair(asio::io_context& io) : client(io), server(io) {
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }
};

}  // namespace

TEST_CASE("deadline sweeper: closes exactly the sessions whose deadline passed") {
  deadline_sweeper sweeper;
  asio::io_context io;
  pair a(io), b(io), c(io);
  const auto now = clock::now();
  CHECK(sweeper.empty());
  {
    session_deadline da(sweeper, a.server, now + 1h);
    session_deadline db(sweeper, b.server, now - 1ms);
    session_deadline dc(sweeper, c.server, now + 1h);
    sweeper.sweep(now);
    CHECK(a.server.is_open());
    CHECK_FALSE(b.server.is_open());
    CHECK(c.server.is_open());
    dc.set(now);  // moved earlier: holds at the next sweep
    sweeper.sweep(now);
    CHECK_FALSE(c.server.is_open());
    CHECK(a.server.is_open());
    CHECK_FALSE(sweeper.empty());
  }
  CHECK(sweeper.empty());  // a session's end takes its deadline off the list
}

TEST_CASE("deadline sweeper: a waiting session ends with operation_aborted soon after its deadline") {
  deadline_sweeper sweeper;  // outlives the io_context, which destroys run()'s frame
  asio::io_context io;
  asio::co_spawn(io, sweeper.run(), asio::detached);
  pair p(io);
  std::error_code result;
  clock::time_point ended{};
  const auto started = clock::now();
  auto session = [&]() -> asio::awaitable<void> {
    session_deadline deadline(sweeper, p.server, clock::now() + 200ms);  // wakes the idle sweeper
    char byte;
    auto [ec, n] =
        co_await p.server.async_read_some(asio::buffer(&byte, 1), nothrow);  // the client never writes
    result = ec;
    ended = clock::now();
    io.stop();  // the sweeper runs as long as its io_context
  };
  asio::co_spawn(io, session(), asio::detached);
  io.run_for(5s);  // bounded: stopped by the session, or given up at 5 s
  CHECK(result == asio::error::operation_aborted);
  CHECK(ended - started >= 200ms);
  CHECK(ended - started < 200ms + 20 * deadline_sweeper::interval);
  CHECK(sweeper.empty());
}

TEST_CASE("deadline sweeper: stopping closes idle sessions at once / responses only when cut, with a reset") {
  deadline_sweeper sweeper;
  asio::io_context io;
  twinstar::server_config config;  // write_timeout 10 s: no response is due during the test
  pair idle(io), response(io), later(io);
  const auto far = clock::now() + 1h;
  session_deadline di(sweeper, idle.server, far);
  session_deadline dr(sweeper, response.server, far);
  session_deadline dl(sweeper, later.server, far);
  dr.writing(config, 1 << 20);
  dl.writing(config, 1 << 20);

  sweeper.close_idle();
  CHECK_FALSE(idle.server.is_open());
  CHECK(response.server.is_open());
  CHECK(later.server.is_open());
  dl.set(far);  // its response is done: it is closing, idle, and goes at the next sweep
  sweeper.sweep(clock::now());
  CHECK_FALSE(later.server.is_open());
  CHECK(response.server.is_open());

  sweeper.cut_all();
  CHECK_FALSE(response.server.is_open());
  char byte;
  std::error_code ec;
  response.client.read_some(asio::buffer(&byte, 1), ec);
  CHECK(ec == asio::error::connection_reset);  // a cut answer never ends like a complete one
  idle.client.read_some(asio::buffer(&byte, 1), ec);
  CHECK(ec == asio::error::eof);  // an idle one just closes
}

// The lifetime rules of deadline.hpp, each as the server relies on it.
TEST_CASE("deadline lifetime: a deadline ended anywhere in the list leaves the others swept") {
  deadline_sweeper sweeper;
  asio::io_context io;
  pair a(io), b(io), c(io);
  const auto now = clock::now();
  session_deadline da(sweeper, a.server, now - 1ms);
  auto db = std::make_unique<session_deadline>(sweeper, b.server, now - 1ms);
  session_deadline dc(sweeper, c.server, now - 1ms);
  db.reset();  // the middle one ends first (its session completed)
  sweeper.sweep(now);
  CHECK_FALSE(a.server.is_open());
  CHECK(b.server.is_open());  // no longer watched: its socket is its session's again
  CHECK_FALSE(c.server.is_open());
}

TEST_CASE(
    "deadline lifetime: a session frame destroyed with its io_context takes its deadline off the sweeper") {
  deadline_sweeper sweeper;  // declared first: outlives the io_context, as in server::impl
  bool started = false;
  {
    asio::io_context io;
    pair p(io);
    // The socket and the deadline live in the coroutine's own frame; the
    // frame is suspended for good (the client never writes).
    asio::co_spawn(
        io,
        [&sweeper, &started, socket = std::move(p.server)]() mutable -> asio::awaitable<void> {
          tcp::socket own = std::move(socket);
          session_deadline deadline(sweeper, own, clock::now() + 1h);
          started = true;
          char byte;
          co_await own.async_read_some(asio::buffer(&byte, 1), nothrow);
        },
        asio::detached);
    for (int i = 0; i < 100 && !started; ++i) io.poll();  // the session starts, then waits
    REQUIRE(started);
    CHECK_FALSE(sweeper.empty());
  }  // ~io_context destroys the suspended frame: deadline first, then its socket
  CHECK(sweeper.empty());
  sweeper.sweep(clock::now() + 2h);  // nothing dangling is touched
}
