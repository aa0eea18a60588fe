// Issue 15: the write deadline judges a response by the bytes its client
// takes, not by how full our send buffer is. A reader above
// min_write_rate is never cut, one below it is, and one that stops reading
// is cut after write_timeout; a cut is a reset, never a clean end.
#include "slow_reader.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "fixture.hpp"

using namespace twinstar;
using namespace twinstar::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Larger than the server's send buffer (up to 4 MB) by far: the server is
// still writing when each reader is done.
constexpr std::size_t large_file_bytes = 16u << 20;

std::unique_ptr<running_server> start_large_file_server(const std::string& tag) {
  return start_one_host_server(tag, {{"large.bin", std::string(large_file_bytes, 'x')}},
                               [](server_config& c) {
                                 c.hosts[0].gopher = true;
                                 c.write_timeout = 1s;
                                 c.min_write_rate = 8192;
                                 c.access_log = (c.cert_dir.parent_path() / "access.log").string();
                               });
}

// Many files with long names: a directory whose generated listing (Gemini)
// and menu (Gopher) are answers of several MB built in memory, not files.
constexpr int listed_files = 16'000;
constexpr std::size_t listed_name_bytes = 240;
constexpr std::size_t least_listing_bytes = 6u << 20;

void make_listed_directory(const fs::path& dir) {
  fs::create_directories(dir);
  int made = 0;
  for (int i = 0; i < listed_files; ++i) {
    std::string name = std::to_string(i);
    name = std::string(listed_name_bytes - name.size() - 4, 'n') + name + ".txt";
    const int fd = ::open((dir / name).c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) continue;
    ++made;
    ::close(fd);
  }
  REQUIRE(made == listed_files);
}

std::unique_ptr<running_server> start_large_listing_server(const std::string& tag) {
  auto srv = start_one_host_server(tag, {{"index.gmi", "# Home\n"}}, [](server_config& c) {
    c.hosts[0].gopher = true;
    c.hosts[0].max_listing_entries = listed_files;
    c.write_timeout = 1s;
    c.min_write_rate = 8192;
    c.access_log = (c.cert_dir.parent_path() / "access.log").string();
    make_listed_directory(c.hosts[0].root / "many");
  });
  return srv;
}

struct row {
  std::string name;
  bool gemini;
  int receive_buffer;
  std::size_t burst, per_second;  // see read_paced
  milliseconds run_for;
  bool cut;                        // expected
  milliseconds at_least, at_most;  // when, if cut
};

// Runs every row at once, each on its own thread (the test takes as long as
// its longest row), then checks how each ended, from the client's side and
// in the server's access log.
void check_rows(running_server& srv, const std::vector<row>& rows, const std::string& gemini_request,
                const std::string& gopher_request) {
  std::vector<paced_result> results(rows.size());
  std::vector<std::string> names(rows.size());
  std::vector<std::thread> readers;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    readers.emplace_back([&, i] {
      const row& r = rows[i];
      slow_client client(r.gemini, r.gemini ? srv.gemini_port : srv.gopher_port,
                         r.gemini ? gemini_request : gopher_request, r.receive_buffer);
      names[i] = client.name();
      results[i] = read_paced(client.fd(), r.burst, r.per_second, r.run_for);
    });
  }
  for (auto& t : readers) t.join();
  // A cut the client cannot see (a FIN queued behind megabytes it has not
  // read) still shows in the server's log: when each response ended.
  const auto log = stop_and_read_log(srv);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const row& r = rows[i];
    const paced_result& got = results[i];
    CAPTURE(r.name);
    CAPTURE(got.bytes);
    CAPTURE(got.at.count());
    CHECK(got.cut == r.cut);
    if (r.cut) {
      CHECK(got.reset);  // never a clean end that looks complete
      CHECK(got.at >= r.at_least);
      CHECK(got.at <= r.at_most);
    } else {
      // It really read at its pace all along (not stuck in a full window).
      CHECK(got.bytes >= r.burst + r.per_second * 3);
    }
    const auto line =
        std::find_if(log.begin(), log.end(), [&](const logged& l) { return l.client == names[i]; });
    REQUIRE(line != log.end());
    CAPTURE(line->duration.count());
    // The server kept the response going as long as the reader was there.
    // (Give or take when the server took the request: its clock starts then.)
    if (r.cut)
      CHECK(line->duration < r.at_most + 500ms);
    else
      CHECK(line->duration >= r.run_for - 500ms);
  }
}

