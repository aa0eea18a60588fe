#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "fixture.hpp"

using namespace twinstar;
using twinstar::test::start_test_server;

namespace {

struct status_case {
  const char* name;
  std::string request;  // raw bytes; "{base}" replaced by gemini://localhost:<port>
  int status;
  const char* meta_prefix;  // expected start of meta ("" = don't care)
};

std::string expand(std::string s, const std::string& base) {
  auto at = s.find("{base}");
  if (at != std::string::npos) s.replace(at, 6, base);
  return s;
}

}  // namespace

TEST_CASE("every status the server answers / over real TLS") {
  auto srv = start_test_server("status");
  const std::string port = std::to_string(srv->gemini_port);
  const std::vector<status_case> cases = {
      {"file", "{base}/page.gmi\r\n", 20, "text/gemini"},
      {"index file", "{base}/\r\n", 20, "text/gemini"},
      {"empty path is /", "{base}\r\n", 20, "text/gemini"},
      {"upper-case scheme and host", "GEMINI://LOCALHOST:" + port + "/page.gmi\r\n", 20, "text/gemini"},
      {"port absent", "gemini://localhost/page.gmi\r\n", 20, "text/gemini"},
      {"text file", "{base}/plain.txt\r\n", 20, "text/plain; charset=utf-8"},
      {"generated index", "{base}/listed/\r\n", 20, "text/gemini"},
      {"directory without slash", "{base}/listed\r\n", 31, "{base}/listed/"},
      {"configured permanent redirect", "{base}/old.gmi\r\n", 31, "{base}/page.gmi"},
      {"configured temporary prefix redirect", "{base}/moved/a.txt\r\n", 30, "{base}/listed/a.txt"},
      {"gone", "{base}/removed.gmi\r\n", 52, ""},
      {"missing", "{base}/nope.gmi\r\n", 51, ""},
      {"listing off for a path", "{base}/private/\r\n", 51, ""},
      {"dotfile", "{base}/.hidden\r\n", 51, ""},
      {"symlink leaving the root", "{base}/escape/secret.txt\r\n", 51, ""},
      {"other scheme", "https://localhost:" + port + "/\r\n", 53, ""},
      {"gopher scheme", "gopher://localhost:" + port + "/\r\n", 53, ""},
      {"unknown host", "gemini://elsewhere.example:" + port + "/\r\n", 53, ""},
      {"other port", "gemini://localhost:1/\r\n", 53, ""},
      {"bare LF", "{base}/\n", 59, ""},
      {"BOM", "\xEF\xBB\xBF{base}/\r\n", 59, ""},
      {"userinfo", "gemini://user@localhost:" + port + "/\r\n", 59, ""},
      {"fragment", "{base}/page.gmi#top\r\n", 59, ""},
      {"relative", "/page.gmi\r\n", 59, ""},
      {"scheme-less", "localhost/page.gmi\r\n", 59, ""},
      {"empty line", "\r\n", 59, ""},
      {"junk", "\x01\x02 junk \x7f\r\n", 59, ""},
      {"non-UTF-8", "{base}/\xff\xfe.gmi\r\n", 59, ""},
      {"bad percent-encoding", "{base}/%zz.gmi\r\n", 59, ""},
      {"bytes after CRLF ignored", "{base}/page.gmi\r\ntrailing junk", 20, "text/gemini"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto reply = srv->get(expand(c.request, srv->base()));
    CHECK(reply.status == c.status);
    CHECK(reply.header_well_formed);
    CHECK(reply.meta.rfind(expand(c.meta_prefix, srv->base()), 0) == 0);  // redirects are absolute
    CHECK(reply.close_notify);
    if (c.status != 20) CHECK(reply.body.empty());
    if (c.status == 20) CHECK_FALSE(reply.meta.empty());
  }
}

TEST_CASE("lang and charset on gemtext") {
  auto srv = start_test_server("lang");
  auto reply = srv->get(srv->base() + "/page.gmi\r\n");
  CHECK(reply.meta == "text/gemini; charset=utf-8; lang=en");
  CHECK(reply.body == "# A page\nText.\n");
}

TEST_CASE("1024-byte URI is legal / 1025 is 59") {
  auto srv = start_test_server("length");
  std::string base = srv->base() + "/";
  std::string uri1024 = base + std::string(1024 - base.size(), 'a');
  REQUIRE(uri1024.size() == 1024);
  auto ok = srv->get(uri1024 + "\r\n");
  CHECK(ok.status == 51);  // well-formed, the file just does not exist
  auto too_long = srv->get(uri1024 + "a\r\n");
  CHECK(too_long.status == 59);
  auto huge = srv->get(std::string(5000, 'x'));  // no CRLF at all
  CHECK(huge.status == 59);
}

TEST_CASE("traversal spellings never leave the root") {
  auto srv = start_test_server("traversal");
  const char* paths[] = {
      "/../outside/secret.txt",     "/%2e%2e/outside/secret.txt",     "/%2E%2e/outside/secret.txt",
      "/.%2e/outside/secret.txt",   "/..%2foutside%2fsecret.txt",     "/%2e%2e%2foutside/secret.txt",
      "/..%5coutside%5csecret.txt", "/%252e%252e/outside/secret.txt", "/listed/../../outside/secret.txt",
      "/escape/secret.txt",         "/%00/../outside/secret.txt",     "/..\\outside\\secret.txt"};
  for (const char* p : paths) {
    CAPTURE(p);
    auto reply = srv->get(srv->base() + p + "\r\n");
    CHECK(reply.status / 10 == 5);
    CHECK(reply.body.find("outside the root") == std::string::npos);
  }
}

TEST_CASE("a binary file arrives byte-exact") {
  auto srv = start_test_server("binary");
  auto reply = srv->get(srv->base() + "/blob.bin\r\n");
  CHECK(reply.status == 20);
  CHECK(reply.meta == "application/octet-stream");
  CHECK(reply.body.size() == 300'000);
  CHECK(reply.body == test::binary_blob(300'000));
  CHECK(reply.close_notify);
}

TEST_CASE("SNI picks the certificate and the host") {
  auto srv = start_test_server("sni");
  auto a = srv->get(srv->base() + "/\r\n", "localhost");
  auto b = srv->get(srv->base("example.test") + "/\r\n", "example.test");
  CHECK(a.peer_subject == "localhost");
  CHECK(b.peer_subject == "example.test");
  CHECK(a.peer_fingerprint != b.peer_fingerprint);
  CHECK(b.status == 20);
  CHECK(b.body == "# Other host\n");
  // No SNI (an IP URL): the default host's certificate, and its content.
  auto none = srv->get("gemini://127.0.0.1:" + std::to_string(srv->gemini_port) + "/page.gmi\r\n", "");
  CHECK(none.peer_subject == "localhost");
  CHECK(none.status == 20);
  // An unknown SNI name still completes with the default certificate.
  auto unknown = srv->get(srv->base() + "/\r\n", "unknown.example");
  CHECK(unknown.peer_subject == "localhost");
}

TEST_CASE("TLS 1.2 and 1.3 accepted / 1.0 and 1.1 refused") {
  auto srv = start_test_server("versions");
  struct row {
    int version;
    bool accepted;
  };
  for (auto [version, accepted] : {row{TLS1_VERSION, false}, row{TLS1_1_VERSION, false},
                                   row{TLS1_2_VERSION, true}, row{TLS1_3_VERSION, true}}) {
    CAPTURE(version);
    auto o = srv->opts();
    o.min_tls = version;
    o.max_tls = version;
    auto r = client::probe_tls("127.0.0.1", srv->gemini_port, o);
    CHECK(r.ok() == accepted);
  }
}

TEST_CASE("a client that sends nothing / or half a request / is closed after the timeout") {
  auto srv = start_test_server("timeout");
  for (std::string partial : {"", "gemini://localhost/half"}) {
    CAPTURE(partial);
    auto o = srv->opts();
    o.timeout = std::chrono::seconds(20);  // far above the server's 1.5 s
    auto r = client::send_gemini("127.0.0.1", srv->gemini_port, partial, o);
    // The server closed the connection (we did not time out ourselves).
    REQUIRE(r.ok());
    CHECK(r->status == 0);
    CHECK(r->elapsed < std::chrono::seconds(15));
  }
  // And the server still serves.
  CHECK(srv->get(srv->base() + "/\r\n").status == 20);
}

TEST_CASE("many concurrent clients are all served") {
  auto srv = start_test_server("concurrency");
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&] {
      auto r = client::send_gemini("127.0.0.1", srv->gemini_port, srv->base() + "/page.gmi\r\n", srv->opts());
      if (r && r->status == 20 && r->body == "# A page\nText.\n") ++ok;
    });
  for (auto& t : threads) t.join();
  CHECK(ok == 20);
}

TEST_CASE("one access log line per request") {
  auto srv = start_test_server("log");
  srv->get(srv->base() + "/page.gmi\r\n");
  srv->get(srv->base() + "/nope\r\n");
  auto path = srv->dir / "access.log";
  srv->srv->stop();
  srv->thread.join();
  srv->srv.reset();
  auto log = test::read_file(path);
  CHECK(log.find(" gemini localhost /page.gmi 20 ") != std::string::npos);
  CHECK(log.find(" gemini localhost /nope 51 ") != std::string::npos);
  CHECK(std::count(log.begin(), log.end(), '\n') == 2);
}
