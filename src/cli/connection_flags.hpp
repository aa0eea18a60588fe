#pragma once
// The connection options shared by `get`, `check` and `bench`:
// --connect HOST:PORT, --sni NAME, --insecure / --known-hosts FILE,
// --cert FILE --key FILE, --timeout SECONDS.
#include <CLI/CLI.hpp>
#include <string>

#include "twinstar/client.hpp"

namespace twinstar::cli {

struct connection_flags {
  std::string connect;  // HOST:PORT or [V6]:PORT
  std::string sni;
  bool sni_given = false;
  bool insecure = false;
  std::string known_hosts;  // TOFU file; default ~/.local/share/twinstar/known_hosts
  std::string cert, key;
  double timeout = 10;
  std::string preamble_file;  // its bytes go first on the connection (a PROXY header)
};

void add_connection_flags(CLI::App& app, connection_flags& f);

// Build client options; returns an error message for a malformed --connect.
std::string to_options(const connection_flags& f, client::options& out);

// The known_hosts file to use ("" when --insecure).
std::string known_hosts_file(const connection_flags& f);

// Trust on first use: pins `fingerprint` for host:port in the known_hosts
// file on first use; 4 (after a warning on stderr, naming `command`) when it
// differs from the pinned one, else 0. Nothing with --insecure.
int check_pin(const connection_flags& f, const std::string& host, std::uint16_t port,
              const std::string& fingerprint, const char* command);

}  // namespace twinstar::cli