constexpr int small = small_receive_buffer, roomy = 64 * 1024;

}  // namespace

TEST_CASE("steady slow readers of large files are not cut at write_timeout / slower and stalled ones are") {
  auto srv = start_large_file_server("slow-readers");
  // write_timeout 1 s, min_write_rate 8 KB/s. Before the fix the 20 KB/s
  // readers were cut at about 1 s (the send buffer took megabytes at once,
  // then no write completed for a second), and no cut showed as a reset.
  const std::vector<row> rows = {
      {"Gemini, 20 KB/s", true, small, 0, 20'000, 3500ms, false, {}, {}},
      {"Gopher, 20 KB/s", false, small, 0, 20'000, 3500ms, false, {}, {}},
      // Taking bytes all the time, but slower than min_write_rate: cut once
      // more than write_timeout behind it (1 KB/s at ~1.1 s, 3 KB/s at ~1.6 s).
      {"Gemini, 3 KB/s", true, small, 0, 3'000, 6000ms, true, 1200ms, 4500ms},
      {"Gopher, 3 KB/s", false, small, 0, 3'000, 6000ms, true, 1200ms, 4500ms},
      {"Gemini, 1 KB/s", true, small, 0, 1'000, 6000ms, true, 900ms, 4500ms},
      {"Gopher, 1 KB/s", false, small, 0, 1'000, 6000ms, true, 900ms, 4500ms},
      // Far ahead of min_write_rate, then no byte for write_timeout: cut by
      // the lack of progress alone.
      {"Gemini, 1 MB at once, then nothing", true, roomy, 1u << 20, 0, 6000ms, true, 1200ms, 3000ms},
      {"Gopher, 1 MB at once, then nothing", false, roomy, 1u << 20, 0, 6000ms, true, 1200ms, 3000ms},
      {"Gemini, reads nothing", true, small, 0, 0, 6000ms, true, 900ms, 2500ms},
      {"Gopher, reads nothing", false, small, 0, 0, 6000ms, true, 900ms, 2500ms},
  };
  check_rows(*srv, rows, srv->base() + "/large.bin\r\n", "/large.bin\r\n");
}

// Issue 13: the write deadline also guards answers built in memory (a
// generated listing, a Gopher menu), which go out from the answer cache
// rather than from a file. A reader that stops (a zero window) and one that
// trickles below min_write_rate are cut on both protocols; removing the
// write deadline makes this test fail (the request deadline alone would
// close them, without a reset, only after request_timeout).
TEST_CASE("slow readers of a large generated listing are cut on both protocols / steady ones are not") {
  auto srv = start_large_listing_server("slow-listing");
  // The listing is far larger than what the kernel buffers on both sides
  // (each line names its file twice: the link and its label, the selector
  // and its display text).
  REQUIRE(2 * static_cast<std::size_t>(listed_files) * listed_name_bytes >= least_listing_bytes);
  const std::vector<row> rows = {
      {"Gemini listing, 20 KB/s", true, small, 0, 20'000, 3500ms, false, {}, {}},
      {"Gopher menu, 20 KB/s", false, small, 0, 20'000, 3500ms, false, {}, {}},
      {"Gemini listing, 1 KB/s", true, small, 0, 1'000, 6000ms, true, 900ms, 4500ms},
      {"Gopher menu, 1 KB/s", false, small, 0, 1'000, 6000ms, true, 900ms, 4500ms},
      {"Gemini listing, reads nothing", true, small, 0, 0, 6000ms, true, 900ms, 2500ms},
      {"Gopher menu, reads nothing", false, small, 0, 0, 6000ms, true, 900ms, 2500ms},
  };
  check_rows(*srv, rows, srv->base() + "/many/\r\n", "/many/\r\n");
}
