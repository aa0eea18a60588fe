// `twinstar get` as a user runs it: redirects, input prompts, trust on first
// use, exit codes. Against the real server and the small test server.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include "broken_server.hpp"
#include "fixture.hpp"
#include "process.hpp"

using namespace twinstar;
using namespace twinstar::test;

namespace {

run_result get(std::vector<std::string> args) {
  args.insert(args.begin(), {TWINSTAR_BINARY, "get"});
  return run_to_end(std::move(args));
}

// A pseudo-terminal: the test types at `master`, the child runs on `slave`.
class pseudo_terminal {
 public:
  pseudo_terminal() {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0)
      throw std::runtime_error("openpt");
    slave_ = ::ptsname(master_);
  }
  pseudo_terminal(const pseudo_terminal&) = delete;
  ~pseudo_terminal() { ::close(master_); }

  const std::string& slave() const { return slave_; }
  // Whether the terminal echoes typing (Linux reports the slave's settings).
  bool echoes() const {
    termios settings{};
    return ::tcgetattr(master_, &settings) == 0 && (settings.c_lflag & ECHO) != 0;
  }
  void type(const std::string& keys) {
    REQUIRE(::write(master_, keys.data(), keys.size()) == ssize_t(keys.size()));
  }

  // Reads what the terminal shows until it shows `needle` (true), or 20 s
  // pass or the child's side is closed (false).
  bool shows(const std::string& needle) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (screen_.find(needle) == std::string::npos)
      if (!read_some(until)) return false;
    return true;
  }
  // Reads the rest, until the child's side is closed (bounded: 20 s).
  const std::string& screen() {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (read_some(until)) {
    }
    return screen_;
  }

 private:
  bool read_some(std::chrono::steady_clock::time_point until) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    pollfd p{master_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[256];
    const ssize_t n = ::read(master_, buf, sizeof buf);
    if (n <= 0) return false;  // EIO: no process has the slave open any more
    screen_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int master_ = -1;
  std::string slave_;
  std::string screen_;
};

}  // namespace

TEST_CASE("get: body on stdout / -v header on stderr / non-2x exits 1") {
  auto srv = start_test_server("get-basic");
  std::string connect = "127.0.0.1:" + std::to_string(srv->gemini_port);
  auto ok = get({"--insecure", "--connect", connect, "-v", "gemini://localhost/page.gmi"});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "# A page\nText.\n");
  CHECK(ok.err.find("20 text/gemini; charset=utf-8; lang=en\r\n") != std::string::npos);
  CHECK(ok.err.find("SHA256:") != std::string::npos);
  auto missing = get({"--insecure", "--connect", connect, "gemini://localhost/nope.gmi"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.empty());
  CHECK(missing.err.find("51") != std::string::npos);
  auto refused = get({"--insecure", "--connect", "127.0.0.1:1", "gemini://localhost/"});
  CHECK(refused.exit_code == 3);
}

TEST_CASE("get: -L follows redirects / without it the redirect is reported") {
  auto srv = start_test_server("get-redirect");
  std::string connect = "127.0.0.1:" + std::to_string(srv->gemini_port);
  auto plain = get({"--insecure", "--connect", connect, "gemini://localhost/old.gmi"});
  CHECK(plain.exit_code == 1);
  CHECK(plain.err.find("31 gemini://localhost/page.gmi") != std::string::npos);  // absolute
  auto follow = get({"--insecure", "--connect", connect, "-L", "gemini://localhost/listed"});
  CHECK(follow.exit_code == 0);
  CHECK(follow.out.find("# Index of /listed/") != std::string::npos);
  broken_server loops(flaw::none);
  std::string loop_connect = "127.0.0.1:" + std::to_string(loops.port());
  auto loop = get({"--insecure", "--connect", loop_connect, "-L",
                   "gemini://localhost:" + std::to_string(loops.port()) + "/loop-a"});
  CHECK(loop.exit_code == 5);
  CHECK(loop.err.find("redirect loop") != std::string::npos);
}

TEST_CASE("get: --input answers a 10 prompt") {
  broken_server srv(flaw::none);
  std::string url = "gemini://localhost:" + std::to_string(srv.port()) + "/ask";
  auto asked = get({"--insecure", url});
  CHECK(asked.exit_code == 1);
  CHECK(asked.err.find("10 Your name?") != std::string::npos);
  auto answered = get({"--insecure", "--input", "Ada Lovelace", url});
  CHECK(answered.exit_code == 0);
  CHECK(answered.out == "# Hello Ada%20Lovelace\n");
}

TEST_CASE("get: trust on first use pins the fingerprint and refuses a change") {
  auto srv = start_test_server("get-tofu");
  auto dir = fresh_temp_dir("get-known-hosts");
  auto known = (dir / "known_hosts").string();
  std::string port = std::to_string(srv->gemini_port);
  std::string url = "gemini://localhost:" + port + "/page.gmi";
  std::vector<std::string> args = {"--known-hosts", known, "--connect", "127.0.0.1:" + port, url};
  auto first = get(args);
  CHECK(first.exit_code == 0);
  auto pinned = read_file(known);
  CHECK(pinned.find("localhost:" + port + " SHA256:") != std::string::npos);
  CHECK(get(args).exit_code == 0);  // same certificate: fine
  // Another certificate for the same host:port, as after a key change.
  write_file(known, "localhost:" + port + " SHA256:" + std::string(64, '0') + "\n");
  auto changed = get(args);
  CHECK(changed.exit_code == 4);
  CHECK(changed.err.find("CHANGED") != std::string::npos);
  CHECK(changed.out.empty());
  std::filesystem::remove_all(dir);
}

