#pragma once
// Running `twinstar serve` as a system service: the systemd readiness
// protocol, the refusal to serve as root, and the privilege drop after the
// listeners are bound.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "twinstar/config.hpp"
#include "twinstar/result.hpp"

namespace twinstar::cli::service {

// sd_notify(3) messages to the service manager; each is a no-op when
// NOTIFY_SOCKET is unset (not started by systemd with Type=notify).
void notify_ready();     // READY=1: every listener is bound, serving
void notify_stopping();  // STOPPING=1: draining after SIGINT/SIGTERM

// RELOADING=1 (with MONOTONIC_USEC) while it lives, READY=1 once it goes:
// brackets one SIGHUP reload, whatever its outcome.
class reload_notice {
 public:
  reload_notice();
  ~reload_notice();
  reload_notice(const reload_notice&) = delete;
  reload_notice& operator=(const reload_notice&) = delete;
};

// Where certificates are generated when neither a config file nor
// --cert-dir says: $STATE_DIRECTORY/certs when systemd sets StateDirectory=
// (the first entry of that list), else certs/ in the current directory.
// Always absolute, so the "generated" line says where the files went.
std::filesystem::path default_cert_dir();

// Why `serve` must not start: running as root (euid 0) with no [server]
// user and neither allow_root nor --allow-root: fails with the reason.
result<void, std::string> refuse_root(const server_config& config, bool allow_root_flag);

// The switch to [server] user/group when started as root. Made before the
// certificates are prepared, so it knows which files start-up creates:
// those (generated pairs and the directories made for them) are handed to
// the user at apply(), so that a reload after the drop can read and replace
// them. Without a user, or when not root, apply() does nothing.
class privilege_drop {
 public:
  // Errors: an unknown user or group (the config check reports those
  // first, with their position).
  static result<privilege_drop, std::string> plan(const server_config& config);

  // After server::create: chown what start-up created, then setgroups
  // (initgroups), setgid, setuid, in that order, and prove the drop with a
  // setuid(0) that must fail. Then checks, as the user, that every host's
  // root can still be listed (an error) and that each certificate and key
  // can be read for a reload (a warning through `warn`).
  // Fails with the error that must stop start-up.
  result<void, std::string> apply(const server_config& config, void (*warn)(const std::string&)) const;

  bool active() const { return active_; }

 private:
  bool active_ = false;
  std::string user_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  std::vector<std::filesystem::path> created_;  // paths that did not exist at plan()
};

}  // namespace twinstar::cli::service
