#include "twinstar/cgi.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

using namespace twinstar;
using namespace std::string_literals;

namespace {

host_config dynamic_host() {
  host_config host;
  host.name = "example.test";
  host.root = "/srv/root";
  host.cgi.push_back({"/cgi-bin/", "/srv/cgi", std::chrono::milliseconds(5000)});
  host.cgi.push_back({"/cgi-bin/deep/", "/srv/deep", std::chrono::milliseconds(5000)});
  host.scgi.push_back({"/app", "/run/app.sock", std::chrono::milliseconds(5000)});
  host.scgi.push_back({"/wiki/", "/run/wiki.sock", std::chrono::milliseconds(5000)});
  return host;
}

std::string value_of(const cgi::environment& env, const std::string& key) {
  for (const auto& [k, v] : env)
    if (k == key) return v;
  return "<unset>";
}

}  // namespace

TEST_CASE("cgi: match picks the longest dynamic path") {
  const host_config host = dynamic_host();
  struct row {
    const char* path;
    const char* expected;  // rule path, or "" for none
  };
  const row rows[] = {
      {"/cgi-bin/hello", "/cgi-bin/"},
      {"/cgi-bin/", "/cgi-bin/"},
      {"/cgi-bin", ""},  // the static side redirects it to the directory
      {"/cgi-bin/deep/x", "/cgi-bin/deep/"},
      {"/app", "/app"},
      {"/app/", "/app"},
      {"/app/users/1", "/app"},
      {"/apple", ""},
      {"/wiki/Page", "/wiki/"},
      {"/wiki", ""},
      {"/index.gmi", ""},
      {"/", ""},
  };
  for (const auto& r : rows) {
    CAPTURE(r.path);
    const auto m = cgi::match(host, r.path);
    if (*r.expected == '\0') {
      CHECK_FALSE(m);
      continue;
    }
    REQUIRE(m);
    const std::string got = m->cgi ? m->cgi->path : m->scgi->path;
    CHECK(got == r.expected);
    CHECK((m->cgi == nullptr) != (m->scgi == nullptr));
  }
}

TEST_CASE("cgi: locate_script splits SCRIPT_NAME and PATH_INFO at the shortest script") {
  const cgi_rule rule{"/cgi-bin/", "/srv/cgi", std::chrono::milliseconds(5000)};
  const std::set<std::string> scripts{"/srv/cgi/hello", "/srv/cgi/sub/run", "/srv/cgi/a/b"};
  const auto is_script = [&](const std::filesystem::path& p) { return scripts.count(p.string()) > 0; };
  struct row {
    const char* path;
    const char* file;  // "" = none
    const char* script_name;
    const char* path_info;
  };
  const row rows[] = {
      {"/cgi-bin/hello", "/srv/cgi/hello", "/cgi-bin/hello", ""},
      {"/cgi-bin/hello/", "/srv/cgi/hello", "/cgi-bin/hello", "/"},
      {"/cgi-bin/hello/x/y", "/srv/cgi/hello", "/cgi-bin/hello", "/x/y"},
      {"/cgi-bin/sub/run/more", "/srv/cgi/sub/run", "/cgi-bin/sub/run", "/more"},
      {"/cgi-bin/a/b/c", "/srv/cgi/a/b", "/cgi-bin/a/b", "/c"},
      {"/cgi-bin/", "", "", ""},         // the directory itself: no script
      {"/cgi-bin/missing", "", "", ""},  // 51
      {"/cgi-bin/sub/", "", "", ""},
      {"/cgi-bin/.hidden", "", "", ""},
      {"/cgi-bin//hello", "", "", ""},
      {"/elsewhere/hello", "", "", ""},
  };
  for (const auto& r : rows) {
    CAPTURE(r.path);
    const auto where = cgi::locate_script(rule, r.path, is_script);
    if (*r.file == '\0') {
      CHECK_FALSE(where);
      continue;
    }
    REQUIRE(where);
    CHECK(where->file.string() == r.file);
    CHECK(where->script_name == r.script_name);
    CHECK(where->path_info == r.path_info);
  }
}

