#include "connection_flags.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "twinstar/config.hpp"
#include "twinstar/known_hosts.hpp"

namespace twinstar::cli {

void add_connection_flags(CLI::App& app, connection_flags& f) {
  app.add_option("--connect", f.connect,
                 "Connect to HOST:PORT instead of the URL's host (SNI and URL unchanged)");
  app.add_option("--sni", f.sni, "Server name sent in TLS SNI (default: the URL's host; '' for none)")
      ->each([&f](const std::string&) { f.sni_given = true; });
  app.add_flag("-k,--insecure", f.insecure, "Accept any server certificate (no trust-on-first-use check)");
  app.add_option("--known-hosts", f.known_hosts, "Trust-on-first-use file")
      ->default_str(known_hosts_file(connection_flags{}));
  app.add_option("--cert", f.cert, "Client certificate (PEM)");
  app.add_option("--key", f.key, "Client certificate key (PEM)");
  app.add_option(
      "--preamble-file", f.preamble_file,
      "Send FILE's bytes first on each connection, before TLS or the selector (e.g. a PROXY header)");
  app.add_option("--timeout", f.timeout, "Seconds for each exchange")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

std::string to_options(const connection_flags& f, client::options& out) {
  if (!f.connect.empty()) {
    auto a = parse_listen_address(f.connect);
    if (!a || a->port == 0) {
      // Also allow a host name: NAME:PORT.
      auto colon = f.connect.rfind(':');
      if (colon == std::string::npos || colon == 0) return "--connect: expected HOST:PORT, got " + f.connect;
      try {
        int port = std::stoi(f.connect.substr(colon + 1));
        if (port < 1 || port > 65535) throw std::out_of_range("port");
        out.connect_host = f.connect.substr(0, colon);
        out.connect_port = static_cast<std::uint16_t>(port);
      } catch (const std::exception&) {
        return "--connect: expected HOST:PORT, got " + f.connect;
      }
    } else {
      out.connect_host = a->host;
      out.connect_port = a->port;
    }
  }
  if (f.sni_given) out.sni = f.sni;
  out.cert_file = f.cert;
  out.key_file = f.key;
  if (f.cert.empty() != f.key.empty()) return "--cert and --key go together";
  out.timeout = std::chrono::milliseconds(static_cast<long>(f.timeout * 1000));
  if (!f.preamble_file.empty()) {
    std::ifstream in(f.preamble_file, std::ios::binary);
    if (!in) return "--preamble-file: cannot read " + f.preamble_file;
    out.preamble.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return {};
}

std::string known_hosts_file(const connection_flags& f) {
  if (f.insecure) return {};
  if (!f.known_hosts.empty()) return f.known_hosts;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.local/share/twinstar/known_hosts";
}

int check_pin(const connection_flags& f, const std::string& host, std::uint16_t port,
              const std::string& fingerprint, const char* command) {
  const std::string file = known_hosts_file(f);
  if (file.empty()) return 0;
  known_hosts pins = known_hosts::load(file);
  const std::string key = host + ":" + std::to_string(port);
  switch (pins.check(key, fingerprint)) {
    case tofu_verdict::changed:
      std::fprintf(stderr,
                   "twinstar %s: WARNING: the certificate of %s CHANGED.\n  pinned: %s\n  now:    %s\n"
                   "  Refusing to continue. If the change is expected, remove the line for %s from %s\n",
                   command, key.c_str(), pins.pinned(key)->c_str(), fingerprint.c_str(), key.c_str(),
                   file.c_str());
      return 4;
    case tofu_verdict::first_use:
      if (!pins.save(file))
        std::fprintf(stderr, "twinstar %s: warning: cannot write %s\n", command, file.c_str());
      break;
    case tofu_verdict::match:
      break;
  }
  return 0;
}

}  // namespace twinstar::cli
