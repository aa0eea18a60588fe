// Issue 15: a file that changes while it is being sent. The server sends
// exactly the size it found at open; a file that comes up short ends
// without close_notify (Gemini) or with a reset (Gopher), so the client
// can tell the answer is incomplete instead of taking it for the file.
#include <doctest/doctest.h>

#include <filesystem>

#include "fixture.hpp"
#include "slow_reader.hpp"

using namespace twinstar;
using namespace twinstar::test;

TEST_CASE("a file truncated while sent ends as incomplete / one that grows is sent at its size at open") {
  // Far more than the server's send buffer and the client's window: the
  // server is still reading the file when it changes.
  constexpr std::size_t size = 16u << 20;
  const std::string original = binary_blob(size);
  auto srv = start_one_host_server("changing", {{"changing.bin", original}});
  const auto file = srv->dir / "root" / "changing.bin";
  struct row {
    std::string name;
    bool gemini;
    bool shrink;  // truncated to nothing, else 1 MB appended
  };
  const row rows[] = {
      {"Gemini, truncated", true, true},
      {"Gopher, truncated", false, true},
      {"Gemini, grows", true, false},
      {"Gopher, grows", false, false},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    write_file(file, original);
    slow_client client(r.gemini, r.gemini ? srv->gemini_port : srv->gopher_port,
                       r.gemini ? srv->base() + "/changing.bin\r\n" : "/changing.bin\r\n", 64 * 1024);
    REQUIRE(client.response_begun());  // the server has opened the file and is sending it
    if (r.shrink)
      std::filesystem::resize_file(file, 0);
    else
      std::ofstream(file, std::ios::binary | std::ios::app) << std::string(1u << 20, 'z');
    const ending got = client.read_to_end();
    REQUIRE(got.ended);
    std::string body = got.data;
    if (r.gemini) {
      REQUIRE(body.starts_with("20 application/octet-stream\r\n"));
      body.erase(0, body.find('\n') + 1);
    }
    CAPTURE(body.size());
    if (r.shrink) {
      CHECK_FALSE(got.complete);  // no close_notify / a reset: the client knows it is cut
      CHECK(body.size() < size);
    } else {
      CHECK(got.complete);
      CHECK(body.size() == size);  // not a byte of what was appended
    }
    CHECK(body == original.substr(0, body.size()));
  }
  CHECK(srv->settles_at(0));
}
