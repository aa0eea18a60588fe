// Titan uploads end to end: a real server on loopback with a /news/ feed
// that accepts uploads ([[host.titan]]), talked to with the project's own
// client and client certificates generated for the test.
#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "../atom_check.hpp"
#include "fixture.hpp"

using namespace twinstar;
namespace fs = std::filesystem;

namespace {

const std::string article = "# Hello from Lagrange\n\nPublished with Titan.\n";

struct titan_server {
  fs::path certs;  // the clients' certificates
  std::unique_ptr<test::running_server> srv;

  fs::path news() const { return srv->dir / "root" / "news"; }

  client::options as(const std::string& who) const {
    auto o = srv->opts();
    if (!who.empty()) {
      o.cert_file = certs / (who + ".crt");
      o.key_file = certs / (who + ".key");
    }
    return o;
  }
  std::string url(const std::string& path) const {
    return "titan://localhost:" + std::to_string(srv->gemini_port) + path;
  }
  client::gemini_reply put(const std::string& path, const std::string& body,
                           const std::string& who = "editor", const std::string& token = {},
                           const std::string& mime = {}) const {
    auto r = client::upload_titan(url(path), body, mime, token, as(who));
    if (!r) throw std::runtime_error("upload failed: " + r.error());
    return *r;
  }
  // Dot files the server left in news/ (its temporary files are ".titan-*").
  std::vector<std::string> leftovers() const {
    std::vector<std::string> found;
    for (const auto& e : fs::recursive_directory_iterator(srv->dir / "root"))
      if (e.path().filename().string().starts_with(".titan-")) found.push_back(e.path().string());
    return found;
  }
};

std::string fingerprint_of(const fs::path& cert) {
  FILE* f = std::fopen(cert.c_str(), "r");
  if (!f) throw std::runtime_error("cannot open " + cert.string());
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  std::string print = tls::fingerprint(x);
  X509_free(x);
  return print;
}

titan_server start_titan_server(const std::string& tag) {
  titan_server t;
  t.certs = test::fresh_temp_dir(tag + "-clients");
  for (const char* who : {"editor", "stranger"})
    if (auto made = tls::generate_self_signed(t.certs / (std::string(who) + ".crt"),
                                              t.certs / (std::string(who) + ".key"), {who});
        !made)
      throw std::runtime_error(made.error());
  const std::string editor = fingerprint_of(t.certs / "editor.crt");
  t.srv = test::start_one_host_server(tag,
                                      {{"index.gmi", "# Home\n\n{{latest /news/ 2}}\n"},
                                       {"news/2025-08-30-older.gmi", "# An older story\n\nText.\n"},
                                       {"news/drafts/.keep", ""},
                                       {"page.gmi", "# Not writable\n"}},
                                      [&](server_config& c) {
                                        c.request_timeout = std::chrono::milliseconds(1000);
                                        auto& h = c.hosts[0];
                                        h.feeds = {{"/news/", "News"}};
                                        titan_rule news;
                                        news.prefix = "/news/";
                                        news.allowed = {editor};
                                        news.max_size = 4096;
                                        titan_rule drafts;
                                        drafts.prefix = "/news/drafts/";
                                        drafts.allowed = {editor};
                                        drafts.token = "s3cret";
                                        drafts.allow_delete = true;
                                        h.titan = {news, drafts};
                                      });
  return t;
}

std::vector<std::string> atom_titles(const test::running_server& srv) {
  auto atom =
      test::check_atom(srv.get(srv.base() + "/news/atom.xml\r\n").body, TWINSTAR_TEST_DATA "/atom/atom.rng");
  std::vector<std::string> titles;
  for (const auto& e : atom.entries) titles.push_back(e.title);
  return titles;
}

}  // namespace

