// The configuration checks that need the disk and the account database
// (see config.hpp check_on_disk).
#include <dirent.h>
#include <grp.h>
#include <pwd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "config_cgi.hpp"
#include "twinstar/config.hpp"

namespace twinstar {
namespace {

// Whether the account database knows `name`: "" when it does, else why not.
// ENOENT and friends from an NSS module mean "no such entry" too.
template <class Entry, class Lookup>
std::string find_account(const std::string& name, Lookup lookup) {
  Entry entry{};
  Entry* found = nullptr;
  std::vector<char> buffer(16384);
  int rc = 0;
  // A group with many members may not fit: ERANGE asks for a larger buffer.
  while ((rc = lookup(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE &&
         buffer.size() < (std::size_t{1} << 24))
    buffer.resize(buffer.size() * 2);
  if (found != nullptr) return {};
  if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM) return "no such account";
  return std::strerror(rc);
}

void check_accounts(const server_config& config, std::string_view file_name,
                    std::vector<config_error>& errors) {
  auto check = [&](const std::string& name, config_location at, const char* kind, std::string why) {
    if (!why.empty())
      errors.push_back(
          {std::string(file_name), at.line, at.column, std::string(kind) + " '" + name + "': " + why});
  };
  if (!config.user.empty())
    check(config.user, config.user_at, "user", find_account<passwd>(config.user, getpwnam_r));
  if (!config.group.empty())
    check(config.group, config.group_at, "group", find_account<group>(config.group, getgrnam_r));
}

}  // namespace

std::vector<config_error> check_on_disk(const server_config& config, std::string_view file_name) {
  namespace fs = std::filesystem;
  std::vector<config_error> errors;
  for (const auto& host : config.hosts) {
    auto fail = [&](const std::string& why) {
      std::string message = "host '" + host.name + "': root " + host.root.string() + ": " + why;
      if (host.root.filename().string().starts_with("~") ||
          host.root.string().find("/~") != std::string::npos)
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
    detail::check_cgi_on_disk(host, file_name, errors);
  }
  check_accounts(config, file_name, errors);
  return errors;
}

}  // namespace twinstar
