// Listen addresses, error formatting, cross-field validation and file
// loading. The TOML walk itself lives in config_toml.cpp.
#include "twinstar/config.hpp"

#include <arpa/inet.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <system_error>

#include "config_detail.hpp"

namespace twinstar {
namespace {

bool is_ipv4_literal(std::string_view host) {
  std::string text(host);  // inet_pton needs a terminated string
  in_addr out{};
  return inet_pton(AF_INET, text.c_str(), &out) == 1;
}

bool is_ipv6_literal(std::string_view host) {
  std::string text(host);
  in6_addr out{};
  return inet_pton(AF_INET6, text.c_str(), &out) == 1;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

config_error error_at(std::string_view file, detail::source_pos at, std::string message) {
  return {std::string(file), at.line, at.column, std::move(message)};
}

std::string describe_host(const host_config& host, std::size_t index) {
  if (!host.name.empty()) return "host '" + host.name + "'";
  return "[[host]] #" + std::to_string(index + 1);
}

void check_duplicate_names(const server_config& config, std::string_view file,
                           const detail::config_positions* at, std::vector<config_error>& errors) {
  std::map<std::string, std::size_t, std::less<>> owner;  // name or alias -> host index
  auto claim = [&](const std::string& name, std::size_t host, detail::source_pos pos) {
    if (name.empty()) return;
    auto [it, inserted] = owner.try_emplace(name, host);
    // A name repeated inside one host is harmless; across hosts the choice
    // of certificate and root would be ambiguous.
    if (!inserted && it->second != host) {
      errors.push_back(error_at(file, pos,
                                "'" + name + "' is already a name or alias of " +
                                    describe_host(config.hosts[it->second], it->second)));
    }
  };
  for (std::size_t i = 0; i < config.hosts.size(); ++i) {
    const host_config& host = config.hosts[i];
    const detail::host_positions* hat = at ? &at->hosts_at[i] : nullptr;
    claim(host.name, i, hat && hat->name ? *hat->name : detail::source_pos{});
    for (std::size_t a = 0; a < host.aliases.size(); ++a) {
      claim(host.aliases[a], i, hat && a < hat->aliases.size() ? hat->aliases[a] : detail::source_pos{});
    }
  }
}

}  // namespace

std::string listen_address::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<listen_address> parse_listen_address(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (!is_ipv6_literal(host)) return std::nullopt;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    // An unbracketed IPv6 address is ambiguous ("::1:1965"), so it is refused.
    if (host.find(':') != std::string_view::npos || !is_ipv4_literal(host)) return std::nullopt;
  }
  auto number = parse_port(port);
  if (!number) return std::nullopt;
  return listen_address{std::string(host), *number};
}

std::string config_error::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace detail {

bool is_valid_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.') return false;
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::vector<config_error> validate_at(const server_config& config, std::string_view file,
                                      const config_positions* at) {
  std::vector<config_error> errors;
  if (config.hosts.empty() && !(at && at->hosts_reported)) {
    errors.push_back(
        error_at(file, at ? at->hosts : source_pos{}, "no [[host]] defined; at least one is required"));
  }
  if (config.listen.empty() && !(at && at->listen_reported)) {
    errors.push_back(
        error_at(file, at ? at->listen : source_pos{}, "no Gemini listener: 'listen' in [server] is empty"));
  }
  // parse_config stores only valid numbers, so these fire for code-built configs.
  if (config.workers < 1) errors.push_back(error_at(file, {}, "'workers' must be at least 1"));
  if (config.request_timeout.count() <= 0) {
    errors.push_back(error_at(file, {}, "'request_timeout' must be greater than 0"));
  }
  if (config.shutdown_grace.count() <= 0) {
    errors.push_back(error_at(file, {}, "'shutdown_grace' must be greater than 0"));
  }
  for (std::size_t i = 0; i < config.hosts.size(); ++i) {
    const host_config& host = config.hosts[i];
    const host_positions* hat = at ? &at->hosts_at[i] : nullptr;
    source_pos table = hat ? hat->table : source_pos{};
    if (host.name.empty() && !(hat && hat->name)) {
      errors.push_back(error_at(file, table, describe_host(host, i) + " has no 'name'"));
    }
    if (host.root.empty() && !(hat && hat->root)) {
      errors.push_back(error_at(file, table, describe_host(host, i) + " has no 'root'"));
    }
  }
  check_duplicate_names(config, file, at, errors);
  return errors;
}

}  // namespace detail

std::vector<config_error> validate(const server_config& config, std::string_view file_name) {
  return detail::validate_at(config, file_name, nullptr);
}

config_result load_config(const std::filesystem::path& file) {
  const std::string name = file.string();
  auto fail_with = [&](std::string message) -> config_result {
    return fail(std::vector<config_error>{{name, 0, 0, std::move(message)}});
  };
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) return fail_with("cannot read: is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail_with(std::string("cannot read: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail_with(std::string("cannot read: ") + std::strerror(errno));
  std::filesystem::path base = file.parent_path();
  if (base.empty()) base = ".";
  auto parsed = parse_config(text.str(), name, base);
  if (parsed) parsed.value().source = name;
  return parsed;
}

config_error error_in(const server_config& config, config_location at, std::string message) {
  return {config.source.empty() ? "command line" : config.source, at.line, at.column, std::move(message)};
}

}  // namespace twinstar
