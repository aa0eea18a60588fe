#pragma once
// The network shell: Gemini (TLS) and Gopher (plain TCP) listeners, one
// coroutine per connection. Decisions are made by the pure core (router,
// capsule); this layer only moves bytes and enforces timeouts.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "twinstar/config.hpp"
#include "twinstar/protocol.hpp"
#include "twinstar/result.hpp"

namespace twinstar {

struct endpoint_info {
  twinstar::protocol protocol = twinstar::protocol::gemini;
  std::string address;  // bound address, no brackets
  std::uint16_t port = 0;
  std::string host;         // Gopher: the host this listener serves
  std::string url() const;  // "gemini://127.0.0.1:1965/", "gopher://[::1]:7070/"
};

// What start-up would refuse, checked without serving (--check-config):
// every listener can be bound (one in use is only noted through `note`: the
// running server holds its ports when a config is checked before a reload;
// EACCES says why) and the access log can be opened for appending. Each error
// at its key in the config.
std::vector<config_error> check_runtime(const server_config& config, void (*note)(const std::string&));

// Points where tests (and diagnostics) can watch the server's work. Each is
// called on the thread doing that work, which waits for it to return.
struct server_hooks {
  // Before a generated directory listing is built (on a builder thread).
  std::function<void(const std::filesystem::path& directory)> before_listing_build;
};

class server {
 public:
  // Binds every listener (certificates must exist: see tls::prepare_certificates).
  // Fails with the reason (a listener's at its place in the config).
  static result<std::unique_ptr<server>, std::string> create(std::shared_ptr<const server_config> config,
                                                             server_hooks hooks = {});
  ~server();

  const std::vector<endpoint_info>& endpoints() const;

  // Swap in a new configuration (certificates must exist) for new
  // connections; open ones finish with the old one. The access log is
  // reopened (at its new path, if it changed) and the connection caps
  // change at once. Listener addresses and the number of workers cannot
  // change while running: each such key that changed is named in
  // `restart_needed` (and logged), and the running ones stay. On failure
  // nothing changes and the error says why.
  result<void, std::string> reload(std::shared_ptr<const server_config> config,
                                   std::vector<std::string>* restart_needed = nullptr);

  // Reopens the access log at its configured path (log rotation: SIGUSR1).
  // Fails with the path and the reason; the old destination then stays.
  result<void, std::string> reopen_log();

  // Connections currently counted against the caps.
  std::size_t open_connections() const;
  // CGI programs and SCGI requests counted against [server] max_cgi now.
  std::size_t running_programs() const;

  // Serves until stop(); runs config.workers threads (the caller's included).
  void run();
  // Thread- and signal-safe to call from another thread: stop accepting,
  // close connections without a request at once, let in-flight responses
  // finish for at most shutdown_grace, cut (and log) those still going, then
  // return from run().
  void stop();

  struct impl;

 private:
  explicit server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace twinstar