TEST_CASE("cgi: build_environment sets Jetforce's variables") {
  cgi::request_info r;
  r.url = "gemini://example.test:1965/cgi-bin/hello/x?a%20b";
  r.server_name = "example.test";
  r.server_port = 1965;
  r.remote_addr = "192.0.2.7";
  r.query = "a%20b";
  r.script_name = "/cgi-bin/hello";
  r.path_info = "/x";
  r.script_filename = "/srv/cgi/hello";
  r.tls_version = "TLSv1.3";
  r.tls_cipher = "TLS_AES_256_GCM_SHA384";
  const auto env = cgi::build_environment(r, "twinstar/0.1.0");
  const std::pair<const char*, const char*> expected[] = {
      {"GATEWAY_INTERFACE", "CGI/1.1"},
      {"SERVER_PROTOCOL", "GEMINI"},
      {"SERVER_SOFTWARE", "twinstar/0.1.0"},
      {"SERVER_NAME", "example.test"},
      {"SERVER_PORT", "1965"},
      {"REMOTE_ADDR", "192.0.2.7"},
      {"REMOTE_HOST", "192.0.2.7"},
      {"QUERY_STRING", "a%20b"},
      {"PATH_INFO", "/x"},
      {"SCRIPT_NAME", "/cgi-bin/hello"},
      {"SCRIPT_FILENAME", "/srv/cgi/hello"},
      {"GEMINI_URL", "gemini://example.test:1965/cgi-bin/hello/x?a%20b"},
      {"HOSTNAME", "example.test"},
      {"TLS_VERSION", "TLSv1.3"},
      {"TLS_CIPHER", "TLS_AES_256_GCM_SHA384"},
      {"AUTH_TYPE", "<unset>"},
      {"REMOTE_USER", "<unset>"},
      {"TLS_CLIENT_HASH", "<unset>"},
  };
  for (const auto& [key, value] : expected) {
    CAPTURE(key);
    CHECK(value_of(env, key) == value);
  }
  std::set<std::string> keys;
  for (const auto& [k, v] : env) CHECK(keys.insert(k).second);  // each once

  r.certificate = cgi::client_certificate_info{"alice", "SHA256:" + std::string(62, '0') + "ff",
                                               "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "12345"};
  const auto with_cert = cgi::build_environment(r, "twinstar/0.1.0");
  CHECK(value_of(with_cert, "AUTH_TYPE") == "CERTIFICATE");
  CHECK(value_of(with_cert, "REMOTE_USER") == "alice");
  CHECK(value_of(with_cert, "TLS_CLIENT_HASH") == "SHA256:" + std::string(62, '0') + "FF");
  CHECK(value_of(with_cert, "TLS_CLIENT_NOT_BEFORE") == "2026-01-01T00:00:00Z");
  CHECK(value_of(with_cert, "TLS_CLIENT_NOT_AFTER") == "2027-01-01T00:00:00Z");
  CHECK(value_of(with_cert, "TLS_CLIENT_SERIAL_NUMBER") == "12345");
  CHECK(cgi::environment_strings(with_cert).front() == "GATEWAY_INTERFACE=CGI/1.1");
}

TEST_CASE("cgi: Jetforce's certificate hashes") {
  struct row {
    std::string fingerprint, hash, b64;
  };
  const row rows[] = {
      {"SHA256:00ff10ab", "SHA256:00FF10AB", "AP8Qqw=="},
      {"SHA256:616263", "SHA256:616263", "YWJj"},
      {"SHA256:fbff", "SHA256:FBFF", "-_8="},  // URL-safe alphabet
      {"SHA256:", "SHA256:", ""},
  };
  for (const auto& r : rows) {
    CAPTURE(r.fingerprint);
    CHECK(cgi::jetforce_hash(r.fingerprint) == r.hash);
    CHECK(cgi::jetforce_hash_b64(r.fingerprint) == r.b64);
  }
}

TEST_CASE("cgi: parse_header takes a Gemini header and refuses the rest") {
  using cgi::header_state;
  struct row {
    std::string received;
    bool eof;
    header_state state;
    int status;
    const char* meta;
    std::size_t consumed;
  };
  const std::string long_meta(1024, 'm');
  const row rows[] = {
      {"20 text/gemini\r\nbody", false, header_state::complete, 20, "text/gemini", 16},
      {"20 text/plain\nbody", false, header_state::complete, 20, "text/plain", 14},  // bare LF taken
      {"51 Not here\r\n", true, header_state::complete, 51, "Not here", 13},
      {"30 /elsewhere\r\n", false, header_state::complete, 30, "/elsewhere", 15},
      {"20\r\n", false, header_state::complete, 20, "", 4},
      {"20 " + long_meta + "\r\n", false, header_state::complete, 20, long_meta.c_str(), 1029},
      {"20 text/gem", false, header_state::need_more, 0, "", 0},
      {"", false, header_state::need_more, 0, "", 0},
      {"", true, header_state::bad, 0, "", 0},                // no output at all
      {"hello world", true, header_state::bad, 0, "", 0},     // no header line
      {"20 text/gemini", true, header_state::bad, 0, "", 0},  // ends before its LF
      {"Hello\r\n", false, header_state::bad, 0, "", 0},      // not a status
      {"2 x\r\n", false, header_state::bad, 0, "", 0},
      {"70 x\r\n", false, header_state::bad, 0, "", 0},
      {"09 x\r\n", false, header_state::bad, 0, "", 0},
      {"200 OK\r\n", false, header_state::bad, 0, "", 0},  // HTTP habits
      {"20\ttext/gemini\r\n", false, header_state::bad, 0, "", 0},
      {"20 a\x01z\r\n", false, header_state::bad, 0, "", 0},
      {"20 " + long_meta + "m\r\n", false, header_state::bad, 0, "", 0},
      {std::string(2 << 20, 'x'), false, header_state::bad, 0, "", 0},  // a 2 MB header
      {std::string(cgi::max_header_bytes, 'x'), false, header_state::bad, 0, "", 0},
  };
  for (const auto& r : rows) {
    CAPTURE(r.received.substr(0, 40));
    const auto h = cgi::parse_header(r.received, r.eof);
    CHECK(h.state == r.state);
    if (r.state == header_state::complete) {
      CHECK(h.status == r.status);
      CHECK(h.meta == r.meta);
      CHECK(h.consumed == r.consumed);
    }
    if (r.state == header_state::bad) CHECK_FALSE(h.problem.empty());
  }
}

TEST_CASE("cgi: SCGI netstrings follow the spec") {
  CHECK(cgi::netstring("") == "0:,");
  CHECK(cgi::netstring("hello world!") == "12:hello world!,");
  // The spec's own example, shortened: CONTENT_LENGTH first, then SCGI.
  const cgi::environment env{{"REQUEST_METHOD", "GET"}, {"CONTENT_LENGTH", "99"}, {"SCGI", "2"}};
  const std::string headers =
      "CONTENT_LENGTH\0"s
      "0\0"s
      "SCGI\0"s
      "1\0"s
      "REQUEST_METHOD\0"s
      "GET\0"s;
  CHECK(cgi::scgi_request(env) == std::to_string(headers.size()) + ":" + headers + ",");
}
