// Placeholder until the check subcommand lands (being written now).
#include <cstdio>

#include "commands.hpp"

namespace twinstar::cli {
runner add_check(CLI::App&) {
  return [] {
    std::fprintf(stderr, "twinstar check: not built yet\n");
    return 2;
  };
}
}  // namespace twinstar::cli
