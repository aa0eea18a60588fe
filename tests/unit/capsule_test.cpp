#include "twinstar/capsule.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

using namespace twinstar;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& file, std::string_view content) {
  std::ofstream out(file, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path fresh_temp_dir(std::string_view tag) {
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  auto dir = fs::temp_directory_path() / ("twinstar-" + std::string(tag) + "-" + std::to_string(::getpid()) +
                                          "-" + std::to_string(stamp));
  fs::create_directories(dir);
  return fs::canonical(dir);
}

const std::string png_bytes("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);

// A capsule built at run time (symlinks, a FIFO and modes do not survive
// version control well). Removed, with everything in it, at the end.
//
// We run as root, and root can open a chmod-000 file, so the unreadable case
// only runs for other users (see "unreadable files"); the fixture instead
// covers what root cannot read either: a dangling symlink and a FIFO.
struct capsule_fixture {
  fs::path base = fresh_temp_dir("capsule");
  fs::path root = base / "root";
  fs::path outside = base / "outside";
  server_config config;

  capsule_fixture() {
    fs::create_directories(root / "sub" / "nested");
    fs::create_directories(root / "docs");
    fs::create_directories(root / "private");
    fs::create_directories(root / "archive.zip");  // a directory named like a file
    fs::create_directories(root / "caf\xc3\xa9");
    fs::create_directories(root / ".hidden-dir");
    fs::create_directories(root / "certs");
    fs::create_directories(outside);

    write_file(root / "index.gmi", "# Welcome\n\n=> about.gmi About\n");
    write_file(root / "about.gmi", "Intro text first.\n```\n# not this\n```\n## About this capsule\n");
    write_file(root / "with space.gmi", "# Spaces\n");
    write_file(root / "notes.txt", "plain notes\n");
    write_file(root / "Zebra.txt", "sorted before lower case\n");
    write_file(root / "image.png", png_bytes);
    write_file(root / ".secret", "dotfile\n");
    write_file(root / ".hidden-dir" / "file.gmi", "# Hidden\n");
    write_file(root / "cert.pem", "CERT\n");
    write_file(root / "key.pem", "KEY\n");
    write_file(root / "certs" / "other.pem", "OTHER KEY\n");
    write_file(root / "sub" / "a.gmi", "# Alpha\n");
    write_file(root / "sub" / "b.gmi", "no heading\n");
    write_file(root / "sub" / "z.txt", "z\n");
    write_file(root / "sub" / ".dot", "dot\n");
    write_file(root / "docs" / "index.gmi", "# Docs\n");
    write_file(root / "private" / "x.txt", "x\n");
    write_file(outside / "secret.txt", "outside the root\n");

    fs::create_symlink("notes.txt", root / "link-inside");
    fs::create_directory_symlink("sub", root / "link-dir");
    fs::create_symlink(outside / "secret.txt", root / "link-outside");
    fs::create_symlink("../outside/secret.txt", root / "link-outside-relative");
    fs::create_directory_symlink(outside, root / "link-outside-dir");
    fs::create_symlink(".secret", root / "link-dotfile");
    fs::create_symlink("missing-target", root / "dangling");
    fs::create_symlink(outside / "secret.txt", root / "sub" / "escape.gmi");
    REQUIRE(::mkfifo((root / "pipe").c_str(), 0644) == 0);

    host_config host;
    host.name = "example.org";
    host.root = root;
    host.cert = root / "cert.pem";
    host.key = root / "key.pem";
    host.paths = {{"/private/", false}};
    config.hosts = {host};
    config.cert_dir = root / "certs";
  }
  ~capsule_fixture() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  capsule_fixture(const capsule_fixture&) = delete;
  capsule_fixture& operator=(const capsule_fixture&) = delete;

  const host_config& host() const { return config.hosts.front(); }

  resolution resolve(const char* raw_path) const {
    const router r(config);
    auto routed = r.resolve_path(host(), raw_path);
    const auto* path = std::get_if<route_path>(&routed);
    REQUIRE_MESSAGE(path != nullptr, raw_path);
    return resolve_on_disk(*path, config.cert_dir);
  }
};

std::string golden(const char* name) { return read_file(fs::path(TWINSTAR_TEST_DATA) / "golden" / name); }

}  // namespace

TEST_CASE("resolve_on_disk: files served") {
  const capsule_fixture fx;
  struct file_case {
    const char* request;
    fs::path file;
    const char* mime;
  };
  const file_case cases[] = {
      {"/", fx.root / "index.gmi", "text/gemini"},
      {"/index.gmi", fx.root / "index.gmi", "text/gemini"},
      {"/about.gmi", fx.root / "about.gmi", "text/gemini"},
      {"/with%20space.gmi", fx.root / "with space.gmi", "text/gemini"},
      {"/notes.txt", fx.root / "notes.txt", "text/plain"},
      {"/image.png", fx.root / "image.png", "image/png"},
      {"/docs/", fx.root / "docs" / "index.gmi", "text/gemini"},
      {"/private/x.txt", fx.root / "private" / "x.txt", "text/plain"},
      {"/sub/./a.gmi", fx.root / "sub" / "a.gmi", "text/gemini"},
      // A symlink inside the root is followed; the type follows the requested name.
      {"/link-inside", fx.root / "notes.txt", "application/octet-stream"},
      {"/link-dir/a.gmi", fx.root / "sub" / "a.gmi", "text/gemini"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.request);
    const auto result = fx.resolve(c.request);
    const auto* file = std::get_if<serve_file>(&result);
    REQUIRE(file != nullptr);
    CHECK(file->file == c.file);
    CHECK(file->mime == c.mime);
    CHECK(file->size == fs::file_size(c.file));
  }
}

TEST_CASE("resolve_on_disk: directories without slash redirect to the slash form") {
  const capsule_fixture fx;
  struct redirect_case {
    const char* request;
    const char* target;
  };
  const redirect_case cases[] = {
      {"/sub", "/sub/"},
      {"/sub/nested", "/sub/nested/"},
      {"/docs", "/docs/"},
      {"/archive.zip", "/archive.zip/"},
      {"/caf%C3%A9", "/caf%C3%A9/"},
      {"/link-dir", "/link-dir/"},
      {"/private", "/private/"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.request);
    const auto result = fx.resolve(c.request);
    const auto* redirect = std::get_if<route_redirect>(&result);
    REQUIRE(redirect != nullptr);
    CHECK(redirect->code == gemini::status::redirect_permanent);
    CHECK(redirect->target == c.target);
  }
}

TEST_CASE("resolve_on_disk: refused and missing paths") {
  const capsule_fixture fx;
  struct error_case {
    const char* request;
    errc expected;
  };
  const error_case cases[] = {
      {"/.secret", errc::forbidden_path},
      {"/.hidden-dir/", errc::forbidden_path},
      {"/.hidden-dir/file.gmi", errc::forbidden_path},
      {"/sub/.dot", errc::forbidden_path},
      {"/.missing", errc::forbidden_path},
      {"/link-outside", errc::forbidden_path},
      {"/link-outside-relative", errc::forbidden_path},
      {"/link-outside-dir/", errc::forbidden_path},
      {"/link-outside-dir/secret.txt", errc::forbidden_path},
      {"/sub/escape.gmi", errc::forbidden_path},
      {"/link-dotfile", errc::forbidden_path},
      {"/cert.pem", errc::forbidden_path},
      {"/key.pem", errc::forbidden_path},
      {"/certs/", errc::forbidden_path},
      {"/certs/other.pem", errc::forbidden_path},
      {"/missing.gmi", errc::not_found},
      {"/sub/missing/", errc::not_found},
      {"/dangling", errc::not_found},
      {"/pipe", errc::not_found},
      {"/notes.txt/", errc::not_found},
      {"/notes.txt/x", errc::not_found},
      {"/index.gmi/", errc::not_found},
      {"/private/", errc::listing_disabled},
  };
  for (const auto& c : cases) {
    CAPTURE(c.request);
    const auto result = fx.resolve(c.request);
    const auto* e = std::get_if<error>(&result);
    REQUIRE(e != nullptr);
    CAPTURE(e->detail);
    CHECK(e->code == c.expected);
    CHECK(to_gemini(*e).code == gemini::status::not_found);
  }
}

TEST_CASE("resolve_on_disk: generated index pages") {
  const capsule_fixture fx;
  struct listing_case {
    const char* request;
    fs::path directory;
    const char* golden_file;
  };
  const listing_case cases[] = {
      {"/sub/", fx.root / "sub", "index_sub.gmi"},
      {"/link-dir/", fx.root / "sub", "index_link_dir.gmi"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.request);
    const auto result = fx.resolve(c.request);
    const auto* page = std::get_if<serve_generated>(&result);
    REQUIRE(page != nullptr);
    CHECK(page->mime == "text/gemini");
    CHECK(page->directory == c.directory);
    CHECK(page->text() == golden(c.golden_file));
  }

  // Host-wide listing off: the index file still wins, bare directories are 51.
  auto closed = fx.config;
  closed.hosts[0].listing = false;
  closed.hosts[0].paths = {{"/sub/nested/", true}};
  const router r(closed);
  for (const char* request : {"/sub/", "/sub/nested/"}) {
    CAPTURE(request);
    auto routed = r.resolve_path(closed.hosts[0], request);
    const auto result = resolve_on_disk(std::get<route_path>(routed), closed.cert_dir);
    if (std::string_view(request) == "/sub/") {
      REQUIRE(std::holds_alternative<error>(result));
      CHECK(std::get<error>(result).code == errc::listing_disabled);
    } else {
      CHECK(std::holds_alternative<serve_generated>(result));
    }
  }
}

TEST_CASE("resolve_on_disk: index_files order and unsafe index files") {
  capsule_fixture fx;
  fs::create_symlink(fx.outside / "secret.txt", fx.root / "sub" / "home.gmi");
  write_file(fx.root / "docs" / "start.gmi", "# Start\n");
  fx.config.hosts[0].index_files = {"home.gmi", "start.gmi", "index.gmi"};

  const auto docs = fx.resolve("/docs/");
  REQUIRE(std::holds_alternative<serve_file>(docs));
  CHECK(std::get<serve_file>(docs).file == fx.root / "docs" / "start.gmi");

  // home.gmi leaves the root: skipped, so the directory is listed instead.
  const auto sub = fx.resolve("/sub/");
  CHECK(std::holds_alternative<serve_generated>(sub));
}

TEST_CASE("generate_index: golden pages") {
  const capsule_fixture fx;
  CHECK(generate_index(fx.root, "/", fx.host(), fx.config.cert_dir) == golden("index_root.gmi"));
  CHECK(generate_index(fx.root / "sub", "/sub/", fx.host()) == golden("index_sub.gmi"));
  // Without cert_dir the certs directory is listed (its files are still refused).
  const auto page = generate_index(fx.root, "/", fx.host());
  CHECK(page.find("=> certs/ certs/\n") != std::string::npos);
  // A name with a line break cannot start a new gemtext line.
  write_file(fx.root / "sub" / "evil\n=> gemini:evil.test", "x");
  const auto evil = generate_index(fx.root / "sub", "/sub/", fx.host());
  CAPTURE(evil);
  CHECK(evil.find("\n=> gemini:evil.test") == std::string::npos);
  CHECK(evil.find("\n=> evil%0A%3D%3E%20gemini%3Aevil.test evil?=> gemini:evil.test\n") != std::string::npos);
}

TEST_CASE("resolve_on_disk: unreadable files") {
  if (::geteuid() == 0) {
    MESSAGE("running as root, which reads chmod-000 files: skipped");
    return;
  }
  const capsule_fixture fx;
  write_file(fx.root / "locked.txt", "locked\n");
  fs::permissions(fx.root / "locked.txt", fs::perms::none);
  const auto result = fx.resolve("/locked.txt");
  REQUIRE(std::holds_alternative<error>(result));
  CHECK(std::get<error>(result).code == errc::unreadable);
}

TEST_CASE("resolve_on_disk: missing root is an internal error") {
  host_config host;
  host.root = "/nonexistent/twinstar/root";
  const route_path path{&host, {}, "/"};
  const auto result = resolve_on_disk(path);
  REQUIRE(std::holds_alternative<error>(result));
  CHECK(std::get<error>(result).code == errc::internal);
}

TEST_CASE("listing_allowed: longest matching rule wins") {
  host_config host;
  host.listing = true;
  host.paths = {
      {"/private/", false},
      {"/private/open/", true},
      {"/noted", false},
      {"/plain/", std::nullopt},  // no listing setting: ignored
  };
  struct listing_case {
    const char* url_path;
    bool allowed;
  };
  const listing_case cases[] = {
      {"/", true},
      {"/public/", true},
      {"/private/", false},
      {"/private/deep/", false},
      {"/private/open/", true},
      {"/private/open/deeper/", true},
      {"/privateer/", true},
      {"/noted/", false},
      {"/noted", false},
      {"/notedx/", true},
      {"/plain/", true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.url_path);
    CHECK(listing_allowed(host, c.url_path) == c.allowed);
  }
  host.listing = false;
  CHECK_FALSE(listing_allowed(host, "/plain/"));
  CHECK(listing_allowed(host, "/private/open/"));
}

TEST_CASE("inside_root: component-wise") {
  struct inside_case {
    const char* root;
    const char* candidate;
    bool inside;
  };
  const inside_case cases[] = {
      {"/srv/root", "/srv/root", true},
      {"/srv/root", "/srv/root/", true},
      {"/srv/root/", "/srv/root", true},
      {"/srv/root", "/srv/root/a/b", true},
      {"/srv/root", "/srv/rootkit", false},
      {"/srv/root", "/srv/roo", false},
      {"/srv/root", "/srv", false},
      {"/srv/root", "/srv/root/../other", false},
      {"/srv/root", "/srv/root/a/../b", true},
      {"/srv/root", "/etc/passwd", false},
      {"/", "/anything", true},
      {"srv/root", "srv/root/a", false},  // only absolute paths count
      {"", "/srv", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.root);
    CAPTURE(c.candidate);
    CHECK(inside_root(c.root, c.candidate) == c.inside);
  }
}

TEST_CASE("check_client_certificate: 60 / 61 / 62 by the longest matching rule") {
  twinstar::host_config host;
  host.name = "localhost";
  host.paths = {{"/members/", std::nullopt, true, {}},
                {"/members/admin/", std::nullopt, true, {"SHA256:aa"}},
                {"/members/open/", std::nullopt, false, {}}};
  twinstar::client_certificate good{"SHA256:aa", true};
  twinstar::client_certificate other{"SHA256:bb", true};
  twinstar::client_certificate expired{"SHA256:aa", false};
  struct row {
    const char* path;
    const twinstar::client_certificate* cert;
    std::optional<twinstar::errc> expect;
  };
  using twinstar::errc;
  const row rows[] = {
      {"/", nullptr, std::nullopt},
      {"/members", nullptr, std::nullopt},  // prefix "/members/" needs the slash
      {"/members/", nullptr, errc::certificate_required},
      {"/members/page.gmi", &other, std::nullopt},
      {"/members/page.gmi", &expired, errc::certificate_not_valid},
      {"/members/admin/", nullptr, errc::certificate_required},
      {"/members/admin/x.gmi", &other, errc::certificate_not_authorised},
      {"/members/admin/x.gmi", &good, std::nullopt},
      {"/members/open/x.gmi", nullptr, std::nullopt},
  };
  for (const auto& r : rows) {
    CAPTURE(r.path);
    auto e = twinstar::check_client_certificate(host, r.path, r.cert);
    CHECK(e.has_value() == r.expect.has_value());
    if (e && r.expect) CHECK(e->code == *r.expect);
  }
  CHECK(twinstar::wants_client_certificates(host));
  host.paths.clear();
  CHECK_FALSE(twinstar::wants_client_certificates(host));
}

// Regression: a symlink inside the root that points into a protected
// directory was served over Gemini without a certificate.
TEST_CASE("check_client_certificate: rules follow the resolved location of symlinks") {
  const auto root = fresh_temp_dir("certlinks");
  fs::create_directories(root / "members" / "admin");
  fs::create_directories(root / "open");
  write_file(root / "members" / "page.gmi", "# Members\n");
  write_file(root / "members" / "admin" / "x.gmi", "# Admin\n");
  write_file(root / "open" / "free.gmi", "# Free\n");
  fs::create_symlink(root / "members" / "page.gmi", root / "open" / "door.gmi");
  fs::create_directory_symlink(root / "members" / "admin", root / "back");
  fs::create_directory_symlink(root / "open", root / "alias");
  twinstar::host_config host;
  host.name = "localhost";
  host.root = root;
  // "/alias/" is a protected prefix that is itself a symlink to /open/.
  host.paths = {{"/members/", std::nullopt, true, {}},
                {"/members/admin/", std::nullopt, true, {"SHA256:aa"}},
                {"/alias/", std::nullopt, true, {}}};
  twinstar::client_certificate good{"SHA256:aa", true};
  twinstar::client_certificate other{"SHA256:bb", true};
  struct row {
    const char* url;
    fs::path resolved;
    const twinstar::client_certificate* cert;
    std::optional<twinstar::errc> expect;
  };
  using twinstar::errc;
  const row rows[] = {
      {"/open/door.gmi", fs::canonical(root / "open" / "door.gmi"), nullptr, errc::certificate_required},
      {"/open/door.gmi", fs::canonical(root / "open" / "door.gmi"), &other, std::nullopt},
      {"/back/x.gmi", fs::canonical(root / "back" / "x.gmi"), &other, errc::certificate_not_authorised},
      {"/back/x.gmi", fs::canonical(root / "back" / "x.gmi"), &good, std::nullopt},
      {"/back/", fs::canonical(root / "back"), nullptr, errc::certificate_required},
      // The target of a protected symlinked prefix is protected under its own name.
      {"/open/free.gmi", fs::canonical(root / "open" / "free.gmi"), nullptr, errc::certificate_required},
      {"/open/free.gmi", {}, nullptr, std::nullopt},  // without the location only the URL counts
      {"/index.gmi", root / "index.gmi", nullptr, std::nullopt},
  };
  for (const auto& r : rows) {
    CAPTURE(r.url);
    CAPTURE(r.resolved);
    auto e = twinstar::check_client_certificate(host, r.url, r.cert, r.resolved);
    CHECK(e.has_value() == r.expect.has_value());
    if (e && r.expect) CHECK(e->code == *r.expect);
    CHECK(twinstar::certificate_protected(host, r.url, r.resolved) ==
          (r.expect.has_value() || r.cert != nullptr));
  }
  fs::remove_all(root);
}
