#pragma once
// Dynamic content, the process and socket side: runs a [[host.cgi]] script
// or asks a [[host.scgi]] application, and streams its answer to the client
// as it comes. The decisions (which rule, the environment, the header) are
// the pure core's (twinstar/cgi.hpp).
#include <cstdint>
#include <optional>
#include <string>

#include "shell.hpp"
#include "tls_stream.hpp"
#include "twinstar/cgi.hpp"
#include "twinstar/gemini_site.hpp"

namespace twinstar::shell {

// What the Gemini decision hands over for a dynamic path, and what the
// connection adds to it.
struct dynamic_request {
  gemini_dynamic target;
  std::string request_line;
  std::uint16_t local_port = 0;
  std::string client_ip;
};

struct dynamic_outcome {
  int status = 0;           // what the client was sent (42 when the program failed before its header)
  std::uint64_t bytes = 0;  // header and body bytes sent
  bool complete = false;    // the answer ended normally: close with close_notify
};

// Runs the request's program and streams its answer to `stream`.
//  CGI: the shortest executable file on the path (cgi::locate_script; 51
//  when none) runs in its own process group (posix_spawn, no shell), stdin
//  /dev/null, stdout a pipe, stderr the server's, cwd its directory, no
//  other descriptors. SCGI: the request goes to the unix socket.
//  The program's first line must be a Gemini header (cgi::parse_header): a
//  bad or missing one, or none within the rule's timeout, is a 42 and the
//  process group is killed at once. The body goes to the client chunk by
//  chunk as the program writes it. At the timeout the group gets SIGTERM,
//  SIGKILL cgi::kill_grace later; an answer cut that way ends without
//  close_notify. Whatever happens, the script is reaped (pidfd, never
//  SIGCHLD) and what is left of its group killed before this returns, and
//  the event loop never blocks on it.
asio::awaitable<dynamic_outcome> serve_dynamic(tls_stream& stream, const dynamic_request& request,
                                               session_deadline& deadline, const server_config& config);

}  // namespace twinstar::shell
