// Dynamic content: CGI processes and SCGI sockets, streamed (cgi_runner.hpp).
#include "cgi_runner.hpp"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <asio/experimental/awaitable_operators.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "twinstar/gemini.hpp"

#ifndef TWINSTAR_VERSION
#define TWINSTAR_VERSION "0"
#endif

namespace twinstar::shell {
namespace {

using namespace asio::experimental::awaitable_operators;

constexpr std::size_t chunk_bytes = 16 * 1024;
constexpr std::string_view server_software = "twinstar/" TWINSTAR_VERSION;

std::string asn1_time_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  std::array<char, 32> text{};
  const auto n = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(text.data(), n);
}

// The client certificate's fields, as the environment shows them.
std::optional<cgi::client_certificate_info> certificate_info(SSL* ssl) {
  X509* peer = ssl != nullptr ? SSL_get0_peer_certificate(ssl) : nullptr;
  if (peer == nullptr) return std::nullopt;
  cgi::client_certificate_info info;
  X509_NAME* subject = X509_get_subject_name(peer);
  if (const int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0) {
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));
    if (n >= 0) {
      // The client chose these bytes: no control characters reach the environment.
      for (int k = 0; k < n; ++k)
        if (utf8[k] >= 0x20 && utf8[k] != 0x7f) info.common_name += static_cast<char>(utf8[k]);
      OPENSSL_free(utf8);
    }
  }
  info.fingerprint = tls::fingerprint(peer);
  info.not_before = asn1_time_text(X509_get0_notBefore(peer));
  info.not_after = asn1_time_text(X509_get0_notAfter(peer));
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(peer), nullptr)) {
    if (char* dec = BN_bn2dec(bn)) {
      info.serial_number = dec;
      OPENSSL_free(dec);
    }
    BN_free(bn);
  }
  return info;
}

cgi::request_info request_info_of(tls_stream& stream, const dynamic_request& r) {
  cgi::request_info info;
  info.url = r.request_line;
  info.server_name = r.target.host->name;
  info.server_port = r.local_port;
  info.remote_addr = r.client_ip;
  info.query = r.target.query;
  SSL* ssl = stream.native_handle();
  if (ssl != nullptr) {
    info.tls_version = SSL_get_version(ssl);
    if (const char* cipher = SSL_get_cipher_name(ssl)) info.tls_cipher = cipher;
  }
  info.certificate = certificate_info(ssl);
  return info;
}

bool is_script(const std::filesystem::path& file) {
  struct stat st {};
  return ::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(file.c_str(), X_OK) == 0;
}

// One read from the program, or the end of its time.
enum class got { data, eof, timed_out, failed };
template <class Source>
asio::awaitable<std::pair<got, std::size_t>> read_some(Source& source, asio::steady_timer& timer, char* into,
                                                       std::size_t size) {
  auto r = co_await (source.async_read_some(asio::buffer(into, size), nothrow) || timer.async_wait(nothrow));
  if (r.index() == 1) co_return std::pair{got::timed_out, std::size_t{0}};
  auto [ec, n] = std::get<0>(r);
  if (n > 0) co_return std::pair{got::data, n};
  co_return std::pair{ec == asio::error::eof ? got::eof : got::failed, std::size_t{0}};
}

// How a relay ended. `header_sent`: the client has the program's header.
struct relay_end {
  got how = got::eof;
  bool header_sent = false;
  bool client_gone = false;
  std::string problem;  // a bad header, for the log
};

// The program's output to the client: its header checked, then the body
// chunk by chunk, flushed as it comes. Only a 2x answer has a body.
template <class Source>
asio::awaitable<relay_end> relay(Source& source, asio::steady_timer& timer, tls_stream& stream,
                                 session_deadline& deadline, dynamic_outcome& done) {
  std::array<char, chunk_bytes> buf{};
  std::string head;
  cgi::parsed_header header;
  while (header.state == cgi::header_state::need_more) {
    auto [how, n] = co_await read_some(source, timer, buf.data(), buf.size());
    if (how == got::timed_out || how == got::failed)
      co_return relay_end{how, false, false, "no header in time"};
    head.append(buf.data(), n);
    header = cgi::parse_header(head, how == got::eof);
  }
  if (header.state == cgi::header_state::bad) co_return relay_end{got::failed, false, false, header.problem};
  done.status = header.status;
  const bool has_body = header.status / 10 == 2;
  std::string first = gemini::format_header(static_cast<gemini::status>(header.status), header.meta);
  if (has_body) first.append(head, header.consumed);
  auto [wec, wn] = co_await stream.write(asio::buffer(first));
  done.bytes += wn;
  if (!wec) wec = co_await stream.flush();
  if (wec) co_return relay_end{got::failed, true, true, {}};
  if (!has_body) co_return relay_end{got::eof, true, false, {}};
  while (true) {
    auto [how, n] = co_await read_some(source, timer, buf.data(), buf.size());
    if (how != got::data) co_return relay_end{how, true, false, {}};
    auto [ec, sent] = co_await stream.write(asio::buffer(buf.data(), n));
    done.bytes += sent;
    if (!ec) ec = co_await stream.flush();
    if (ec) co_return relay_end{got::failed, true, true, {}};
    deadline.progressed();
  }
}

