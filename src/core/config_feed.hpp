#pragma once
// Private to the config module: the [[host.feed]] tables.
#include <toml++/toml.h>

#include <string_view>

#include "config_fields.hpp"
#include "twinstar/config.hpp"

namespace twinstar::detail {

inline constexpr std::int64_t max_feed_latest = 100;
inline constexpr std::int64_t max_feed_summary_chars = 4096;

// "/news/", "/": starts and ends with '/', no empty, "." or ".." segment and
// no dotfile segment (never served), no control characters or backslashes.
bool is_valid_feed_path(std::string_view path);

// Reads one [[host.feed]] table (path, title, author, latest, summary_chars)
// into host.feeds; every problem goes to `reader` at its line:column and a
// feed with an invalid path or title is dropped.
void read_feed(field_reader& reader, const toml::table& table, host_config& host);

}  // namespace twinstar::detail
