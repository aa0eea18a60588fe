// The configuration checks that need the disk (see config.hpp check_on_disk).
#include <dirent.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "twinstar/config.hpp"

namespace twinstar {

std::vector<config_error> check_on_disk(const server_config& config, std::string_view file_name) {
  namespace fs = std::filesystem;
  std::vector<config_error> errors;
  for (const auto& host : config.hosts) {
    auto fail = [&](const std::string& why) {
      std::string message = "host '" + host.name + "': root " + host.root.string() + ": " + why;
      if (host.root.filename().string().starts_with("~") || host.root.string().find("/~") != std::string::npos)
        message += " (a '~' is not expanded: write the full path)";
      errors.push_back({std::string(file_name), host.root_at.line, host.root_at.column, std::move(message)});
    };
    std::error_code ec;
    const auto st = fs::status(host.root, ec);
    if (!fs::exists(st)) {
      fail(ec && ec != std::errc::no_such_file_or_directory ? ec.message() : "does not exist");
      continue;
    }
    if (!fs::is_directory(st)) {
      fail("is not a directory");
      continue;
    }
    // Listing it is what serving needs; opendir says whether we may.
    if (DIR* dir = ::opendir(host.root.c_str())) {
      ::closedir(dir);
    } else {
      fail(std::strerror(errno));
      continue;
    }
    for (const auto& feed : host.feeds) {
      const auto where = host.root / fs::path(feed.path.substr(1, feed.path.size() - 2));  // "/a/b/" -> a/b
      std::string why;
      if (!fs::is_directory(where, ec)) {
        why = fs::exists(where, ec) ? "is not a directory" : "does not exist";
      } else if (DIR* dir = ::opendir(where.c_str())) {
        ::closedir(dir);
      } else {
        why = std::strerror(errno);
      }
      if (!why.empty())
        errors.push_back({std::string(file_name), feed.at.line, feed.at.column,
                          "host '" + host.name + "': feed directory " + where.string() + ": " + why});
    }
  }
  return errors;
}

}  // namespace twinstar
