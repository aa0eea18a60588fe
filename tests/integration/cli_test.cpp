// The twinstar command line as a new user meets it: help, version, a
// mistyped command, the defaults that --help shows.
#include <doctest/doctest.h>

#include "process.hpp"

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
