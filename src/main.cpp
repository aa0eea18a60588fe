// twinstar: one gemtext capsule over Gemini and Gopher, plus the client harness.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <map>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  // A client that resets a connection mid-write must never kill the server.
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"twinstar: serve one gemtext capsule over Gemini and Gopher, and test any such server"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "twinstar 0.1.0");
  std::map<CLI::App*, twinstar::cli::runner> runners;
  using namespace twinstar::cli;
  auto add = [&](const char* name, const char* what, runner (*adder)(CLI::App&)) {
    CLI::App* sub = app.add_subcommand(name, what);
    runners[sub] = adder(*sub);
  };
  add("serve", "Serve capsules over Gemini (TLS) and Gopher", add_serve);
  add("get", "Fetch a gemini:// or gopher:// URL", add_get);
  add("check", "Check a Gemini (and Gopher) server against the specifications", add_check);
  add("bench", "Load-test a Gemini or Gopher server", add_bench);
  add("import", "Import text, Markdown, HTML or RSS/Atom files as gemtext articles", add_import);
  add("mirror", "Poll the [[mirror]] feeds of the config and import new items", add_mirror);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every malformed command line exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  }
  for (auto& [sub, run] : runners)
    if (sub->parsed()) return run();
  return 2;
}
