// Placeholder until the bench subcommand lands (being written now).
#include <cstdio>

#include "commands.hpp"

namespace twinstar::cli {
runner add_bench(CLI::App&) {
  return [] {
    std::fprintf(stderr, "twinstar bench: not built yet\n");
    return 2;
  };
}
}  // namespace twinstar::cli
