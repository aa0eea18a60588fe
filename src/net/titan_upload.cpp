// A Titan upload on a Gemini connection: the decision comes from the pure
// core (titan.hpp); here the body is read, written as temp file + fsync +
// rename, and the caches are told.
#include "titan_upload.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "twinstar/feed_cache.hpp"
#include "twinstar/titan.hpp"

namespace twinstar::shell {
namespace {

namespace fs = std::filesystem;
using gemini::status;

// A temporary file in the target directory: removed unless committed.
struct temp_file {
  std::string path;
  int fd = -1;
  bool committed = false;
  ~temp_file() {
    if (fd >= 0) ::close(fd);
    if (!path.empty() && !committed) ::unlink(path.c_str());
  }
};

// Writes all of `data` to `fd`; errno on failure, else 0.
int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

// A rename or unlink is durable once its directory is synced.
void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// The server changed a file: every cached answer, listing and feed index
// that might show it is forgotten now, not when the watches catch up.
void forget_cached(const snapshot& site, shared_state& state, const fs::path& dir) {
  site.gemini_answers->clear();
  site.gopher_answers->clear();
  if (site.listings) site.listings->clear();
  state.feeds.forget(dir);
}

// Blocking disk work (fsync) on the builder pool, not the event loop.
template <class F>
asio::awaitable<int> off_loop(shared_state& state, F work) {
  co_return co_await asio::co_spawn(
      state.builders, [&work]() -> asio::awaitable<int> { co_return work(); }, asio::use_awaitable);
}

// `out` with its reply set: a refusal, or the redirect of a success.
titan_result answer(titan_result out, gemini_reply reply) {
  out.reply = std::move(reply);
  return out;
}

}  // namespace

asio::awaitable<titan_result> receive_titan(tls_stream& stream, const gemini_request& request,
                                            std::string_view early, const snapshot& site, shared_state& state,
                                            session_deadline& deadline) {
  titan_result out;
  auto req = titan::parse_request(request.line);
  if (!req) co_return answer(std::move(out), req.error());
  out.host = req->target.host;
  out.path = req->target.path;
  const server_config& config = *site.config;
  if (auto verdict = site.limiter->admit(request.client_ip, clock::now()); !verdict.allowed)
    co_return answer(std::move(out),
                     to_gemini({errc::slow_down, std::to_string(verdict.retry_after.count())}));
  const host_config* host = site.routes->find_host(req->target.host);
  if (!host) co_return answer(std::move(out), to_gemini({errc::unknown_host, {}}));
  if (req->target.port && *req->target.port != request.local_port)
    co_return answer(std::move(out), to_gemini({errc::wrong_port, {}}));
  auto where = titan::authorise(*host, *req, request.cert);
  if (!where) co_return answer(std::move(out), where.error());
  out.path = where->url_path;
  auto located = titan::locate(host->root, *where);
  if (!located) co_return answer(std::move(out), located.error());
  const fs::path file = *located;
  const fs::path dir = file.parent_path();
  std::error_code ec;
  // The host's own key and certificate are never replaced through an upload.
  for (const auto& secret : {host->cert, host->key})
    if (fs::equivalent(file, secret, ec))
      co_return answer(std::move(out), to_gemini({errc::forbidden_path, {}}));

  if (req->size == 0) {
    const int err = co_await off_loop(state, [&] {
      if (::unlink(file.c_str()) != 0) return errno;
      sync_directory(dir);
      forget_cached(site, state, dir);
      return 0;
    });
    if (err == ENOENT) co_return answer(std::move(out), to_gemini({errc::not_found, {}}));
    if (err != 0) {
      out.problem = "cannot delete " + file.string() + ": " + std::strerror(err);
      co_return answer(std::move(out), {status::temporary_failure, "Cannot delete"});
    }
    log_event("titan: deleted " + file.string() + " (" + request.cert->fingerprint + ")", log_level::info);
    const std::string parent = where->url_path.substr(0, where->url_path.rfind('/') + 1);
    co_return answer(std::move(out), {status::redirect_temporary, titan::gemini_url(req->target, parent)});
  }
  if (early.size() > req->size)
    co_return answer(std::move(out), {status::bad_request, "Bad request: more bytes than size"});

  temp_file temp;
  std::string pattern = (dir / ".titan-XXXXXX").string();
  temp.fd = ::mkstemp(pattern.data());
  if (temp.fd < 0) {
    out.problem = "cannot create a temporary file in " + dir.string() + ": " + std::strerror(errno);
    co_return answer(std::move(out), {status::temporary_failure, "Cannot store the upload"});
  }
  temp.path = pattern;
  ::fchmod(temp.fd, 0644);  // mkstemp makes 0600; the file is to be served
  int err = write_all(temp.fd, early);
  std::uint64_t received = early.size();
  // A slow uploader gets the request timeout plus the time min_write_rate
  // (the rate a reader must keep up with) allows for the body.
  const auto rate = std::max<std::uint64_t>(config.min_write_rate, 1);
  deadline.set(clock::now() + config.request_timeout + std::chrono::milliseconds(req->size * 1000 / rate));
  std::vector<char> chunk(file_chunk_bytes);
  while (err == 0 && received < req->size) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), req->size - received));
    auto [rec, n] = co_await stream.read_some(asio::buffer(chunk.data(), want));
    if (rec) {
      if (!stream.socket().is_open()) {
        out.cut = true;
        co_return out;
      }
      co_return answer(std::move(out),
                       {status::bad_request, "Bad request: upload ended after " + std::to_string(received) +
                                                 " of " + std::to_string(req->size) + " bytes"});
    }
    err = write_all(temp.fd, std::string_view(chunk.data(), n));
    received += n;
  }
  if (err == 0) {
    err = co_await off_loop(state, [&] {
      if (::fsync(temp.fd) != 0) return errno;
      if (::rename(temp.path.c_str(), file.c_str()) != 0) return errno;
      temp.committed = true;
      sync_directory(dir);
      forget_cached(site, state, dir);
      return 0;
    });
  }
  if (err != 0) {
    out.problem = "cannot write " + file.string() + ": " + std::strerror(err);
    co_return answer(std::move(out), {status::temporary_failure, "Cannot store the upload"});
  }
  log_event("titan: wrote " + std::to_string(req->size) + " bytes to " + file.string() + " (" +
                request.cert->fingerprint + ")",
            log_level::info);
  co_return answer(std::move(out),
                   {status::redirect_temporary, titan::gemini_url(req->target, where->url_path)});
}

}  // namespace twinstar::shell
