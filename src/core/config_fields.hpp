#pragma once
// Private to the config module: typed reads of toml++ values. A value of the
// wrong type or out of range is recorded as an error at its line:column and
// read as absent, so the caller keeps going and every problem is reported.
#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config_detail.hpp"
#include "twinstar/config.hpp"

namespace twinstar::detail {

source_pos pos_of(const toml::source_region& region);

// A URL path named by a rule ([[host.feed]], [[host.cgi]], [[host.scgi]]):
// "/news/", "/app", "/": starts with '/', no empty, "." or ".." segment and
// no dotfile segment (never served), no control characters or backslashes;
// `directory`: it must end with '/'.
bool is_valid_rule_path(std::string_view path, bool directory);
std::string quoted(std::string_view key);  // 'key'

struct string_item {
  std::string text;
  source_pos at;
};

class field_reader {
 public:
  field_reader(std::string_view file, const std::filesystem::path& base_dir) : file_(file), base_(base_dir) {}

  std::vector<config_error>& errors() { return errors_; }
  void error(source_pos at, std::string message);
  void error(const toml::node& node, std::string message);

  // Reports each key of `table` not in `known` as "unknown key 'k' in <where>"
  // ("at the top level" when `where` is empty).
  void check_keys(const toml::table& table, std::initializer_list<std::string_view> known,
                  std::string_view where);

  // Calls `f` for each table of an array of tables; anything else is an error
  // that suggests the [[header]] spelling.
  template <class F>
  void for_each_table(const toml::node& node, std::string_view key, std::string_view header, F f) {
    const std::string message =
        quoted(key) + " must be an array of tables (write [[" + std::string(header) + "]])";
    const toml::array* array = node.as_array();
    if (array == nullptr) return error(node, message);
    for (const toml::node& element : *array) {
      if (const toml::table* table = element.as_table()) {
        f(*table);
      } else {
        error(element, message);
      }
    }
  }

  std::optional<std::string> read_string(const toml::table& table, std::string_view key);
  std::optional<bool> read_bool(const toml::table& table, std::string_view key);
  // An integer within [low, high].
  std::optional<std::int64_t> read_integer(const toml::table& table, std::string_view key, std::int64_t low,
                                           std::int64_t high);
  // A number of seconds, fractions allowed, in (0, max_timeout_seconds].
  std::optional<std::chrono::milliseconds> read_seconds(const toml::table& table, std::string_view key);
  // All or nothing: one element that is not a string drops the whole array.
  std::optional<std::vector<string_item>> read_strings(const toml::table& table, std::string_view key);
  // A non-empty string, resolved against base_dir when relative.
  std::optional<std::filesystem::path> read_path(const toml::table& table, std::string_view key);
  std::filesystem::path resolve(const std::filesystem::path& path) const;

 private:
  std::string file_;
  std::filesystem::path base_;
  std::vector<config_error> errors_;
};

}  // namespace twinstar::detail
