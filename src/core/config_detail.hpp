#pragma once
// Private to the config module: where each checked value sits in the TOML
// text, so the cross-field checks in validate() can point at a line:column
// when parse_config runs them, and at 0:0 for configs built in code.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "twinstar/config.hpp"

namespace twinstar::detail {

struct source_pos {
  int line = 0;  // 0 = no position
  int column = 0;
};

struct host_positions {
  source_pos table;                 // the [[host]] header
  std::optional<source_pos> name;   // set when the key exists, even if invalid
  std::optional<source_pos> root;   // likewise
  std::vector<source_pos> aliases;  // parallel to host_config::aliases
};

struct config_positions {
  source_pos listen;                     // `listen` value, else [server], else none
  bool listen_reported = false;          // `listen` was present but invalid
  source_pos hosts;                      // `host` value when present
  bool hosts_reported = false;           // `host` was present but invalid
  std::vector<host_positions> hosts_at;  // parallel to server_config::hosts
};

inline constexpr unsigned max_workers = 1024;
inline constexpr double max_timeout_seconds = 86'400;
inline constexpr std::int64_t max_mirror_interval = 7 * 86'400;  // seconds
inline constexpr std::int64_t max_mirror_items = 10'000;

// The cross-field checks behind validate(); `at` may be null (no positions).
std::vector<config_error> validate_at(const server_config& config, std::string_view file_name,
                                      const config_positions* at);

// Name or alias: a DNS name or IP literal, lower-cased by the caller. Names
// become certificate file names, so '/' and the like never pass.
bool is_valid_host_name(std::string_view name);

}  // namespace twinstar::detail
