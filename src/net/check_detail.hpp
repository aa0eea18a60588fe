#pragma once
// Internal to the check suite: the target under test, result recording and
// the send helpers the check groups share. Not part of the public headers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/check.hpp"

namespace twinstar::check::detail {

inline constexpr std::uint16_t gemini_default_port = 1965;
// A host name that can never resolve (RFC 2606), for "unknown host" requests.
inline constexpr std::string_view unknown_host = "unknown-host.invalid";

// Where and how to talk to the Gemini server under test.
struct gemini_target {
  std::string host;       // the URL's host, lower-cased, IPv6 without brackets
  std::string authority;  // "host[:port]" as written in requests
  std::uint16_t port = gemini_default_port;
  bool port_explicit = false;
  std::string dial_host;  // --connect host, else `host`
  std::uint16_t dial_port = gemini_default_port;
  client::options client;  // SNI already resolved

  std::string base() const { return "gemini://" + authority; }  // no path
  std::string url(std::string_view path) const { return base() + std::string(path); }
};

// What the home page ("/") answered, for the checks that build on it.
struct home_page {
  client::gemini_result first = fail(std::string("not fetched"));  // the answer to "/" itself
  std::optional<client::gemini_reply> content;  // the 20 reached, following same-host redirects
  std::string content_url;                      // the URL that gave `content`
  int status() const { return first ? first->status : 0; }
};

// Bytes as sent, for the `sent` field: "\"gemini://h/\\r\\n\"".
inline std::string quote_bytes(std::string_view bytes, std::size_t max_chars = 72) {
  return "\"" + describe_bytes(bytes, max_chars) + "\"";
}

class recorder {
 public:
  explicit recorder(const suite_options& options) : on_result_(options.on_result) {}
  void add(requirement level, std::string name, verdict result, std::string sent, std::string received,
           std::string note = {});
  std::vector<check_result> take() { return std::move(results_); }

 private:
  std::function<void(const check_result&)> on_result_;
  std::vector<check_result> results_;
};

// One request on one connection (`request` sent verbatim).
client::gemini_result send(const gemini_target& target, std::string_view request);

// All `requests` at once, each on its own connection, on one io_context.
// Results are in request order.
std::vector<client::gemini_result> send_all(const gemini_target& target,
                                            const std::vector<std::string>& requests,
                                            const client::options& options);

// The parts of a gemini:// URL that locate a resource on this target: the
// path when the URL names this host and port (scheme and host compared
// case-insensitively), else nullopt.
std::optional<std::string> same_target_path(const gemini_target& target, std::string_view url);

// "/" and redirects followed (same host only, at most 5).
home_page fetch_home(const gemini_target& target);

// The check groups, in the order they run. check_tls returns false when no
// handshake succeeded at all (nothing else can run).
bool check_tls(const gemini_target& target, recorder& out);
void check_responses(const gemini_target& target, const home_page& home, recorder& out);
void check_requests(const gemini_target& target, const home_page& home, recorder& out);
void check_paths(const gemini_target& target, const home_page& home, recorder& out);
void check_load(const gemini_target& target, const home_page& home, bool slow, recorder& out);

}  // namespace twinstar::check::detail
