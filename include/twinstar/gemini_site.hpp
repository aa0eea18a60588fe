#pragma once
// The Gemini face of a capsule: a request line becomes a status, a meta and
// a body (in memory, or a file opened before the 20 is sent). Parsing, the
// rate limit, routing, certificate rules, the answer cache, feed resolution
// and the file's open() all happen here; no sockets. The network shell
// frames the request, asks, and sends what comes back.
//
// The decision is three steps so that the shell can run the slow one (a
// cache miss: a file read, a directory listing, a feed scan) off its event
// loop: decide() -> build() on a miss -> finish(). answer() chains them.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "twinstar/answer_cache.hpp"
#include "twinstar/capsule.hpp"
#include "twinstar/cgi.hpp"
#include "twinstar/config.hpp"
#include "twinstar/gemini.hpp"
#include "twinstar/limits.hpp"
#include "twinstar/result.hpp"
#include "twinstar/router.hpp"
#include "twinstar/url.hpp"

namespace twinstar {
namespace feed {
class cache;
}
class listing_cache;

// A Gemini answer kept in memory: the header's meta and either the body or,
// for a file too large to keep, its path (opened per request).
struct gemini_answer {
  std::string meta;
  std::shared_ptr<const std::string> body;
  std::string file;
  std::uint64_t file_size = 0;
  // What the request resolved to on disk: certificate rules apply to it too
  // (a symlink into a protected directory), on every request.
  std::filesystem::path resolved;
};
// Files up to this size are kept in memory.
inline constexpr std::uintmax_t cached_file_bytes = 64 * 1024;

// A file opened for sending; closed with this object. `size` is what fstat
// said at open: what is sent, whatever happens to the file meanwhile.
class open_file {
 public:
  open_file() = default;
  open_file(open_file&& other) noexcept : fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}
  open_file& operator=(open_file&& other) noexcept;
  ~open_file();
  // Fails with the reason (strerror) when it cannot be opened.
  static result<open_file, std::string> open(const std::filesystem::path& path);
  int fd() const { return fd_; }
  std::uint64_t size() const { return size_; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// A path a [[host.cgi]] / [[host.scgi]] rule answers: the shell runs the
// program and streams what it writes (src/net/cgi_runner).
struct gemini_dynamic {
  cgi::dynamic_route route;
  const host_config* host = nullptr;
  std::string url_path;  // decoded
  std::string query;     // raw (still percent-encoded), "" when none
};

// What the session sends: the header, then `body`, then `file`'s bytes;
// or, when `dynamic` is set, what the program writes.
struct gemini_response {
  gemini::status code = gemini::status::temporary_failure;
  std::string meta = {};
  std::shared_ptr<const std::string> body = nullptr;  // shared with the cache when cached
  std::shared_ptr<const open_file> file = nullptr;    // shared: a response is copyable
  // The server's own failure, for its log (the client sees only the status).
  std::string problem = {};
  // A refusal by the rate limiter (allowed false); `log` set: the first of
  // its offence, for the operator (rate_limit_line).
  rate_limiter::verdict limited = {};
  std::optional<gemini_dynamic> dynamic = std::nullopt;

  std::string_view body_view() const { return body ? std::string_view(*body) : std::string_view(); }
};

// The response for an error kind (error.hpp's mapping); internal and
// unreadable ones also name themselves in `problem`.
gemini_response gemini_failure(const error& e);

// One request as the shell received it.
struct gemini_request {
  std::string_view line;  // the request line, CRLF removed
  std::uint16_t local_port = 0;
  std::string_view local_ip;   // where the connection arrived (virtual hosts by address)
  std::string_view client_ip;  // the rate limiter's key
  const client_certificate* cert = nullptr;
  answer_cache<gemini_answer>::clock::time_point now = {};
};

// Where a request that passed the rules leads, its cache key, and the
// answer found in the cache (null: a miss, to build).
struct gemini_lookup {
  route_path where;
  std::string key;
  std::shared_ptr<const gemini_answer> cached = nullptr;
};
// decide()'s verdict: a response now (an error, a redirect) or a lookup.
struct gemini_decision {
  std::string host = {}, path = {};  // what was asked, for the access log (empty when unparsable)
  std::variant<gemini_response, gemini_lookup> next = {};
};
// build()'s: the answer, now in the cache, or a response that is not kept
// (an error, a redirect).
using gemini_built = std::variant<std::shared_ptr<const gemini_answer>, gemini_response>;

struct gemini_site {
  const router& routes;
  std::filesystem::path cert_dir;   // never served
  rate_limiter* limiter = nullptr;  // null: no rate limit
  feed::cache& feeds;
  answer_cache<gemini_answer>& answers;
  listing_cache* listings = nullptr;  // null: listings built per request

  // Parse, rate limit, route, certificate rules by URL path, cache lookup.
  // Dynamic routes (CGI/SCGI: answers not built from files) come after the
  // certificate rules and before the cache lookup, as a response with
  // `dynamic` set; nothing of theirs is cached or read from disk here.
  // Errors follow error.hpp's mapping (59 malformed, 53 other host or
  // scheme, 51, 44 with the seconds to wait, 6x); redirects are absolute
  // URLs resolved against the request (some clients ask before following a
  // relative one).
  gemini_decision decide(const gemini_request& request) const;
  // A miss: resolves on disk (feeds, listings, files), reads files up to
  // cached_file_bytes, stores the answer. May run on any thread.
  gemini_built build(const gemini_request& request, const gemini_lookup& miss) const;
  // Certificate rules by location on disk (on every request: cached or
  // not), then the open() of a large file, before any 20 is sent, so an
  // unreadable file still gets an honest status.
  gemini_response finish(const gemini_request& request, const route_path& where,
                         const gemini_answer& answer) const;

  // All three in a row, on the calling thread.
  gemini_response answer(const gemini_request& request) const;

 private:
  std::variant<gemini_response, gemini_lookup> decide_parsed(const gemini_request& request,
                                                             const url& parsed) const;
};

}  // namespace twinstar
