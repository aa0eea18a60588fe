// `twinstar serve` polls the config's [[mirror]] feeds: once at start, then on
// their intervals. A SIGHUP that leaves them as they were is no re-poll; one
// that changes them starts over; --no-mirror turns polling off.
#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>

#include "../integration/process.hpp"
#include "http_fixture.hpp"
#include "support.hpp"

using namespace twinstar;
using namespace std::chrono_literals;

namespace {

struct mirrored_server {
  test::temp_dir tmp;
  std::filesystem::path dir = tmp.path();
  std::atomic<int> polls{0};
  test::http_fixture feed{[this](const test::http_request&) {
    ++polls;
    return test::http_reply{503, "try later", {}};
  }};
  std::string url = "http://127.0.0.1:" + std::to_string(feed.port()) + "/feed.xml";

  void configure(const std::string& mirror_extra) {
    test::write_file(dir / "twinstar.toml",
                     "[server]\nlisten = [\"127.0.0.1:0\"]\ngopher_listen = []\naccess_log = \"off\"\n"
                     "cert_dir = \"certs\"\n[[host]]\nname = \"localhost\"\nroot = \"root\"\n"
                     "[[mirror]]\nurl = \"" +
                         url + "\"\ninto = \"root/news\"\ninterval = 3600\n" + mirror_extra);
  }
  mirrored_server() {
    std::filesystem::create_directories(dir / "root" / "news");
    configure("");
  }
};

}  // namespace

TEST_CASE("serve: [[mirror]] feeds are polled at start / a SIGHUP without changes is no re-poll") {
  mirrored_server m;
  test::child_process proc(
      {TWINSTAR_BINARY, "serve", "--config", (m.dir / "twinstar.toml").string(), "--allow-root"});
  REQUIRE(proc.wait_for("listening on gemini://"));
  REQUIRE(proc.wait_for(m.url));  // the first poll's line
  CHECK(m.polls == 1);

  proc.signal(SIGHUP);
  REQUIRE(proc.wait_for("reloaded configuration"));
  proc.signal(SIGHUP);
  REQUIRE(proc.wait_for("reloaded configuration"));
  CHECK(m.polls == 1);  // before: every SIGHUP polled every feed again

  m.configure("max_items = 5\n");  // a changed feed starts over
  proc.signal(SIGHUP);
  REQUIRE(proc.wait_for(m.url));
  CHECK(m.polls == 2);
  proc.signal(SIGTERM);
  CHECK(proc.wait() == 0);
}

TEST_CASE("serve: --no-mirror polls nothing") {
  mirrored_server m;
  test::child_process proc({TWINSTAR_BINARY, "serve", "--no-mirror", "--config",
                            (m.dir / "twinstar.toml").string(), "--allow-root"});
  REQUIRE(proc.wait_for("listening on gemini://"));
  proc.signal(SIGHUP);
  REQUIRE(proc.wait_for("reloaded configuration"));
  proc.signal(SIGTERM);
  CHECK(proc.wait() == 0);
  CHECK(m.polls == 0);
  CHECK(proc.pending_stdout().find(m.url) == std::string::npos);
}
