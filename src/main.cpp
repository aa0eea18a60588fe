// twinstar: one gemtext capsule over Gemini and Gopher, plus the client harness.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <map>
#include <numeric>
#include <string_view>
#include <vector>

#include "cli/commands.hpp"

namespace {

// Edits (insert, delete, substitute) that turn `a` into `b`.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "unknown command 'serv'; did you mean 'serve'?" on stderr; exit status 2.
int unknown_command(std::string_view typed, const std::vector<std::string>& commands) {
  // Two edits catch a dropped, doubled or swapped letter without guessing
  // wildly between short names such as "get" and "bench".
  constexpr std::size_t max_edits = 2;
  const std::string* best = nullptr;
  std::size_t best_distance = SIZE_MAX;
  for (const auto& name : commands) {
    const std::size_t d = edit_distance(typed, name);
    const bool close = d <= max_edits || (!typed.empty() && name.starts_with(typed));
    if (close && d < best_distance) {
      best = &name;
      best_distance = d;
    }
  }
  std::string names;
  for (const auto& name : commands) names += (names.empty() ? "" : ", ") + name;
  if (best)
    std::fprintf(stderr, "twinstar: unknown command '%.*s'; did you mean '%s'?\n",
                 static_cast<int>(typed.size()), typed.data(), best->c_str());
  else
    std::fprintf(stderr, "twinstar: unknown command '%.*s'; the commands are %s\n",
                 static_cast<int>(typed.size()), typed.data(), names.c_str());
  std::fprintf(stderr, "Run 'twinstar help' for what each does.\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // A client that resets a connection mid-write must never kill the server.
  std::signal(SIGPIPE, SIG_IGN);

  // Named, not taken from argv[0]: usage lines read "twinstar serve" however it was started.
  CLI::App app{"twinstar: serve one gemtext capsule over Gemini and Gopher, and test any such server",
               "twinstar"};
  app.require_subcommand(1);
  app.set_version_flag("-V,--version", "twinstar " TWINSTAR_VERSION);
  app.footer("'twinstar help COMMAND' or 'twinstar COMMAND --help' describes a command's flags.");
  std::map<CLI::App*, twinstar::cli::runner> runners;
  std::vector<std::string> commands;
  using namespace twinstar::cli;
  auto add = [&](const char* name, const char* what, runner (*adder)(CLI::App&)) {
    CLI::App* sub = app.add_subcommand(name, what);
    runners[sub] = adder(*sub);
    commands.emplace_back(name);
  };
  add("serve", "Serve capsules over Gemini (TLS) and Gopher", add_serve);
  add("get", "Fetch a gemini:// or gopher:// URL", add_get);
  add("check", "Check a Gemini (and Gopher) server against the specifications", add_check);
  add("bench", "Load-test a Gemini or Gopher server", add_bench);
  add("import", "Import text, Markdown, HTML or RSS/Atom files as gemtext articles", add_import);
  add("mirror", "Poll the [[mirror]] feeds of the config and import new items", add_mirror);
  add("put", "Upload a file to a titan:// URL (Titan)", add_put);
  CLI::App* help = app.add_subcommand("help", "List the commands, or describe one: help [COMMAND]");
  std::string topic;
  help->add_option("command", topic, "The command to describe");
  commands.emplace_back("help");
  // app.help() would describe the parsed subcommand, "help" itself.
  auto describe = [&](CLI::App& which, const std::string& prefix) {
    return which.get_formatter()->make_help(&which, prefix + which.get_name(), CLI::AppFormatMode::Normal);
  };
  runners[help] = [&]() {
    if (topic.empty()) {
      std::fputs(describe(app, "").c_str(), stdout);
      return 0;
    }
    for (auto& [sub, run] : runners)
      if (sub->get_name() == topic) {
        std::fputs(describe(*sub, app.get_name() + " ").c_str(), stdout);
        return 0;
      }
    return unknown_command(topic, commands);
  };

  // CLI11 would call a mistyped command an unexpected argument.
  if (argc > 1 && argv[1][0] != '-' && std::find(commands.begin(), commands.end(), argv[1]) == commands.end())
    return unknown_command(argv[1], commands);
  if (argc == 1) {
    std::fputs(describe(app, "").c_str(), stderr);
    return 2;
  }
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