TEST_CASE(
    "titan: an upload publishes an article at once in the news index and Atom feed over Gemini and Gopher") {
  auto t = start_titan_server("titan-publish");
  auto& srv = *t.srv;
  // Everything cached before the upload.
  REQUIRE(srv.get(srv.base() + "/news/\r\n").status == 20);
  REQUIRE(atom_titles(srv).size() == 1);
  REQUIRE(srv.gopher("/news/\r\n").find("Hello") == std::string::npos);

  auto r = t.put("/news/2026-12-05-hello.gmi", article);
  CHECK(r.status == 30);
  CHECK(r.meta == srv.base() + "/news/2026-12-05-hello.gmi");
  CHECK(test::read_file(t.news() / "2026-12-05-hello.gmi") == article);
  CHECK(fs::status(t.news() / "2026-12-05-hello.gmi").permissions() ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read));
  CHECK(t.leftovers().empty());

  auto page = srv.get(r.meta + "\r\n");
  CHECK(page.status == 20);
  CHECK(page.body == article);
  CHECK(srv.get(srv.base() + "/news/\r\n")
            .body.find("=> 2026-12-05-hello.gmi 2026-12-05 Hello from Lagrange") != std::string::npos);
  CHECK(atom_titles(srv) == std::vector<std::string>{"Hello from Lagrange", "An older story"});
  CHECK(srv.get(srv.base() + "/\r\n").body.find("=> /news/2026-12-05-hello.gmi") != std::string::npos);
  CHECK(srv.gopher("/news/\r\n").find("Hello from Lagrange\t/news/2026-12-05-hello.gmi\t") !=
        std::string::npos);
  CHECK(srv.gopher("/news/atom.xml\r\n").find("Hello from Lagrange") != std::string::npos);
}

TEST_CASE("titan: an edit replaces the article atomically and shows at once") {
  auto t = start_titan_server("titan-edit");
  auto& srv = *t.srv;
  REQUIRE(t.put("/news/2026-12-05-hello.gmi", article).status == 30);
  REQUIRE(atom_titles(srv).front() == "Hello from Lagrange");
  for (int i = 0; i < 5; ++i) {  // several edits within one tick of the directory's mtime
    CAPTURE(i);
    const std::string edited = "# Edited " + std::to_string(i) + "\n\nNew words.\n";
    REQUIRE(t.put("/news/2026-12-05-hello.gmi", edited, "editor", {}, "text/plain").status == 30);
    CHECK(srv.get(srv.base() + "/news/2026-12-05-hello.gmi\r\n").body == edited);
    CHECK(atom_titles(srv).front() == "Edited " + std::to_string(i));
    CHECK(srv.gopher("/news/\r\n").find("Edited " + std::to_string(i)) != std::string::npos);
  }
  CHECK(t.leftovers().empty());
}

TEST_CASE("titan: refusals answer with their status and write nothing") {
  auto t = start_titan_server("titan-refuse");
  auto& srv = *t.srv;
  struct row {
    std::string path;
    std::string body;
    std::string who;
    std::string token;
    std::string mime;
    int status;
  };
  const std::string big(4097, 'x');
  const std::vector<row> rows = {
      {"/news/a.gmi", article, "", "", "", 60},          // no certificate
      {"/news/a.gmi", article, "stranger", "", "", 61},  // wrong fingerprint
      {"/page.gmi", article, "editor", "", "", 61},      // no rule covers it
      {"/news/a.gmi", big, "editor", "", "", 50},        // over max_size
      {"/news/a.gmi", article, "editor", "", "image/png", 50},
      {"/news/../page.gmi", article, "editor", "", "", 51},  // traversal
      {"/news/%2e%2e/page.gmi", article, "editor", "", "", 51},
      {"/news/.hidden", article, "editor", "", "", 51},
      {"/news/nowhere/a.gmi", article, "editor", "", "", 51},  // directories are not created
      {"/news/drafts/d.gmi", article, "editor", "", "", 61},   // token missing
      {"/news/drafts/d.gmi", article, "editor", "wrong", "", 61},
      {"/news/", article, "editor", "", "", 59},  // a directory
  };
  for (const auto& r : rows) {
    CAPTURE(r.path);
    CAPTURE(r.who);
    CAPTURE(r.status);
    auto reply = t.put(r.path, r.body, r.who, r.token, r.mime);
    CHECK(reply.status == r.status);
  }
  CHECK_FALSE(fs::exists(t.news() / "a.gmi"));
  CHECK_FALSE(fs::exists(t.news() / "drafts" / "d.gmi"));
  CHECK_FALSE(fs::exists(t.news() / ".hidden"));
  CHECK(test::read_file(srv.dir / "root" / "page.gmi") == "# Not writable\n");
  CHECK(t.leftovers().empty());
  // A titan:// request for another host is 53, as for Gemini.
  auto elsewhere = t.as("editor");
  elsewhere.connect_host = "127.0.0.1";
  elsewhere.connect_port = srv.gemini_port;
  auto other = client::upload_titan("titan://elsewhere.test/news/a.gmi", article, "", "", elsewhere);
  REQUIRE(other.ok());
  CHECK(other->status == 53);
}

