// `twinstar mirror`: poll the [[mirror]] feeds of the config, once (for
// cron) or on their intervals until SIGINT/SIGTERM.
#include "twinstar/import/mirror.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "twinstar/config.hpp"

namespace twinstar::cli {
namespace {

struct mirror_flags {
  std::string config_file = "twinstar.toml";
  bool once = false;
};

int run_mirror(const mirror_flags& f) {
  auto loaded = load_config(f.config_file);
  if (!loaded) {
    for (const auto& e : loaded.error()) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  const std::vector<mirror_config>& feeds = loaded->mirrors;
  if (feeds.empty()) {
    std::fprintf(stderr, "%s: no [[mirror]] entries, nothing to do\n", f.config_file.c_str());
    return 0;
  }
  if (f.once) {
    int failures = 0;
    for (const mirror_config& feed : feeds) {
      const news::poll_result result = news::poll_feed(feed);
      const bool failed = result.kind == news::poll_result::outcome::failed;
      std::fprintf(failed ? stderr : stdout, "%s\n", result.to_string(feed.url).c_str());
      failures += failed ? 1 : 0;
    }
    return failures > 0 ? 1 : 0;
  }
  // Signals go to this thread's sigwait, never to the runner's thread
  // (which inherits the blocked mask).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  news::mirror_runner runner(feeds, [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  });
  runner.start();
  std::printf("mirroring %zu feed(s); SIGINT or SIGTERM stops\n", feeds.size());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  runner.stop();
  std::printf("signal %d: stopped\n", sig);
  return 0;
}

}  // namespace

runner add_mirror(CLI::App& app) {
  auto f = std::make_shared<mirror_flags>();
  app.add_option("-c,--config", f->config_file, "TOML config file with [[mirror]] tables")
      ->capture_default_str();
  app.add_flag("--once", f->once, "Poll every feed once and exit (non-zero if any failed): for cron");
  return [f] { return run_mirror(*f); };
}

}  // namespace twinstar::cli