// A running script: its pid, which is also its process group's id. The
// leader is reaped only once the group has had its SIGKILL, so the group id
// cannot be reused by then.
class child_process {
 public:
  child_process(pid_t pid, asio::any_io_executor ex) : pid_(pid), timer_(ex) {
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd >= 0) pidfd_.emplace(ex, fd);
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  // Last resort (the session was torn down mid-run): SIGKILL and a wait,
  // which is brief once SIGKILL is delivered.
  ~child_process() {
    if (reaped_) return;
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }

  // The leader has exited (a zombie, not reaped yet).
  bool exited() const {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid != 0;
  }

  // Until the leader exits or `until`; true when it has exited.
  asio::awaitable<bool> wait_exit(clock::time_point until) {
    while (!exited()) {
      if (clock::now() >= until) co_return false;
      timer_.expires_at(until);
      if (pidfd_) {
        co_await (pidfd_->async_wait(asio::posix::descriptor::wait_read, nothrow) ||
                  timer_.async_wait(nothrow));
      } else {
        // No pidfd (a kernel before 5.3): look again every few milliseconds.
        timer_.expires_at(std::min(until, clock::now() + std::chrono::milliseconds(10)));
        co_await timer_.async_wait(nothrow);
      }
    }
    co_return true;
  }

  // Ends the group and reaps the leader: SIGTERM first when `gently` (and
  // the leader still runs), SIGKILL to whatever is left after kill_grace.
  asio::awaitable<void> stop(bool gently) {
    if (reaped_) co_return;
    if (gently && !exited()) {
      ::kill(-pid_, SIGTERM);
      co_await wait_exit(clock::now() + cgi::kill_grace);
    }
    ::kill(-pid_, SIGKILL);
    if (co_await wait_exit(clock::now() + cgi::kill_grace)) {
      int status = 0;
      ::waitpid(pid_, &status, 0);
      reaped_ = true;
    }  // else the destructor waits for it
  }

 private:
  pid_t pid_;
  std::optional<asio::posix::stream_descriptor> pidfd_;
  asio::steady_timer timer_;
  bool reaped_ = false;
};

struct spawned {
  std::unique_ptr<child_process> child;
  std::optional<asio::posix::stream_descriptor> output;
  std::string error;
};

