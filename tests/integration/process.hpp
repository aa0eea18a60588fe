#pragma once
// Run the built twinstar binary as a child process, reading its output line
// by line (with a bound on the wait), so tests wait for the "listening" line
// instead of sleeping.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace twinstar::test {

class child_process {
 public:
  // stdin is /dev/null: a child never waits on the terminal the tests run in.
  explicit child_process(std::vector<std::string> args)
      : child_process(std::move(args), "/dev/null", false) {}

  // With `terminal` (a pseudo-terminal's slave, e.g. ptsname()) as stdin and
  // as the controlling terminal of a new session, so /dev/tty is that terminal.
  struct on_terminal {
    std::string slave;
  };
  child_process(std::vector<std::string> args, const on_terminal& terminal)
      : child_process(std::move(args), terminal.slave, true) {}

  ~child_process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
    ::close(err_);
  }

  // Next stdout line, or nullopt on EOF / when `limit` passes.
  std::optional<std::string> read_line(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buf[4096];
      ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      buffer_.append(buf, n);
    }
  }

  // Wait for a line containing `needle`; returns it.
  std::optional<std::string> wait_for(const std::string& needle) {
    while (auto line = read_line())
      if (line->find(needle) != std::string::npos) return line;
    return std::nullopt;
  }

  void signal(int sig) { ::kill(pid_, sig); }

  // Exit code (or 128 + signal), waiting at most `limit`; -1 if still running.
  // With `drain` false, stdout is left unread (a reader that has stalled).
  int wait(std::chrono::milliseconds limit = std::chrono::seconds(20), bool drain = true) {
    auto until = std::chrono::steady_clock::now() + limit;
    // Drain output meanwhile so a full pipe can't block the child.
    for (;;) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (std::chrono::steady_clock::now() > until) return -1;
      pollfd p[2] = {{drain ? out_ : -1, POLLIN, 0}, {err_, POLLIN, 0}};
      ::poll(p, 2, 50);
      char buf[4096];
      if (p[0].revents & POLLIN) {
        ssize_t n = ::read(out_, buf, sizeof buf);
        if (n > 0) buffer_.append(buf, n);
      }
      if (p[1].revents & POLLIN) {
        ssize_t n = ::read(err_, buf, sizeof buf);
        if (n > 0) errors_.append(buf, n);
      }
    }
  }

  // Waits (at most `limit`) until stderr holds `needle`, draining both pipes.
  bool wait_for_stderr(const std::string& needle,
                       std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (errors_.find(needle) == std::string::npos && std::chrono::steady_clock::now() < until)
      if (wait(std::chrono::milliseconds(50)) != -1) break;  // exited
    return errors_.find(needle) != std::string::npos;
  }

  pid_t pid() const { return pid_; }
  // The read end of the child's stdout (e.g. to shrink the pipe).
  int stdout_fd() const { return out_; }
  const std::string& stderr_text() const { return errors_; }
  const std::string& pending_stdout() const { return buffer_; }

 private:
  child_process(std::vector<std::string> args, const std::string& stdin_path, bool new_session) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    // A session leader without a terminal that opens one acquires it (Linux).
    posix_spawn_file_actions_addopen(&fa, 0, stdin_path.c_str(), O_RDWR, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    if (new_session) posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], &fa, &attr, argv.data(), environ) != 0) throw std::runtime_error("spawn");
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }

  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  bool exited_ = false;
  std::string buffer_, errors_;
};

struct run_result {
  int exit_code;  // as child_process::wait() gives it
  std::string out, err;
};

// Runs `args` (the program first) until it exits (20 s at most), output kept.
inline run_result run_to_end(std::vector<std::string> args) {
  child_process p(std::move(args));
  const int code = p.wait();
  return {code, p.pending_stdout(), p.stderr_text()};
}

// A one-host config file (host "localhost", root `dir`/root, certificates in
// `dir`/certs) with `server_keys` in its [server] table; returns its path.
inline std::filesystem::path write_one_host_config(const std::filesystem::path& dir,
                                                   const std::string& server_keys) {
  const auto file = dir / "twinstar.toml";
  std::ofstream(file, std::ios::binary) << "[server]\n"
                                        << server_keys << "cert_dir = \"certs\"\n"
                                        << "[[host]]\nname = \"localhost\"\nroot = \"root\"\n";
  return file;
}

// Output of a shell command (for real clients such as curl, lynx, tmux).
inline std::string run_command(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

inline bool has_tool(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

// Whether every tool a test needs is here. A missing one skips the test
// visibly on a developer's machine and fails it under CI=true, where
// scripts/test.sh has installed them: a test never passes unrun in CI.
inline bool tools_present(std::initializer_list<const char*> names) {
  std::string missing;
  for (const char* name : names)
    if (!has_tool(name)) missing += std::string(missing.empty() ? "" : ", ") + name;
  if (missing.empty()) return true;
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string(ci) == "true") {
    FAIL_CHECK("not installed under CI=true: " << missing << " (scripts/test.sh installs it)");
  } else {
    MESSAGE("SKIPPED: not installed: " << missing << " (scripts/test.sh installs it)");
  }
  return false;
}

// "listening on gemini://127.0.0.1:34567/ ..." -> 34567
inline std::uint16_t port_of(const std::string& line) {
  auto slash = line.find("/ ");
  auto colon = line.rfind(':', slash);
  return static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1, slash - colon - 1)));
}

}  // namespace twinstar::test
