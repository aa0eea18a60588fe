// The access log never blocks serving: a destination that stops taking
// lines (here a FIFO nobody reads) leaves requests answered at full speed.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "fixture.hpp"

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
