// [[host.cgi]] and [[host.scgi]]: URL paths answered by programs (cgi.hpp).
#include "config_cgi.hpp"

#include <algorithm>
#include <system_error>

namespace twinstar::detail {
namespace {

namespace fs = std::filesystem;

config_location location_of(const toml::node& node) {
  const auto at = pos_of(node.source());
  return {at.line, at.column};
}

// The path of a rule, checked against the host's other dynamic paths; "" when
// invalid (already reported).
std::string read_rule_path(field_reader& reader, const toml::table& table, const host_config& host,
                           bool directory, std::string_view header) {
  auto path = reader.read_string(table, "path");
  if (!path) {
    if (!table.contains("path")) reader.error(table, std::string(header) + " needs 'path'");
    return {};
  }
  if (!is_valid_rule_path(*path, directory)) {
    reader.error(*table.get("path"),
                 directory
                     ? "CGI 'path' must be a directory path like \"/cgi-bin/\" (leading and trailing '/', "
                       "no empty, '.' or dot-file segments)"
                     : "SCGI 'path' must be a path like \"/app\" or \"/app/\" (leading '/', no empty, '.' "
                       "or dot-file segments)");
    return {};
  }
  const auto same_cgi = [&](const cgi_rule& r) { return r.path == *path; };
  const auto same_scgi = [&](const scgi_rule& r) { return r.path == *path; };
  if (std::any_of(host.cgi.begin(), host.cgi.end(), same_cgi) ||
      std::any_of(host.scgi.begin(), host.scgi.end(), same_scgi)) {
    reader.error(*table.get("path"),
                 "dynamic path '" + *path + "' is used twice ([[host.cgi]] or [[host.scgi]])");
    return {};
  }
  return *path;
}

}  // namespace

void read_cgi(field_reader& reader, const toml::table& table, host_config& host) {
  reader.check_keys(table, {"path", "dir", "timeout"}, "[[host.cgi]]");
  cgi_rule rule;
  rule.path = read_rule_path(reader, table, host, true, "[[host.cgi]]");
  if (!rule.path.empty()) rule.at = location_of(*table.get("path"));
  if (auto dir = reader.read_path(table, "dir")) {
    rule.dir = *dir;
    rule.dir_at = location_of(*table.get("dir"));
  } else if (!rule.path.empty() && !host.root.empty()) {
    rule.dir = host.root / fs::path(rule.path.substr(1));
  }
  if (auto timeout = reader.read_seconds(table, "timeout")) rule.timeout = *timeout;
  if (!rule.path.empty()) host.cgi.push_back(std::move(rule));
}

void read_scgi(field_reader& reader, const toml::table& table, host_config& host) {
  reader.check_keys(table, {"path", "socket", "timeout"}, "[[host.scgi]]");
  scgi_rule rule;
  rule.path = read_rule_path(reader, table, host, false, "[[host.scgi]]");
  if (!rule.path.empty()) rule.at = location_of(*table.get("path"));
  if (auto socket = reader.read_path(table, "socket")) {
    rule.socket = *socket;
  } else if (!table.contains("socket")) {
    reader.error(table, "[[host.scgi]] needs 'socket' (the application's unix socket)");
    return;
  }
  if (auto timeout = reader.read_seconds(table, "timeout")) rule.timeout = *timeout;
  if (!rule.path.empty() && !rule.socket.empty()) host.scgi.push_back(std::move(rule));
}

void check_cgi_on_disk(const host_config& host, std::string_view file_name,
                       std::vector<config_error>& errors) {
  for (const auto& rule : host.cgi) {
    const config_location at = rule.dir_at.line != 0 ? rule.dir_at : rule.at;
    auto fail = [&](const std::string& why) {
      errors.push_back({std::string(file_name), at.line, at.column,
                        "host '" + host.name + "': CGI directory " + rule.dir.string() + ": " + why});
    };
    std::error_code ec;
    if (!fs::is_directory(rule.dir, ec)) {
      fail(fs::exists(rule.dir, ec) ? "is not a directory" : "does not exist");
      continue;
    }
    const fs::path dir = fs::weakly_canonical(rule.dir, ec);
    const fs::path root = fs::weakly_canonical(host.root, ec);
    if (ec || root.empty()) continue;
    const fs::path inside = dir.lexically_relative(root);
    if (inside.empty() || *inside.begin() == "..") continue;  // outside the root: never served as files
    const fs::path expected = fs::weakly_canonical(host.root / fs::path(rule.path.substr(1)), ec);
    if (expected != dir)
      fail("is inside the root but not at '" + rule.path + "', so its scripts would be served as files at /" +
           inside.generic_string() + "/");
  }
}

}  // namespace twinstar::detail
