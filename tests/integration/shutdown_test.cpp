// Issue 15: stopping. Connections without a request are closed at once;
// responses in flight get shutdown_grace to finish; those still going when
// it ends are cut, and each gets its access-log line.
#include <doctest/doctest.h>

#include <vector>

#include "fixture.hpp"
#include "slow_reader.hpp"

using namespace twinstar;
using namespace twinstar::test;
using namespace std::chrono_literals;

namespace {

// Far more than the send buffer and window: a response stays in flight.
constexpr std::size_t large_file_bytes = 16u << 20;

std::unique_ptr<running_server> start_stopping_server(const std::string& tag, milliseconds grace) {
  return start_one_host_server(tag, {{"large.bin", std::string(large_file_bytes, 'x')}},
                               [grace](server_config& c) {
                                 c.shutdown_grace = grace;
                                 c.access_log = (c.cert_dir.parent_path() / "access.log").string();
                               });
}

// The bytes logged for /large.bin over `protocol`; -1: no line.
long long logged_bytes(const std::vector<logged>& lines, const std::string& protocol) {
  for (const auto& l : lines)
    if (l.protocol == protocol && l.path == "/large.bin") return l.bytes;
  return -1;
}

}  // namespace

TEST_CASE("stop: idle connections are closed at once while responses in flight finish") {
  auto srv = start_stopping_server("stop-idle", 10s);  // far longer than the test
  struct idle_row {
    const char* name;
    bool gemini;
    std::string sent;  // Gemini: after the handshake
  };
  const idle_row idle_rows[] = {
      {"Gemini, handshake done, no request", true, ""},
      {"Gemini, half a request", true, "gemini://localhost/lar"},
      {"Gopher, half a selector", false, "/lar"},
  };
  std::vector<std::unique_ptr<slow_client>> idle;
  for (const auto& r : idle_rows)
    idle.push_back(
        std::make_unique<slow_client>(r.gemini, r.gemini ? srv->gemini_port : srv->gopher_port, r.sent));
  asio::io_context io;
  asio::ip::tcp::socket silent(io);  // Gemini, not even a ClientHello
  silent.connect({asio::ip::make_address("127.0.0.1"), srv->gemini_port});
  slow_client gemini(true, srv->gemini_port, srv->base() + "/large.bin\r\n", 64 * 1024);
  slow_client gopher(false, srv->gopher_port, "/large.bin\r\n", 64 * 1024);
  REQUIRE(gemini.response_begun());
  REQUIRE(gopher.response_begun());
  REQUIRE(srv->settles_at(6));  // all accepted: none is refused by a closing listener

  const auto stopped = steady::now();
  srv->srv->stop();  // stop_and_read_log stops it again: that one does nothing
  for (std::size_t i = 0; i <= std::size(idle_rows); ++i) {
    CAPTURE(i < std::size(idle_rows) ? idle_rows[i].name : "Gemini, TCP only");
    const int fd = i < std::size(idle_rows) ? idle[i]->fd() : silent.native_handle();
    const paced_result r = read_paced(fd, 0, 0, 3000ms);
    CHECK(r.cut);
    CHECK(steady::now() - stopped < 1500ms);  // not at the end of shutdown_grace
  }
  // The responses in flight are not cut: read at full speed, they end as
  // complete answers.
  const ending g = gemini.read_to_end();
  CHECK(g.complete);
  CHECK(g.data.size() == std::string_view("20 application/octet-stream\r\n").size() + large_file_bytes);
  const ending o = gopher.read_to_end();
  CHECK(o.complete);
  CHECK(o.data.size() == large_file_bytes);

  const auto lines = stop_and_read_log(*srv);
  CHECK(steady::now() - stopped < 5s);  // run() returned once they were done
  CHECK(logged_bytes(lines, "gemini") > static_cast<long long>(large_file_bytes));
  CHECK(logged_bytes(lines, "gopher") == static_cast<long long>(large_file_bytes));
}

TEST_CASE("stop: responses still in flight when shutdown_grace ends are cut and logged") {
  auto srv = start_stopping_server("stop-cut", 500ms);
  // Readers that took the first bytes and then nothing: write_timeout (10 s)
  // would not end them during the test; only the end of the grace does.
  slow_client gemini(true, srv->gemini_port, srv->base() + "/large.bin\r\n");
  slow_client gopher(false, srv->gopher_port, "/large.bin\r\n");
  REQUIRE(gemini.response_begun());
  REQUIRE(gopher.response_begun());

  const auto stopped = steady::now();
  const auto lines = stop_and_read_log(*srv);
  CHECK(steady::now() - stopped < 3s);
  // Each session ended on its own and wrote its line, with what it had sent.
  const long long gemini_bytes = logged_bytes(lines, "gemini");
  const long long gopher_bytes = logged_bytes(lines, "gopher");
  CHECK(gemini_bytes > 0);
  CHECK(gemini_bytes < static_cast<long long>(large_file_bytes));
  CHECK(gopher_bytes > 0);
  CHECK(gopher_bytes < static_cast<long long>(large_file_bytes));
  // And the clients were cut, not handed an end that looks complete.
  CHECK_FALSE(gemini.read_to_end().complete);
  CHECK_FALSE(gopher.read_to_end().complete);
}