// posix_spawn (no fork of the whole server): its own process group, all
// signals at their defaults and unblocked, stdin /dev/null, stdout a pipe,
// cwd the script's directory, and no descriptor of the server's beyond
// stderr (closefrom 3: not every socket of Asio's is close-on-exec).
spawned spawn_script(const std::filesystem::path& script, const cgi::environment& env,
                     asio::any_io_executor ex) {
  spawned out;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    out.error = std::string("pipe: ") + std::strerror(errno);
    return out;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  const std::string dir = script.parent_path().string();
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);  // the server ignores SIGPIPE; a script must not inherit that

  std::string file = script.string();
  std::vector<std::string> strings = cgi::environment_strings(env);
  std::vector<char*> envp;
  for (auto& s : strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  char* argv[] = {file.data(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, file.c_str(), &actions, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    out.error = "cannot run " + file + ": " + std::strerror(rc);
    return out;
  }
  out.child = std::make_unique<child_process>(pid, ex);
  out.output.emplace(ex, fds[0]);
  return out;
}

// The client's answer when the program failed before its header.
asio::awaitable<void> answer_failure(tls_stream& stream, dynamic_outcome& done, gemini::status code,
                                     std::string_view meta) {
  const std::string head = gemini::format_header(code, meta);
  auto [ec, n] = co_await stream.write(asio::buffer(head));
  done.bytes += n;
  done.status = gemini::code(code);
  done.complete = !ec;
}

std::string timeout_text(std::chrono::milliseconds t) {
  return std::to_string(t.count() / 1000) + "." + std::to_string(t.count() % 1000 / 100) + " s";
}

asio::awaitable<dynamic_outcome> serve_cgi(tls_stream& stream, const dynamic_request& r, const cgi_rule& rule,
                                           session_deadline& deadline, const server_config& config) {
  dynamic_outcome done;
  auto where = cgi::locate_script(rule, r.target.url_path, is_script);
  if (!where) {
    co_await answer_failure(stream, done, gemini::status::not_found, "Not found");
    co_return done;
  }
  // Run by its absolute path: the script starts in its own directory, where a
  // path relative to the server's would lead nowhere.
  std::error_code absolute_error;
  if (auto absolute = std::filesystem::absolute(where->file, absolute_error); !absolute_error)
    where->file = absolute;
  cgi::request_info info = request_info_of(stream, r);
  info.script_name = where->script_name;
  info.path_info = where->path_info;
  info.script_filename = where->file.string();
  auto ex = co_await asio::this_coro::executor;
  const auto started = clock::now();
  deadline.set(started + rule.timeout + 2 * cgi::kill_grace + config.write_timeout);
  auto run = spawn_script(where->file, cgi::build_environment(info, server_software), ex);
  if (!run.child) {
    log_limited("cgi " + r.target.url_path + ": " + run.error);
    co_await answer_failure(stream, done, gemini::status::cgi_error, "CGI error");
    co_return done;
  }
  asio::steady_timer timer(ex, started + rule.timeout);
  const relay_end end = co_await relay(*run.output, timer, stream, deadline, done);
  run.output.reset();  // a script still writing gets EPIPE
  if (!end.header_sent) {
    // No (valid) header: the client gets 42 and the script goes at once.
    co_await run.child->stop(end.how == got::timed_out);
    log_limited("cgi " + where->file.string() + ": " +
                (end.how == got::timed_out ? "no header within " + timeout_text(rule.timeout) : end.problem));
    co_await answer_failure(stream, done, gemini::status::cgi_error, "CGI error");
    co_return done;
  }
  if (end.how == got::eof) {
    // The output is complete; the script has until its timeout to exit.
    const bool exited = co_await run.child->wait_exit(started + rule.timeout);
    co_await run.child->stop(!exited);
    done.complete = !end.client_gone;
    co_return done;
  }
  if (end.how == got::timed_out)
    log_limited("cgi " + where->file.string() + ": cut at " + timeout_text(rule.timeout));
  co_await run.child->stop(end.how == got::timed_out);
  co_return done;  // cut: no close_notify, so the client knows
}

asio::awaitable<dynamic_outcome> serve_scgi(tls_stream& stream, const dynamic_request& r,
                                            const scgi_rule& rule, session_deadline& deadline,
                                            const server_config& config) {
  dynamic_outcome done;
  cgi::request_info info = request_info_of(stream, r);
  // SCRIPT_NAME is the mount point, PATH_INFO the rest (RFC 3875 4.1.13).
  const std::string mount = rule.path.ends_with('/') ? rule.path.substr(0, rule.path.size() - 1) : rule.path;
  info.script_name = mount;
  info.path_info = r.target.url_path.substr(mount.size());
  auto ex = co_await asio::this_coro::executor;
  const auto started = clock::now();
  deadline.set(started + rule.timeout + config.write_timeout);
  asio::steady_timer timer(ex, started + rule.timeout);
  asio::local::stream_protocol::socket app(ex);
  auto connected =
      co_await (app.async_connect(asio::local::stream_protocol::endpoint(rule.socket.string()), nothrow) ||
                timer.async_wait(nothrow));
  std::error_code ec = connected.index() == 1 ? asio::error::timed_out : std::get<0>(std::get<0>(connected));
  if (!ec) {
    const std::string request = cgi::scgi_request(cgi::build_environment(info, server_software));
    auto sent =
        co_await (asio::async_write(app, asio::buffer(request), nothrow) || timer.async_wait(nothrow));
    ec = sent.index() == 1 ? asio::error::timed_out : std::get<0>(std::get<0>(sent));
  }
  if (ec) {
    log_limited("scgi " + rule.socket.string() + ": " + ec.message());
    co_await answer_failure(stream, done, gemini::status::cgi_error, "CGI error");
    co_return done;
  }
  const relay_end end = co_await relay(app, timer, stream, deadline, done);
  if (!end.header_sent) {
    log_limited("scgi " + rule.socket.string() + ": " +
                (end.how == got::timed_out ? "no header within " + timeout_text(rule.timeout) : end.problem));
    co_await answer_failure(stream, done, gemini::status::cgi_error, "CGI error");
    co_return done;
  }
  done.complete = end.how == got::eof && !end.client_gone;
  co_return done;
}

}  // namespace

asio::awaitable<dynamic_outcome> serve_dynamic(tls_stream& stream, const dynamic_request& request,
                                               session_deadline& deadline, const server_config& config) {
  if (request.target.route.cgi != nullptr)
    co_return co_await serve_cgi(stream, request, *request.target.route.cgi, deadline, config);
  co_return co_await serve_scgi(stream, request, *request.target.route.scgi, deadline, config);
}

}  // namespace twinstar::shell
