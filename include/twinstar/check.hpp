#pragma once
// The conformance suite behind `twinstar check`: probes a Gemini (and a
// Gopher) server with well-formed and deliberately malformed requests through
// the client harness and grades each answer against the protocol facts in
// the specifications (Gemini v0.24, RFC 3986, RFC 1436). Runs checks and
// returns results; printing is the caller's business.
//
// Levels:
//  - must:   the specification requires it (TLS 1.2+, close_notify, the
//            header format, request limits, invalid requests -> 59, no
//            traversal). A failure here means non-conforming.
//  - should: the specification implies it or real clients rely on it
//            (TLS 1.3, MIME types, 53 for foreign URLs, directory redirects).
//  - robust: resilience under load and misbehaving clients.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/client.hpp"
#include "twinstar/result.hpp"

namespace twinstar::check {

enum class requirement { must, should, robust };
enum class verdict { pass, fail, skip };

struct check_result {
  requirement level = requirement::must;
  std::string name;  // stable identifier, e.g. "tls-1.1-refused"
  verdict result = verdict::fail;
  std::string sent;      // what was sent, escaped and shortened (printable ASCII)
  std::string received;  // what came back, e.g. `got 59 "Bad request"` (printable ASCII)
  std::string note;      // which of several allowed answers was seen, or why it failed
};

struct suite_options {
  // Timeout per exchange, client certificate, SNI override, and the
  // --connect override (host/port to dial instead of the URL's).
  client::options client;
  // Opt-in checks that hold connections open until the server gives up
  // (up to slow_client_limit each, run side by side).
  bool slow = false;
  // Called with each result as soon as it is known (progress output).
  std::function<void(const check_result&)> on_result;
};

// How long the slow-client checks wait for the server to hang up.
inline constexpr std::chrono::seconds slow_client_limit{30};
// Simultaneous connections in the concurrency check.
inline constexpr int concurrent_requests = 16;

// Run every Gemini check against `url` (gemini://host[:port][/...]; the path
// is ignored: checks start at "/"). SNI is the URL's host (none for IP
// literals) unless options.client.sni says otherwise. When the server cannot
// be reached at all the first check fails and the rest are not run.
// Errors: a URL that does not parse or is not gemini://.
result<std::vector<check_result>, std::string> run_gemini_checks(std::string_view url,
                                                                 const suite_options& options);

// Run the Gopher checks against gopher://host[:port]/ (port 70 by default;
// options.client.connect_host/port, when set, say where to dial instead).
// When nothing answers the root selector the first check fails and the rest
// are not run. Errors: a URL that does not parse or is not gopher://.
result<std::vector<check_result>, std::string> run_gopher_checks(std::string_view url,
                                                                 const suite_options& options);

struct totals {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  bool must_failed = false;
};
totals summarize(const std::vector<check_result>& results);

// 1 when a MUST check failed, else 0 (SHOULD and ROBUST failures are
// reported but do not change the exit status).
int exit_status(const totals& t);

std::string_view name_of(requirement level);  // "MUST", "SHOULD", "ROBUST"
std::string_view name_of(verdict result);     // "PASS", "FAIL", "SKIP"

// Bytes as printable ASCII: \r \n \t \\ \" and \xNN for other control and
// non-ASCII bytes, cut to about `max_chars` with the total length appended
// ("...(1025 bytes)").
std::string describe_bytes(std::string_view bytes, std::size_t max_chars = 72);

// A Gemini outcome in one line: `got 20 "text/gemini" + 123 bytes`,
// `got no header (closed after 0 bytes)`, or `error: <message>`.
std::string describe_reply(const client::gemini_result& reply);

}  // namespace twinstar::check