TEST_CASE("titan: an upload that stops short times out and leaves no file behind") {
  auto t = start_titan_server("titan-short");
  auto& srv = *t.srv;
  // 20 bytes of the 200 announced, then the client waits for an answer.
  const std::string request = t.url("/news/short.gmi") + ";size=200\r\n" + std::string(20, 'x');
  auto r = client::send_gemini("127.0.0.1", srv.gemini_port, request, t.as("editor"));
  if (r) CHECK(r->status == 0);  // closed without an answer
  // The session removes its temporary file as it ends, after the close the
  // client saw: wait for it to end.
  REQUIRE(srv.settles_at(0));
  CHECK_FALSE(fs::exists(t.news() / "short.gmi"));
  CHECK(t.leftovers().empty());
  // More bytes than announced in the first read: refused before writing.
  const std::string extra = t.url("/news/extra.gmi") + ";size=3\r\n" + "abcdef";
  auto e = client::send_gemini("127.0.0.1", srv.gemini_port, extra, t.as("editor"));
  REQUIRE(e.ok());
  CHECK(e->status == 59);
  CHECK_FALSE(fs::exists(t.news() / "extra.gmi"));
  CHECK(t.leftovers().empty());
}

TEST_CASE("titan: size 0 deletes where allow_delete is set and only there") {
  auto t = start_titan_server("titan-delete");
  auto& srv = *t.srv;
  REQUIRE(t.put("/news/drafts/d.gmi", article, "editor", "s3cret").status == 30);
  REQUIRE(srv.get(srv.base() + "/news/drafts/d.gmi\r\n").status == 20);
  // /news/ does not allow deleting.
  CHECK(t.put("/news/2025-08-30-older.gmi", "").status == 50);
  CHECK(fs::exists(t.news() / "2025-08-30-older.gmi"));
  CHECK(t.put("/news/drafts/d.gmi", "", "stranger", "s3cret").status == 61);
  CHECK(fs::exists(t.news() / "drafts" / "d.gmi"));
  auto gone = t.put("/news/drafts/d.gmi", "", "editor", "s3cret");
  CHECK(gone.status == 30);
  CHECK(gone.meta == srv.base() + "/news/drafts/");
  CHECK_FALSE(fs::exists(t.news() / "drafts" / "d.gmi"));
  CHECK(srv.get(srv.base() + "/news/drafts/d.gmi\r\n").status == 51);
  CHECK(t.put("/news/drafts/d.gmi", "", "editor", "s3cret").status == 51);  // nothing left to delete
}

TEST_CASE("titan: twinstar put uploads a file and prints the gemini URL") {
  auto t = start_titan_server("titan-cli");
  auto& srv = *t.srv;
  const fs::path file = t.certs / "post.gmi";
  test::write_file(file, article);
  const std::string cmd = std::string(TWINSTAR_BINARY) + " put --insecure --cert " +
                          (t.certs / "editor.crt").string() + " --key " + (t.certs / "editor.key").string() +
                          " --connect 127.0.0.1:" + std::to_string(srv.gemini_port) + " " + file.string() +
                          " " + t.url("/news/2026-12-05-cli.gmi") + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[512];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  CAPTURE(out);
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(out == srv.base() + "/news/2026-12-05-cli.gmi\n");
  CHECK(test::read_file(t.news() / "2026-12-05-cli.gmi") == article);
}
