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

namespace twinstar {

struct endpoint_info {
  std::string protocol;  // "gemini" or "gopher"
  std::string address;   // bound address, no brackets
  std::uint16_t port = 0;
  std::string host;  // Gopher: the host this listener serves
  std::string url() const;  // "gemini://127.0.0.1:1965/", "gopher://[::1]:7070/"
};

// Points where tests (and diagnostics) can watch the server's work. Each is
// called on the thread doing that work, which waits for it to return.
struct server_hooks {
  // Before a generated directory listing is built (on a builder thread).
  std::function<void(const std::filesystem::path& directory)> before_listing_build;
};

class server {
 public:
  // Binds every listener (certificates must exist: see tls::prepare_certificates).
  // On failure returns nullptr and sets `error`.
  static std::unique_ptr<server> create(std::shared_ptr<const server_config> config, std::string& error,
                                        server_hooks hooks = {});
  ~server();

  const std::vector<endpoint_info>& endpoints() const;

  // Swap in a new configuration (certificates must exist) for new
  // connections; open ones finish with the old one. Listeners stay as they
  // are. On failure nothing changes and `error` says why.
  bool reload(std::shared_ptr<const server_config> config, std::string& error);

  // Connections currently counted against the caps.
  std::size_t open_connections() const;

  // Serves until stop(); runs config.workers threads (the caller's included).
  void run();
  // Thread- and signal-safe to call from another thread: stop accepting, let
  // in-flight responses finish for at most shutdown_grace, then return from run().
  void stop();

  struct impl;

 private:
  explicit server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace twinstar
