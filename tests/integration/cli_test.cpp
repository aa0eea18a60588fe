// The twinstar command line as a new user meets it: help, version, a
// mistyped command, the defaults that --help shows.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <sstream>

#include "fixture.hpp"
#include "process.hpp"
#include "twinstar/config.hpp"

using namespace twinstar::test;

namespace {

run_result run(std::vector<std::string> args) {
  args.insert(args.begin(), TWINSTAR_BINARY);
  return run_to_end(std::move(args));
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
  for (const char* command : {"serve", "get", "check", "bench", "import", "mirror", "put"}) {
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
       "unknown command 'frobnicate'; the commands are serve, get, check, bench, import, mirror, put, help"},
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
      {"serve", "--gopher-port", "=" + std::to_string(twinstar::host_config{}.gopher_port)},
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

namespace {

// Every stdout line of a serve run until it has printed its listeners, then
// stopped by SIGTERM (exit 0 checked).
std::vector<std::string> listener_lines(child_process& proc) {
  std::vector<std::string> lines;
  while (auto line = proc.read_line()) {
    if (has(*line, "listening on ")) lines.push_back(*line);
    if (has(*line, "listening on gemini://")) break;  // the other listeners' lines are read below
  }
  proc.signal(SIGTERM);
  CHECK(proc.wait() == 0);
  std::istringstream rest(proc.pending_stdout());
  for (std::string line; std::getline(rest, line);)
    if (has(line, "listening on ")) lines.push_back(line);
  return lines;
}

// [server] and a second host each with a Gopher listener; the first host
// advertises `gopher_port`.
std::filesystem::path two_gopher_hosts(const std::filesystem::path& dir, int gopher_port) {
  write_file(dir / "root" / "index.gmi", "# Home\n\n=> page.gmi A page\n");
  write_file(dir / "root" / "page.gmi", "# A page\n");
  write_file(dir / "other" / "index.gmi", "# Other\n");
  const auto file = dir / "twinstar.toml";
  write_file(file,
             "[server]\nlisten = [\"127.0.0.1:0\"]\ngopher_listen = [\"127.0.0.1:0\"]\naccess_log = \"off\"\n"
             "cert_dir = \"certs\"\n"
             "[[host]]\nname = \"localhost\"\nroot = \"root\"\ngopher_port = " +
                 std::to_string(gopher_port) +
                 "\n"
                 "[[host]]\nname = \"other.test\"\nroot = \"other\"\ngopher_listen = [\"127.0.0.1:0\"]\n");
  return file;
}

std::size_t count_of(const std::vector<std::string>& lines, const std::string& needle) {
  return static_cast<std::size_t>(
      std::count_if(lines.begin(), lines.end(), [&](const std::string& l) { return has(l, needle); }));
}

}  // namespace

// 'off' used to empty [server] gopher_listen only: a host's own Gopher
// listener stayed up.
TEST_CASE("serve --gopher-listen off turns off every Gopher listener, the hosts' own included") {
  auto dir = fresh_temp_dir("gopher-off");
  const auto file = two_gopher_hosts(dir, 0).string();
  {
    child_process proc({TWINSTAR_BINARY, "serve", "--config", file, "--allow-root"});
    auto lines = listener_lines(proc);
    CAPTURE(proc.stderr_text());
    CHECK(count_of(lines, "listening on gopher://") == 2);  // the config as written
  }
  {
    child_process proc(
        {TWINSTAR_BINARY, "serve", "--config", file, "--allow-root", "--gopher-listen", "off"});
    auto lines = listener_lines(proc);
    CAPTURE(proc.stderr_text());
    CHECK(count_of(lines, "listening on gemini://") == 1);
    CHECK(count_of(lines, "listening on gopher://") == 0);
  }
  {
    child_process proc({TWINSTAR_BINARY, "serve", "--config", file, "--allow-root", "--gopher-listen", "off",
                        "--gopher-listen", "127.0.0.1:0"});
    CHECK(proc.wait() == 1);
    CHECK(has(proc.stderr_text(), "--gopher-listen: 'off' turns every Gopher listener off"));
  }
  std::filesystem::remove_all(dir);
}

// The config said gopher_port = 7070 for its own listener; menus kept
// pointing there when --gopher-listen moved the listener elsewhere.
TEST_CASE("serve: Gopher menus advertise the --gopher-listen port, or --gopher-port") {
  auto dir = fresh_temp_dir("gopher-port");
  const auto file = two_gopher_hosts(dir, 7070).string();
  struct row {
    std::vector<std::string> flags;
    std::string advertised;  // "" = the port listened on
  };
  const row rows[] = {
      {{"--gopher-listen", "127.0.0.1:0"}, ""},
      {{"--gopher-listen", "127.0.0.1:0", "--gopher-port", "7777"}, "7777"},
      {{"--gopher-port", "7171"}, "7171"},
  };
  for (const auto& r : rows) {
    std::vector<std::string> args{TWINSTAR_BINARY, "serve", "--config", file, "--allow-root"};
    args.insert(args.end(), r.flags.begin(), r.flags.end());
    CAPTURE(args.back());
    child_process proc(args);
    auto line = proc.read_line();
    while (line && !(has(*line, "listening on gopher://") && has(*line, "host localhost)")))
      line = proc.read_line();
    REQUIRE(line);
    const auto port = port_of(*line);
    const std::string advertised = r.advertised.empty() ? std::to_string(port) : r.advertised;
    twinstar::client::options o;
    auto menu = twinstar::client::send_gopher("127.0.0.1", port, "/\r\n", o);
    REQUIRE(menu.ok());
    CAPTURE(menu->body);
    CHECK(has(menu->body, "0A page\t/page.gmi\tlocalhost\t" + advertised + "\r\n"));
    CHECK_FALSE(has(menu->body, "\t7070\r\n"));
    proc.signal(SIGTERM);
    CHECK(proc.wait() == 0);
  }
  std::filesystem::remove_all(dir);
}
