// Typed reads of toml++ values for the config parser; see config_fields.hpp.
#include "config_fields.hpp"

#include <algorithm>
#include <cmath>

namespace twinstar::detail {

source_pos pos_of(const toml::source_region& region) {
  return {static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::string quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

void field_reader::error(source_pos at, std::string message) {
  errors_.push_back({file_, at.line, at.column, std::move(message)});
}

void field_reader::error(const toml::node& node, std::string message) {
  error(pos_of(node.source()), std::move(message));
}

void field_reader::check_keys(const toml::table& table, std::initializer_list<std::string_view> known,
                              std::string_view where) {
  for (auto&& [key, value] : table) {
    if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
    error(pos_of(key.source()), "unknown key " + quoted(key.str()) +
                                    (where.empty() ? " at the top level" : " in " + std::string(where)));
  }
}

std::optional<std::string> field_reader::read_string(const toml::table& table, std::string_view key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* text = node->as_string()) return text->get();
  error(*node, quoted(key) + " must be a string");
  return std::nullopt;
}

std::optional<bool> field_reader::read_bool(const toml::table& table, std::string_view key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* flag = node->as_boolean()) return flag->get();
  error(*node, quoted(key) + " must be true or false");
  return std::nullopt;
}

std::optional<std::int64_t> field_reader::read_integer(const toml::table& table, std::string_view key,
                                                       std::int64_t low, std::int64_t high) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  const auto* number = node->as_integer();
  if (number == nullptr) {
    error(*node, quoted(key) + " must be an integer");
    return std::nullopt;
  }
  if (number->get() < low || number->get() > high) {
    error(*node, quoted(key) + " must be between " + std::to_string(low) + " and " + std::to_string(high));
    return std::nullopt;
  }
  return number->get();
}

std::optional<std::chrono::milliseconds> field_reader::read_seconds(const toml::table& table,
                                                                    std::string_view key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  if (!node->is_number()) {
    error(*node, quoted(key) + " must be a number of seconds");
    return std::nullopt;
  }
  const double seconds = node->value<double>().value_or(0.0);
  if (!(seconds > 0)) {  // also catches nan
    error(*node, quoted(key) + " must be greater than 0");
    return std::nullopt;
  }
  // The cap keeps the conversion to milliseconds far from overflow.
  if (seconds > max_timeout_seconds) {
    error(*node, quoted(key) + " must be at most " + std::to_string(static_cast<int>(max_timeout_seconds)) +
                     " seconds");
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
}

std::optional<std::vector<string_item>> field_reader::read_strings(const toml::table& table,
                                                                   std::string_view key) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::nullopt;
  const std::string message = quoted(key) + " must be an array of strings";
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    error(*node, message);
    return std::nullopt;
  }
  std::vector<string_item> items;
  bool ok = true;
  for (const toml::node& element : *array) {
    if (const auto* text = element.as_string()) {
      items.push_back({text->get(), pos_of(element.source())});
    } else {
      error(element, message);
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return items;
}

std::filesystem::path field_reader::resolve(const std::filesystem::path& path) const {
  return path.is_relative() ? (base_ / path).lexically_normal() : path;
}

std::optional<std::filesystem::path> field_reader::read_path(const toml::table& table, std::string_view key) {
  auto text = read_string(table, key);
  if (!text) return std::nullopt;
  if (text->empty()) {
    error(*table.get(key), quoted(key) + " must not be empty");
    return std::nullopt;
  }
  return resolve(*text);
}

bool is_valid_rule_path(std::string_view path, bool directory) {
  if (path.empty() || path.front() != '/') return false;
  if (directory && path.back() != '/') return false;
  const auto control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; };
  if (std::any_of(path.begin(), path.end(), control) || path.find('\\') != std::string_view::npos)
    return false;
  if (path == "/") return true;
  auto rest = path.substr(1);
  if (rest.ends_with('/')) rest.remove_suffix(1);
  while (true) {
    const auto slash = rest.find('/');
    const auto segment = rest.substr(0, slash);
    if (segment.empty() || segment.front() == '.') return false;
    if (slash == std::string_view::npos) return true;
    rest.remove_prefix(slash + 1);
  }
}

}  // namespace twinstar::detail
