// sd_notify, the root refusal and the privilege drop of `twinstar serve`.
#include "service.hpp"

#include <grp.h>
#include <pwd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace twinstar::cli::service {
namespace {

namespace fs = std::filesystem;

std::string errno_text(const char* call) { return std::string(call) + ": " + std::strerror(errno); }

// Every directory from the topmost missing ancestor of `path` down to it.
void add_missing(const fs::path& path, std::vector<fs::path>& out) {
  std::error_code ec;
  std::vector<fs::path> chain;
  for (fs::path p = path; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    chain.push_back(p);
    if (p == p.parent_path()) break;
  }
  out.insert(out.end(), chain.rbegin(), chain.rend());
}

}  // namespace

void notify_ready() { sd_notify(0, "READY=1\nSTATUS=serving"); }

void notify_stopping() { sd_notify(0, "STOPPING=1"); }

reload_notice::reload_notice() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const unsigned long long usec = static_cast<unsigned long long>(now.tv_sec) * 1'000'000ULL +
                                  static_cast<unsigned long long>(now.tv_nsec) / 1000;
  sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", usec);
}

reload_notice::~reload_notice() { sd_notify(0, "READY=1\nSTATUS=serving"); }

fs::path default_cert_dir() {
  if (const char* state = std::getenv("STATE_DIRECTORY"); state != nullptr && *state != '\0') {
    std::string first(state);
    first = first.substr(0, first.find(':'));
    if (!first.empty()) return fs::path(first) / "certs";
  }
  std::error_code ec;
  fs::path here = fs::current_path(ec);
  return ec ? fs::path("certs") : here / "certs";
}

result<void, std::string> refuse_root(const server_config& config, bool allow_root_flag) {
  if (::geteuid() != 0 || !config.user.empty() || config.allow_root || allow_root_flag) return {};
  return fail(
      "refusing to serve as root: set [server] user (privileges are dropped once the listeners are "
      "bound), or allow_root = true in [server] (or --allow-root) to serve as root");
}

result<privilege_drop, std::string> privilege_drop::plan(const server_config& config) {
  privilege_drop drop;
  if (config.user.empty() || ::geteuid() != 0) return drop;
  const passwd* user = ::getpwnam(config.user.c_str());
  if (user == nullptr) {
    return fail("user '" + config.user + "': no such account");
  }
  drop.user_ = config.user;
  drop.uid_ = user->pw_uid;
  drop.gid_ = user->pw_gid;
  if (!config.group.empty()) {
    const group* named = ::getgrnam(config.group.c_str());
    if (named == nullptr) {
      return fail("group '" + config.group + "': no such account");
    }
    drop.gid_ = named->gr_gid;
  }
  drop.active_ = true;
  std::error_code ec;
  for (const host_config& host : config.hosts) {
    if (fs::exists(host.cert, ec) || fs::exists(host.key, ec)) continue;  // not generated here
    add_missing(host.key.parent_path(), drop.created_);
    add_missing(host.cert.parent_path(), drop.created_);
    drop.created_.push_back(host.key);
    drop.created_.push_back(host.cert);
  }
  return drop;
}

result<void, std::string> privilege_drop::apply(const server_config& config,
                                                void (*warn)(const std::string&)) const {
  if (!active_) return {};
  std::error_code ec;
  for (const fs::path& path : created_) {
    // Two hosts may share a directory; what failed to appear is no concern here.
    if (fs::exists(path, ec) && ::lchown(path.c_str(), uid_, gid_) != 0)
      return fail("cannot hand " + path.string() + " to " + user_ + ": " + std::strerror(errno));
  }
  // Supplementary groups first: once setgid/setuid have run they can no
  // longer be changed, and root's would be kept.
  if (::initgroups(user_.c_str(), gid_) != 0) return fail(errno_text("initgroups"));
  if (::setgid(gid_) != 0) return fail(errno_text("setgid"));
  if (::setuid(uid_) != 0) return fail(errno_text("setuid"));
  if (::setuid(0) == 0 || ::getuid() != uid_ || ::geteuid() != uid_ || ::getgid() != gid_ ||
      ::getegid() != gid_)
    return fail("privileges were not dropped to " + user_ + " (root could be regained)");

  // What serving and reloading need, checked as the user now.
  if (auto problems = check_on_disk(config, ""); !problems.empty())
    return fail("as user " + user_ + ": " + problems.front().message);
  for (const host_config& host : config.hosts) {
    for (const fs::path& file : {host.cert, host.key}) {
      if (::access(file.c_str(), R_OK) != 0 && warn)
        warn("warning: user " + user_ + " cannot read " + file.string() + " (" + std::strerror(errno) +
             "): a reload (SIGHUP) will fail until it can");
    }
  }
  return {};
}

}  // namespace twinstar::cli::service
