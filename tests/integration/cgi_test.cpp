// CGI and SCGI against the real server on loopback, with the project's own
// client: the environment, streaming, the timeout killing the whole process
// group, bad output answered 42, client certificates, an SCGI application,
// and nothing left behind (no zombie, no descriptor, no connection slot).
#include "twinstar/cgi.hpp"

#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "cgi_fixture.hpp"
#include "twinstar/tls.hpp"

using namespace twinstar;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::start_cgi_server;
using test::write_script;

namespace {

// "KEY=value" lines (the output of `env`) as a map.
std::map<std::string, std::string> parse_env(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

// Whether `pid` is gone: no process, or a zombie of someone else's.
bool dead(long pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string all((std::istreambuf_iterator<char>(stat)), {});
  const auto close = all.rfind(')');
  return close != std::string::npos && close + 2 < all.size() && all[close + 2] == 'Z';
}

bool dies_within(long pid, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!dead(pid) && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  return dead(pid);
}

// This process's children (any state), from /proc.
std::vector<long> children_of_this_process() {
  std::vector<long> out;
  const std::string self = std::to_string(::getpid());
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string all((std::istreambuf_iterator<char>(stat)), {});
    const auto close = all.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(all.substr(close + 2));
    std::string state, ppid;
    rest >> state >> ppid;
    if (ppid == self) out.push_back(std::stol(name));
  }
  return out;
}

std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

bool appears_within(const fs::path& file, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!fs::exists(file) && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  return fs::exists(file);
}

long read_pid(const fs::path& file) {
  REQUIRE(appears_within(file, 5s));
  long pid = 0;
  // Written by `echo`: complete once its newline is there.
  const auto until = std::chrono::steady_clock::now() + 5s;
  std::string text;
  while ((text = test::read_file(file)).find('\n') == std::string::npos &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::yield();
  std::istringstream(text) >> pid;
  return pid;
}

// A small SCGI application on a unix socket: answers each request with its
// PATH_INFO, QUERY_STRING and the order of its first two headers.
class scgi_app {
 public:
  explicit scgi_app(const fs::path& socket_path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path.c_str());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~scgi_app() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::atomic<int> served{0};

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string in;
      char buf[4096];
      // The netstring: "<len>:<headers>,"
      std::size_t need = std::string::npos;
      while (true) {
        if (need == std::string::npos) {
          const auto colon = in.find(':');
          if (colon != std::string::npos) need = colon + 1 + std::stoul(in.substr(0, colon)) + 1;
        }
        if (need != std::string::npos && in.size() >= need) break;
        const ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
      }
      std::map<std::string, std::string> headers;
      std::vector<std::string> order;
      const auto colon = in.find(':');
      std::string body = colon == std::string::npos || need == std::string::npos
                             ? ""
                             : in.substr(colon + 1, need - colon - 2);
      for (std::size_t at = 0; at < body.size();) {
        const auto key_end = body.find('\0', at);
        const auto value_end = body.find('\0', key_end + 1);
        if (key_end == std::string::npos || value_end == std::string::npos) break;
        order.push_back(body.substr(at, key_end - at));
        headers[order.back()] = body.substr(key_end + 1, value_end - key_end - 1);
        at = value_end + 1;
      }
      const bool framed = need != std::string::npos && in.size() >= need && in[need - 1] == ',';
      std::string reply = "20 text/plain\r\nframed=" + std::string(framed ? "yes" : "no") +
                          "\nfirst=" + (order.size() > 1 ? order[0] + "," + order[1] : "") +
                          "\nSCRIPT_NAME=" + headers["SCRIPT_NAME"] + "\nPATH_INFO=" + headers["PATH_INFO"] +
                          "\nQUERY_STRING=" + headers["QUERY_STRING"] +
                          "\nREMOTE_ADDR=" + headers["REMOTE_ADDR"] + "\n";
      if (headers["PATH_INFO"] == "/silent") reply = "";  // closes without a header
      (void)!::write(c, reply.data(), reply.size());
      ::close(c);
      ++served;
    }
  }
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("cgi: a script gets the Jetforce environment and its source is never served") {
  auto site = start_cgi_server("cgi-env");
  auto& srv = *site.srv;
  const std::string url = srv.base() + "/cgi-bin/env/extra/path?q%20x";
  const auto reply = srv.get(url + "\r\n");
  CHECK(reply.status == 20);
  CHECK(reply.meta == "text/plain");
  CHECK(reply.close_notify);
  const auto env = parse_env(reply.body);
  const std::pair<const char*, std::string> expected[] = {
      {"GATEWAY_INTERFACE", "CGI/1.1"},
      {"SERVER_PROTOCOL", "GEMINI"},
      {"SERVER_SOFTWARE", "twinstar/" TWINSTAR_VERSION},
      {"SERVER_NAME", "localhost"},
      {"SERVER_PORT", std::to_string(srv.gemini_port)},
      {"REMOTE_ADDR", "127.0.0.1"},
      {"REMOTE_HOST", "127.0.0.1"},
      {"QUERY_STRING", "q%20x"},
      {"PATH_INFO", "/extra/path"},
      {"SCRIPT_NAME", "/cgi-bin/env"},
      {"GEMINI_URL", url},
      {"HOSTNAME", "localhost"},
      {"TLS_VERSION", "TLSv1.3"},
  };
  for (const auto& [key, value] : expected) {
    CAPTURE(key);
    REQUIRE(env.count(key) == 1);
    CHECK(env.at(key) == value);
  }
  CHECK(env.count("AUTH_TYPE") == 0);  // no certificate sent
  CHECK(env.count("TLS_CLIENT_HASH") == 0);

  // The script itself, by any spelling, is its output, never its text.
  for (const char* path : {"/cgi-bin/env", "/cgi-bin/env/"}) {
    CAPTURE(path);
    const auto again = srv.get(srv.base() + path + "\r\n");
    CHECK(again.status == 20);
    CHECK(again.body.find("#!/bin/sh") == std::string::npos);
    CHECK(again.body.find("GATEWAY_INTERFACE=CGI/1.1") != std::string::npos);
  }
  CHECK(srv.get(srv.base() + "/cgi-bin/\r\n").status == 51);         // no listing of the scripts
  CHECK(srv.get(srv.base() + "/cgi-bin/missing\r\n").status == 51);  // no such script
  // Gopher runs no programs: a clear error item, never the file.
  const std::string gopher = srv.gopher("/cgi-bin/env\r\n");
  CHECK(gopher.starts_with("3Refused: /cgi-bin/env runs a CGI/SCGI program, served over Gemini only"));
  CHECK(gopher.find("#!/bin/sh") == std::string::npos);
  CHECK(srv.gopher("/cgi-bin/\r\n").starts_with("3Refused"));
  CHECK(srv.gopher("/cgi-bin\r\n").starts_with("3Refused"));
}

TEST_CASE("cgi: output reaches the client while the script still runs") {
  auto site = start_cgi_server("cgi-stream");
  auto& srv = *site.srv;
  const fs::path release = site.dir / "release", done = site.dir / "done";
  write_script(srv.config->hosts[0].root / "cgi-bin" / "stream",
               "printf '20 text/plain\\r\\nfirst\\n'\n"
               "while [ ! -e '" +
                   release.string() +
                   "' ]; do sleep 0.01; done\n"
                   "echo done > '" +
                   done.string() + "'\nprintf 'second\\n'\n");
  // Stop reading once the header and "first" are in: a server that waited
  // for the script's exit would send nothing, since the script waits for us.
  auto o = srv.opts();
  o.max_body = std::string("20 text/plain\r\nfirst\n").size() - 1;
  auto reply = client::send_gemini("127.0.0.1", srv.gemini_port, srv.base() + "/cgi-bin/stream\r\n", o);
  REQUIRE(reply.ok());
  CHECK(reply->status == 20);
  CHECK(reply->body == "first\n");
  CHECK_FALSE(fs::exists(done));  // the script was still waiting
  test::write_file(release, "go\n");
  CHECK(appears_within(done, 10s));

  // And read whole, the answer is complete and confirmed.
  const auto whole = srv.get(srv.base() + "/cgi-bin/stream\r\n");
  CHECK(whole.body == "first\nsecond\n");
  CHECK(whole.close_notify);
}

TEST_CASE("cgi: the timeout kills the script's whole process group") {
  auto site = start_cgi_server("cgi-timeout", 500ms);
  auto& srv = *site.srv;
  const fs::path child = site.dir / "child.pid", self = site.dir / "self.pid";
  write_script(srv.config->hosts[0].root / "cgi-bin" / "hang",
               "sleep 600 &\necho $! > '" + child.string() + "'\necho $$ > '" + self.string() + "'\nwait\n");
  const auto reply = srv.get(srv.base() + "/cgi-bin/hang\r\n");
  CHECK(reply.status == 42);
  CHECK(reply.meta == "CGI error");
  const long script = read_pid(self), grandchild = read_pid(child);
  REQUIRE(script > 1);
  REQUIRE(grandchild > 1);
  CHECK(dies_within(script, 10s));
  CHECK(dies_within(grandchild, 10s));  // the script's own child went with it

  // A script that sent its header and then hangs is cut: no close_notify.
  write_script(srv.config->hosts[0].root / "cgi-bin" / "slow",
               "printf '20 text/plain\\r\\npartial'\nexec sleep 600\n");
  const auto cut = srv.get(srv.base() + "/cgi-bin/slow\r\n");
  CHECK(cut.status == 20);
  CHECK(cut.body == "partial");
  CHECK_FALSE(cut.close_notify);
  CHECK(srv.settles_at(0));
  CHECK(children_of_this_process().empty());
}

TEST_CASE("cgi: bad output is a 42 and leaves nothing behind") {
  auto site = start_cgi_server("cgi-bad");
  auto& srv = *site.srv;
  const fs::path bin = srv.config->hosts[0].root / "cgi-bin";
  const fs::path big_pid = site.dir / "big.pid";
  write_script(bin / "noheader", "printf 'hello world'\n");
  write_script(bin / "silent", "exit 0\n");
  write_script(bin / "http", "printf 'HTTP/1.1 200 OK\\r\\n\\r\\nhi'\n");
  write_script(bin / "status", "printf '2x text/gemini\\r\\nhi'\n");
  // 2 MB without a line feed; then it would go on forever.
  write_script(bin / "bigheader", "echo $$ > '" + big_pid.string() +
                                      "'\nhead -c 2097152 /dev/zero | tr '\\0' x\nexec sleep 600\n");
  write_script(bin / "notfound", "printf '51 Nothing here\\r\\nignored body'\n");

  // The baseline: the server warmed up by one static request.
  CHECK(srv.get(srv.base() + "/static.gmi\r\n").status == 20);
  CHECK(srv.settles_at(0));
  const std::size_t fds_before = open_descriptors();

  for (const char* script : {"noheader", "silent", "http", "status", "bigheader"}) {
    CAPTURE(script);
    const auto reply = srv.get(srv.base() + "/cgi-bin/" + script + "\r\n");
    CHECK(reply.status == 42);
    CHECK(reply.meta == "CGI error");
    CHECK(reply.body.empty());
    CHECK(reply.close_notify);
  }
  CHECK(dies_within(read_pid(big_pid), 10s));
  // A script's own error status passes through, without a body.
  const auto not_found = srv.get(srv.base() + "/cgi-bin/notfound\r\n");
  CHECK(not_found.status == 51);
  CHECK(not_found.meta == "Nothing here");
  CHECK(not_found.body.empty());

  CHECK(srv.settles_at(0));
  CHECK(children_of_this_process().empty());  // every script reaped: no zombie
  CHECK(open_descriptors() == fds_before);    // no pipe or pidfd left open
  // And the server still serves.
  CHECK(srv.get(srv.base() + "/static.gmi\r\n").status == 20);
  CHECK(srv.get(srv.base() + "/cgi-bin/env\r\n").status == 20);
}

TEST_CASE("cgi: a client certificate reaches the script as Jetforce's variables") {
  auto site = start_cgi_server("cgi-cert");
  auto& srv = *site.srv;
  const fs::path crt = site.dir / "alice.crt", key = site.dir / "alice.key";
  REQUIRE(tls::generate_self_signed(crt, key, {"alice"}).ok());
  std::string fingerprint;
  {
    FILE* f = std::fopen(crt.c_str(), "r");
    REQUIRE(f != nullptr);
    X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    REQUIRE(x != nullptr);
    fingerprint = tls::fingerprint(x);
    X509_free(x);
  }
  auto o = srv.opts();
  o.cert_file = crt;
  o.key_file = key;
  auto reply = client::send_gemini("127.0.0.1", srv.gemini_port, srv.base() + "/cgi-bin/env\r\n", o);
  REQUIRE(reply.ok());
  REQUIRE(reply->status == 20);
  const auto env = parse_env(reply->body);
  CHECK(env.at("AUTH_TYPE") == "CERTIFICATE");
  CHECK(env.at("REMOTE_USER") == "alice");
  // Jetforce's spelling: "SHA256:" and upper-case hex of the DER's digest.
  CHECK(env.at("TLS_CLIENT_HASH") == cgi::jetforce_hash(fingerprint));
  CHECK(env.at("TLS_CLIENT_HASH").size() == 7 + 64);
  CHECK(env.at("TLS_CLIENT_HASH").find_first_of("abcdef", 7) == std::string::npos);
  CHECK(env.at("TLS_CLIENT_NOT_AFTER").size() == 20);  // 2076-12-05T02:00:00Z
  CHECK(env.at("TLS_CLIENT_NOT_AFTER").ends_with('Z'));
  CHECK(env.at("TLS_CLIENT_NOT_BEFORE") < env.at("TLS_CLIENT_NOT_AFTER"));
  CHECK_FALSE(env.at("TLS_CLIENT_SERIAL_NUMBER").empty());
  CHECK(env.at("TLS_CLIENT_SERIAL_NUMBER").find_first_not_of("0123456789") == std::string::npos);
}

TEST_CASE("scgi: requests go to the application as netstring headers") {
  fs::path socket;
  auto site = start_cgi_server("scgi", 5000ms, [&](server_config& c, const fs::path& scratch) {
    socket = scratch / "app.sock";
    c.hosts[0].scgi.push_back({"/app", socket, 2000ms});
    c.hosts[0].scgi.push_back({"/down/", scratch / "nobody.sock", 2000ms});
  });
  auto& srv = *site.srv;
  scgi_app app(socket);
  const auto reply = srv.get(srv.base() + "/app/users/7?sort=name\r\n");
  CHECK(reply.status == 20);
  CHECK(reply.close_notify);
  const auto got = parse_env(reply.body);
  CHECK(got.at("framed") == "yes");
  CHECK(got.at("first") == "CONTENT_LENGTH,SCGI");  // the spec's order
  CHECK(got.at("SCRIPT_NAME") == "/app");
  CHECK(got.at("PATH_INFO") == "/users/7");
  CHECK(got.at("QUERY_STRING") == "sort=name");
  CHECK(got.at("REMOTE_ADDR") == "127.0.0.1");
  CHECK(srv.get(srv.base() + "/app/silent\r\n").status == 42);  // closed without a header
  CHECK(srv.get(srv.base() + "/down/x\r\n").status == 42);      // nothing listening
  CHECK(app.served == 2);
  CHECK(srv.gopher("/app/users/7\r\n").starts_with("3Refused"));
  CHECK(srv.settles_at(0));
}

// Regression: a relative `dir` (as written in a config file, resolved against
// the config's directory, which may itself be relative) ran nothing, since
// the script starts in its own directory.
TEST_CASE("cgi: a script in a relative dir runs") {
  auto site = start_cgi_server("cgi-relative", 5000ms, [](server_config& c, const fs::path& scratch) {
    const fs::path outside = scratch / "relative-bin";
    write_script(outside / "hi", "printf '20 text/plain\\r\\nhi from '\npwd\n");
    c.hosts[0].cgi.push_back({"/rel/", fs::relative(outside, fs::current_path()), 5000ms});
  });
  auto& srv = *site.srv;
  REQUIRE(srv.config->hosts[0].cgi.back().dir.is_relative());
  const auto reply = srv.get(srv.base() + "/rel/hi\r\n");
  CHECK(reply.status == 20);
  CHECK(reply.body == "hi from " + fs::canonical(site.dir / "relative-bin").string() + "\n");
}