TEST_CASE("get: gopher:// URLs") {
  auto srv = start_test_server("get-gopher");
  auto r =
      get({"--connect", "127.0.0.1:" + std::to_string(srv->gopher_port), "gopher://localhost/0/page.gmi"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "A page\r\n======\r\nText.\r\n.\r\n");
}

// -v used to be spelled -v,--include: the header went to stderr either way,
// so there was no way to get it with the body, as curl -i does.
TEST_CASE("get: -i/--include puts the header before the body on stdout / -v/--verbose on stderr") {
  auto srv = start_test_server("get-include");
  const std::string connect = "127.0.0.1:" + std::to_string(srv->gemini_port);
  const std::string header = "20 text/gemini; charset=utf-8; lang=en\r\n";
  for (const char* flag : {"-i", "--include"}) {
    CAPTURE(flag);
    auto r = get({"--insecure", "--connect", connect, flag, "gemini://localhost/page.gmi"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == header + "# A page\nText.\n");
    CHECK(r.err.find("SHA256:") == std::string::npos);
  }
  for (const char* flag : {"-v", "--verbose"}) {
    CAPTURE(flag);
    auto r = get({"--insecure", "--connect", connect, flag, "gemini://localhost/page.gmi"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "# A page\nText.\n");
    CHECK(r.err.find(header) != std::string::npos);
    CHECK(r.err.find("SHA256:") != std::string::npos);
  }
  // The final header only, after redirects; a non-2x header too.
  auto followed = get({"--insecure", "--connect", connect, "-i", "-L", "gemini://localhost/old.gmi"});
  CHECK(followed.exit_code == 0);
  CHECK(followed.out == header + "# A page\nText.\n");
  auto missing = get({"--insecure", "--connect", connect, "-i", "gemini://localhost/nope.gmi"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.rfind("51 ", 0) == 0);
  // With -o the header goes to the file with the body.
  auto dir = fresh_temp_dir("get-include-file");
  auto to_file = get({"--insecure", "--connect", connect, "-i", "-o", (dir / "out").string(),
                      "gemini://localhost/page.gmi"});
  CHECK(to_file.exit_code == 0);
  CHECK(to_file.out.empty());
  CHECK(read_file(dir / "out") == header + "# A page\nText.\n");
  std::filesystem::remove_all(dir);
}

// A missing selector answered with an error item used to exit 0, the error
// menu on stdout as if it were the document.
TEST_CASE("get: a Gopher error item exits 1 with its text on stderr") {
  auto srv = start_test_server("get-gopher-error");
  const std::string connect = "127.0.0.1:" + std::to_string(srv->gopher_port);
  for (const char* url : {"gopher://localhost/0/nope.gmi", "gopher://localhost/1/nope/"}) {
    CAPTURE(url);
    auto r = get({"--connect", connect, url});
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err.find("twinstar get: gopher error: Not found: /nope") != std::string::npos);
  }
  auto menu = get({"--connect", connect, "gopher://localhost/1/"});
  CHECK(menu.exit_code == 0);
  CHECK(menu.out.find("Test capsule") != std::string::npos);
}

// A 10 or 11 prompt used to end the fetch (exit 1) even with a user at the
// terminal to answer it.
TEST_CASE("get: a 10/11 prompt is asked at the terminal, 11 without echo / without one it exits 1") {
  broken_server srv(flaw::none);
  const std::string base = "gemini://localhost:" + std::to_string(srv.port());
  struct row {
    std::string path, prompt, answer, body;
    bool echoed;
  };
  const row rows[] = {
      {"/ask", "Your name? ", "Ada Lovelace", "# Hello Ada%20Lovelace\n", true},
      {"/secret", "Password? ", "hunter2 ok", "# Secret hunter2%20ok\n", false},
  };
  for (const auto& r : rows) {
    CAPTURE(r.path);
    pseudo_terminal tty;
    child_process proc({TWINSTAR_BINARY, "get", "--insecure", base + r.path},
                       child_process::on_terminal{tty.slave()});
    REQUIRE(tty.shows(r.prompt));
    tty.type(r.answer + "\n");
    CHECK(proc.wait() == 0);
    CHECK(proc.pending_stdout() == r.body);
    const std::string screen = tty.screen();
    CAPTURE(screen);
    CHECK((screen.find(r.prompt + r.answer) != std::string::npos) == r.echoed);
    CHECK((screen.find(r.answer) != std::string::npos) == r.echoed);
    CHECK(tty.echoes());  // restored after an 11
  }
  {  // Ctrl-C at a hidden prompt: the process ends as interrupted, echo back on.
    pseudo_terminal tty;
    child_process proc({TWINSTAR_BINARY, "get", "--insecure", base + "/secret"},
                       child_process::on_terminal{tty.slave()});
    REQUIRE(tty.shows("Password? "));
    CHECK_FALSE(tty.echoes());
    proc.signal(SIGINT);
    CHECK(proc.wait() == 128 + SIGINT);
    CHECK(tty.echoes());
  }
  // Without a terminal (stdin is /dev/null here) the prompt is reported.
  auto asked = get({"--insecure", base + "/secret"});
  CHECK(asked.exit_code == 1);
  CHECK(asked.err.find("11 Password?") != std::string::npos);
  CHECK(asked.err.find("--input") != std::string::npos);
}
