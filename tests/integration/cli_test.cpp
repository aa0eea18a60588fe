// The twinstar command line as a new user meets it: help, version, a
// mistyped command, the defaults that --help shows.
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>

#include "process.hpp"
#include "twinstar/config.hpp"

using namespace twinstar::test;

namespace {

struct run_result {
  int exit_code;
  std::string out, err;
};

run_result run(std::vector<std::string> args) {
  args.insert(args.begin(), TWINSTAR_BINARY);
  child_process p(args);
  int code = p.wait();
  return {code, p.pending_stdout(), p.stderr_text()};
}

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("-V and --version print the CMake project version") {
  for (const char* flag : {"-V", "--version"}) {
    CAPTURE(flag);
    auto r = run({flag});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "twinstar " TWINSTAR_VERSION "\n");
  }
}

TEST_CASE("help lists every command / help COMMAND describes its flags") {
  auto r = run({"help"});
  CHECK(r.exit_code == 0);
  for (const char* command : {"serve", "get", "check", "bench", "import", "mirror"}) {
    CAPTURE(command);
    CHECK(has(r.out, "\n  " + std::string(command) + " "));
  }
  auto serve = run({"help", "serve"});
  CHECK(serve.exit_code == 0);
  CHECK(has(serve.out, "--gopher-listen"));
  auto wrong = run({"help", "serv"});
  CHECK(wrong.exit_code == 2);
  CHECK(has(wrong.err, "unknown command 'serv'; did you mean 'serve'?"));
}

TEST_CASE("a mistyped command names the closest one and exits 2") {
  struct row {
    std::string typed, expect;
  };
  const row rows[] = {
      {"serv", "unknown command 'serv'; did you mean 'serve'?"},
      {"gte", "unknown command 'gte'; did you mean 'get'?"},
      {"benhc", "unknown command 'benhc'; did you mean 'bench'?"},
      {"mir", "unknown command 'mir'; did you mean 'mirror'?"},
      {"frobnicate",
       "unknown command 'frobnicate'; the commands are serve, get, check, bench, import, mirror, help"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.typed);
    auto out = run({r.typed, "--root", "/nonexistent"});
    CHECK(out.exit_code == 2);
    CHECK(has(out.err, r.expect));
    CHECK(out.out.empty());
  }
}

TEST_CASE("no command at all shows the commands and exits 2") {
  auto r = run({});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, "serve"));
  CHECK(has(r.err, "bench"));
}

namespace {

// The line of `help` that describes `flag` ("  --listen TEXT=... ...").
std::string option_line(const std::string& help, const std::string& flag) {
  for (std::size_t at = help.find(flag); at != std::string::npos; at = help.find(flag, at + 1)) {
    const auto start = help.rfind('\n', at) + 1;
    const auto before = help.substr(start, at - start);
    // The flag itself, not a mention in another flag's description.
    if (before.find_first_not_of(" -,abcdefghijklmnopqrstuvwxyzV") == std::string::npos)
      return help.substr(start, help.find('\n', at) - start);
  }
  return {};
}

}  // namespace

// A new user could not tell what serve listens on without flags: the
// defaults were in the README only.
TEST_CASE("--help shows the default of every flag that has one") {
  const twinstar::server_config config_defaults;
  const char* home = std::getenv("HOME");
  // Without a config file: $STATE_DIRECTORY/certs under systemd, else certs/ here.
  const char* state = std::getenv("STATE_DIRECTORY");
  const auto cert_dir = state && *state ? std::filesystem::path(state) / "certs"
                                        : std::filesystem::current_path() / config_defaults.cert_dir;
  const std::string timeout = std::to_string(config_defaults.request_timeout.count() / 1000);
  struct row {
    std::string command, flag, shown;
  };
  const row rows[] = {
      {"serve", "--config", "=twinstar.toml"},
      {"serve", "--hostname", "=localhost"},
      {"serve", "--listen", "=127.0.0.1:1965"},
      {"serve", "--gopher-listen", "=off"},
      {"serve", "--cert-dir", "=" + cert_dir.string()},
      {"serve", "--access-log", "=" + config_defaults.access_log},
      {"serve", "--workers", "=" + std::to_string(config_defaults.workers)},
      {"serve", "--request-timeout", "=" + timeout},
      {"serve", "--lang", "default: none"},
      {"serve", "--cert ", "default: CERT_DIR/HOSTNAME.crt"},
      {"get", "--timeout", "=10"},
      {"get", "--known-hosts", "=" + std::string(home ? home : ".") + "/.local/share/twinstar/known_hosts"},
      {"check", "--timeout", "=10"},
      {"bench", "--concurrency", "=16"},
      {"bench", "--duration", "=10"},
      {"bench", "--timeout", "=10"},
      {"mirror", "--config", "=twinstar.toml"},
  };
  std::map<std::string, std::string> help;
  for (const auto& r : rows) {
    CAPTURE(r.command);
    CAPTURE(r.flag);
    if (!help.count(r.command)) help[r.command] = run({r.command, "--help"}).out;
    const auto line = option_line(help[r.command], r.flag);
    CAPTURE(line);
    CHECK(has(line, r.shown));
  }
}
