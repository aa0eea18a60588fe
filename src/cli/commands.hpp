#pragma once
// Subcommands of the twinstar executable. Each registers its flags on the
// CLI11 app and returns a runner that gives the process exit code.
#include <CLI/CLI.hpp>
#include <functional>

namespace twinstar::cli {

using runner = std::function<int()>;

runner add_serve(CLI::App& app);
runner add_get(CLI::App& app);
runner add_check(CLI::App& app);
runner add_bench(CLI::App& app);
runner add_import(CLI::App& app);
runner add_mirror(CLI::App& app);
runner add_put(CLI::App& app);

}  // namespace twinstar::cli
