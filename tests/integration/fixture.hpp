#pragma once
// A real twinstar server on loopback port 0, in process, over a capsule built
// in a fresh temporary directory, with certificates generated for the test.
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "twinstar/client.hpp"
#include "twinstar/config.hpp"
#include "twinstar/server.hpp"
#include "twinstar/tls.hpp"

namespace twinstar::test {

inline std::filesystem::path fresh_temp_dir(const std::string& tag) {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() / ("twinstar-" + tag + "-" + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_file(const std::filesystem::path& p, const std::string& content) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Every byte value, several times: a binary file must arrive byte-exact.
inline std::string binary_blob(std::size_t size) {
  std::string s(size, '\0');
  std::mt19937 gen(1965);
  for (auto& c : s) c = static_cast<char>(gen() & 0xff);
  for (int i = 0; i < 256; ++i) s[i] = static_cast<char>(i);
  return s;
}

struct running_server {
  std::filesystem::path dir;
  std::shared_ptr<server_config> config;
  std::unique_ptr<server> srv;
  std::thread thread;
  std::uint16_t gemini_port = 0;
  std::uint16_t gopher_port = 0;
  server_hooks hooks;  // set before launch

  running_server() = default;
  running_server(const running_server&) = delete;
  ~running_server() {
    if (srv) {
      srv->stop();
      thread.join();
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // Generate the missing certificates of `cfg`, then start.
  void launch(std::shared_ptr<server_config> cfg) {
    auto problems = tls::prepare_certificates(*cfg, nullptr);
    if (!problems.empty()) throw std::runtime_error(problems.front().to_string());
    config = std::move(cfg);
    start();
  }

  void start() {
    auto created = server::create(config, hooks);
    if (!created) throw std::runtime_error("server did not start: " + created.error());
    srv = std::move(*created);
    for (const auto& ep : srv->endpoints()) {
      if (ep.protocol == protocol::gemini && !gemini_port) gemini_port = ep.port;
      if (ep.protocol == protocol::gopher && !gopher_port) gopher_port = ep.port;
    }
    thread = std::thread([this] { srv->run(); });
  }

  client::options opts(std::string sni = "localhost") const {
    client::options o;
    o.sni = std::move(sni);
    o.timeout = std::chrono::seconds(10);
    return o;
  }

  client::gemini_reply get(const std::string& raw_request, std::string sni = "localhost") const {
    auto r = client::send_gemini("127.0.0.1", gemini_port, raw_request, opts(std::move(sni)));
    if (!r) throw std::runtime_error("request failed: " + r.error());
    return r.value();
  }

  // The whole answer to a raw Gopher request ("/page.gmi\r\n").
  std::string gopher(const std::string& raw_request) const {
    client::options o;
    o.timeout = std::chrono::seconds(10);
    auto r = client::send_gopher("127.0.0.1", gopher_port, raw_request, o);
    if (!r) throw std::runtime_error("gopher request failed: " + r.error());
    return r->body;
  }

  // Waits (bounded, 10 s) until the server counts `n` open connections.
  bool settles_at(std::size_t n) const {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
      if (srv->open_connections() == n) return true;
      std::this_thread::yield();
    }
    return srv->open_connections() == n;
  }

  // "gemini://localhost:<port>" + path
  std::string base(const std::string& host = "localhost") const {
    return "gemini://" + host + ":" + std::to_string(gemini_port);
  }
};

// Two hosts (localhost, the default, and example.test), each with its own
// certificate, and a capsule exercising every routing case.
// `tweak` may change the configuration before the server starts.
inline std::unique_ptr<running_server> start_test_server(
    const std::string& tag = "srv", const std::function<void(server_config&)>& tweak = {}) {
  auto s = std::make_unique<running_server>();
  s->dir = fresh_temp_dir(tag);
  auto root = s->dir / "root";
  write_file(root / "index.gmi", "# Test capsule\n\n=> page.gmi A page\n");
  write_file(root / "page.gmi", "# A page\nText.\n");
  write_file(root / "plain.txt", "plain text\n");
  write_file(root / "blob.bin", binary_blob(300'000));
  write_file(root / "listed" / "b.gmi", "# Bee\n");
  write_file(root / "listed" / "a.txt", "a\n");
  write_file(root / "listed" / "inner" / "x.txt", "x\n");
  write_file(root / "private" / "secret.txt", "no listing here\n");
  write_file(root / ".hidden", "dotfile\n");
  write_file(s->dir / "outside" / "secret.txt", "outside the root\n");
  std::filesystem::create_directory_symlink(s->dir / "outside", root / "escape");
  write_file(s->dir / "other" / "index.gmi", "# Other host\n");
  write_file(root / "holes" / "gophermap", "Welcome to the hole\n1Up\t/\n0Page\tpage.gmi\n");
  write_file(root / "dots.gmi", "# Dots\n\n.leading dot\n");

  auto cfg = std::make_shared<server_config>();
  cfg->listen = {{"127.0.0.1", 0}};
  cfg->gopher_listen = {{"127.0.0.1", 0}};
  cfg->cert_dir = s->dir / "certs";
  cfg->access_log = (s->dir / "access.log").string();
  cfg->request_timeout = std::chrono::milliseconds(1500);
  cfg->shutdown_grace = std::chrono::milliseconds(2000);
  host_config a;
  a.name = "localhost";
  a.aliases = {"127.0.0.1"};
  a.root = root;
  a.lang = "en";
  a.cert = cfg->cert_dir / "localhost.crt";
  a.key = cfg->cert_dir / "localhost.key";
  a.redirects = {{"/old.gmi", "/page.gmi", false, true}, {"/moved/", "/listed/", true, false}};
  a.gone = {"/removed.gmi"};
  a.paths = {{"/private/", false}};
  host_config b;
  b.name = "example.test";
  b.root = s->dir / "other";
  b.cert = cfg->cert_dir / "example.test.crt";
  b.key = cfg->cert_dir / "example.test.key";
  cfg->hosts = {a, b};
  if (tweak) tweak(*cfg);
  s->launch(cfg);
  return s;
}

// The bundled twinstar.toml, moved to loopback port 0, with its certificate
// in a temporary directory: the capsule exactly as a user serves it.
// One host, "localhost" (alias 127.0.0.1), serving a capsule of `files`
// (path inside the root -> content) over Gemini and Gopher on ephemeral
// loopback ports; `tweak` may change the configuration (and the host, as
// hosts[0]) before the server starts; `hooks` watch its work.
inline std::unique_ptr<running_server> start_one_host_server(
    const std::string& tag, const std::vector<std::pair<std::string, std::string>>& files,
    const std::function<void(server_config&)>& tweak = {}, server_hooks hooks = {}) {
  auto s = std::make_unique<running_server>();
  s->hooks = std::move(hooks);
  s->dir = fresh_temp_dir(tag);
  const auto root = s->dir / "root";
  for (const auto& [path, content] : files) write_file(root / path, content);
  auto cfg = std::make_shared<server_config>();
  cfg->listen = {{"127.0.0.1", 0}};
  cfg->gopher_listen = {{"127.0.0.1", 0}};
  cfg->cert_dir = s->dir / "certs";
  cfg->access_log = "off";
  host_config h;
  h.name = "localhost";
  h.aliases = {"127.0.0.1"};
  h.root = root;
  h.cert = cfg->cert_dir / "localhost.crt";
  h.key = cfg->cert_dir / "localhost.key";
  cfg->hosts = {h};
  if (tweak) tweak(*cfg);
  s->launch(cfg);
  return s;
}

inline std::unique_ptr<running_server> start_bundled_server(const std::string& tag) {
  auto loaded = load_config(TWINSTAR_SOURCE_DIR "/twinstar.toml");
  if (!loaded) throw std::runtime_error(loaded.error().front().to_string());
  auto s = std::make_unique<running_server>();
  s->dir = fresh_temp_dir(tag);
  auto cfg = std::make_shared<server_config>(loaded.value());
  cfg->listen = {{"127.0.0.1", 0}};
  cfg->gopher_listen = {{"127.0.0.1", 0}};
  cfg->access_log = "off";
  cfg->cert_dir = s->dir;
  for (auto& h : cfg->hosts) {
    h.cert = s->dir / (h.name + ".crt");
    h.key = s->dir / (h.name + ".key");
    h.gopher_port = 0;  // menus name the port we really listen on
  }
  s->launch(cfg);
  return s;
}

}  // namespace twinstar::test
