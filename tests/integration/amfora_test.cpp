// A real Gemini client: Amfora (Debian package) in a tmux pane, reading the
// bundled capsule from a real twinstar server. Skipped, visibly, when amfora
// or tmux is not installed (scripts/test.sh installs both).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>  // sleep_for between polls of the pane (it has no event to wait on)

#include "fixture.hpp"
#include "process.hpp"

using namespace twinstar;

namespace {}  // namespace

TEST_CASE("amfora reads the bundled capsule: home / news index / article") {
  if (!test::tools_present({"amfora", "tmux"})) return;
  auto s = test::start_bundled_server("amfora");

  // A private HOME: amfora's config, bookmarks and TOFU store stay in the temp dir.
  std::string home = (s->dir / "home").string();
  std::filesystem::create_directories(home);
  std::string session = "twinstar-amfora-" + std::to_string(s->gemini_port);
  std::string url = "gemini://localhost:" + std::to_string(s->gemini_port) + "/";
  test::run_command("HOME=" + home + " tmux -L " + session + " new-session -d -s " + session +
                    " -x 120 -y 40 'amfora " + url + "' 2>&1");
  auto tmux = [&](const std::string& args) {
    return test::run_command("tmux -L " + session + " " + args + " 2>&1");
  };
  auto shows = [&](const std::string& needle) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      if (tmux("capture-pane -p -t " + session).find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  CHECK(shows("# twinstar news mirror"));
  tmux("send-keys -t " + session + " 1");  // link [1]: Latest news
  CHECK(shows("# News"));
  tmux("send-keys -t " + session + " 2");  // link [2]: the article ([1] is the Atom feed)
  CHECK(shows("# Putin and Xi Issue Joint Statement on WWII Legacy"));
  CHECK(shows("## Emphasis on Historic Responsibility"));
  tmux("kill-server");
}
