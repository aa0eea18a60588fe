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
  runners[app.add_subcommand("serve", "Serve capsules over Gemini (TLS) and Gopher")] = {};
  for (auto& [sub, run] : runners) run = twinstar::cli::add_serve(*sub);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (auto& [sub, run] : runners)
    if (sub->parsed()) return run();
  return 2;
}
