// `twinstar serve`: load the config (or build one from flags), prepare
// certificates, bind, serve until SIGINT/SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>
#include <tuple>

#include "commands.hpp"
#include "service.hpp"
#include "twinstar/config.hpp"
#include "twinstar/gopher_site.hpp"
#include "twinstar/import/mirror.hpp"
#include "twinstar/line_sink.hpp"
#include "twinstar/server.hpp"
#include "twinstar/tls.hpp"

namespace twinstar::cli {
namespace {

struct serve_flags {
  std::string config_file;
  std::string root;
  std::string hostname;
  std::vector<std::string> listen;
  std::vector<std::string> gopher_listen;
  std::uint16_t gopher_port = 0;
  bool gopher_port_given = false;
  std::string cert, key, cert_dir, access_log, lang;
  bool allow_root = false;
  unsigned workers = 0;
  double request_timeout = 0;
  bool check_only = false;
  bool no_mirror = false;
};

// What serve uses where neither the config file nor a flag sets a value;
// --help shows these same values.
constexpr const char* default_config_file = "twinstar.toml";  // in the working directory
constexpr const char* default_host_name = "localhost";
const listen_address default_listen{"127.0.0.1", 1965};

void print_note(const std::string& line) { std::fprintf(stdout, "%s\n", line.c_str()); }

// --gopher-listen and --gopher-port. 'off' (or 'none', alone) turns every
// Gopher listener off, the hosts' own included: an operator who says off means
// no Gopher at all. Addresses replace [server] gopher_listen, and the host it
// serves then advertises the port it listens on, unless --gopher-port says
// otherwise: the config's gopher_port was written for the config's listener.
void apply_gopher_flags(const serve_flags& f, server_config& cfg, std::vector<config_error>& errors) {
  const auto off = [](const std::string& t) { return t == "off" || t == "none"; };
  const bool turned_off = std::any_of(f.gopher_listen.begin(), f.gopher_listen.end(), off);
  if (turned_off && f.gopher_listen.size() > 1) {
    errors.push_back({"command line", 0, 0,
                      "--gopher-listen: 'off' turns every Gopher listener off; give no address with it"});
    return;
  }
  if (turned_off) {
    cfg.gopher_listen.clear();
    for (auto& h : cfg.hosts) h.gopher_listen.clear();
    return;
  }
  const host_config* served = gopher_host(cfg);
  host_config* host = served ? &cfg.hosts[static_cast<std::size_t>(served - cfg.hosts.data())] : nullptr;
  if (host && !f.gopher_listen.empty()) host->gopher_port = 0;
  if (host && f.gopher_port_given) host->gopher_port = f.gopher_port;
}

// Start from the config file (if any), then let each given flag override.
config_result build_config(const serve_flags& f) {
  std::string file = f.config_file;
  if (file.empty() && f.root.empty() && std::filesystem::exists(default_config_file))
    file = default_config_file;
  server_config cfg;
  std::vector<config_error> errors;
  if (!file.empty()) {
    auto loaded = load_config(file);
    if (!loaded) return loaded;
    cfg = std::move(loaded.value());
  } else {
    host_config h;
    h.name = default_host_name;
    cfg.hosts.push_back(h);
    cfg.listen.push_back(default_listen);
  }
  auto address_list = [&](const std::vector<std::string>& texts, std::vector<listen_address>& out,
                          const char* flag) {
    out.clear();
    for (const auto& t : texts) {
      if (t == "off" || t == "none") continue;
      if (auto a = parse_listen_address(t))
        out.push_back(*a);
      else
        errors.push_back({"command line", 0, 0, std::string(flag) + ": not HOST:PORT or [V6]:PORT: " + t});
    }
  };
  if (!f.listen.empty()) address_list(f.listen, cfg.listen, "--listen");
  if (!f.gopher_listen.empty()) address_list(f.gopher_listen, cfg.gopher_listen, "--gopher-listen");
  apply_gopher_flags(f, cfg, errors);
  if (!f.cert_dir.empty())
    cfg.cert_dir = f.cert_dir;
  else if (file.empty())
    cfg.cert_dir = service::default_cert_dir();
  if (!f.access_log.empty()) cfg.access_log = f.access_log;
  if (f.workers) cfg.workers = f.workers;
  if (f.request_timeout > 0)
    cfg.request_timeout = std::chrono::milliseconds(static_cast<long>(f.request_timeout * 1000));
  host_config& host = cfg.hosts.front();
  if (!f.hostname.empty()) {
    host.name = f.hostname;
    for (auto& c : host.name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (file.empty() && host.name == "localhost") host.aliases = {"127.0.0.1", "::1"};
  if (!f.root.empty()) {
    host.root = f.root;
    host.root_at = {};  // from the command line, not the file
  }
  if (!f.lang.empty()) host.lang = f.lang;
  // Without a config file, or when the name changed, certificates follow the name.
  if (file.empty() || !f.hostname.empty() || !f.cert_dir.empty()) {
    if (f.cert.empty()) host.cert = cfg.cert_dir / (host.name + ".crt");
    if (f.key.empty()) host.key = cfg.cert_dir / (host.name + ".key");
  }
  if (!f.cert.empty()) host.cert = f.cert;
  if (!f.key.empty()) host.key = f.key;
  auto more = validate(cfg, file.empty() ? "command line" : file);
  errors.insert(errors.end(), more.begin(), more.end());
  // What start-up would trip over on the disk is an error here already, so
  // --check-config, start and reload (SIGHUP) all refuse a missing root.
  if (errors.empty()) errors = check_on_disk(cfg, file.empty() ? "command line" : file);
  if (!errors.empty()) return fail(std::move(errors));
  return cfg;
}

// SIGHUP: re-read the config and certificates. A valid result takes effect
// for new connections; an invalid one is reported and the old one stays.
// Once serving, every line goes through log_line: a stalled stdout or stderr
// must never hold up a signal (SIGTERM, SIGHUP) or the mirror.
void announce(const std::string& line) { log_line(log_stream::out, log_level::info, line); }
void report(const std::string& line) { log_line(log_stream::err, log_level::error, line); }

// Whether two [[mirror]] lists poll the same feeds the same way.
bool same_mirrors(const std::vector<mirror_config>& a, const std::vector<mirror_config>& b) {
  auto fields = [](const mirror_config& m) {
    return std::tie(m.url, m.into, m.interval, m.max_items, m.include, m.exclude);
  };
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [&](const mirror_config& x, const mirror_config& y) { return fields(x) == fields(y); });
}

std::unique_ptr<news::mirror_runner> start_mirror(const serve_flags& flags, const server_config& config) {
  if (flags.no_mirror || config.mirrors.empty()) return nullptr;
  auto runner = std::make_unique<news::mirror_runner>(config.mirrors, announce);
  runner->start();
  return runner;
}

void reload(const serve_flags& flags, server& srv, std::unique_ptr<news::mirror_runner>& mirror,
            std::shared_ptr<const server_config>& running) {
  service::reload_notice notice;
  auto built = build_config(flags);
  if (!built) {
    for (const auto& e : built.error()) report(e.to_string());
    report("reload failed: keeping the running configuration");
    return;
  }
  auto config = std::make_shared<const server_config>(std::move(built.value()));
  auto problems = tls::prepare_certificates(*config, announce);
  for (const auto& p : problems) report(p.to_string());
  if (!problems.empty()) {
    report("reload failed: keeping the running configuration");
    return;
  }
  if (auto reloaded = srv.reload(config); !reloaded) {
    report("error: " + reloaded.error());
    report("reload failed: keeping the running configuration");
    return;
  }
  // The feeds to poll changed: a new runner (which polls each at once).
  // Unchanged, the running one keeps its schedule: a SIGHUP is no re-poll.
  if (!same_mirrors(running->mirrors, config->mirrors)) {
    mirror.reset();
    mirror = start_mirror(flags, *config);
  }
  running = config;
  announce("reloaded configuration: " + std::to_string(config->hosts.size()) + " host(s)");
}

int serve(const serve_flags& flags) {
  auto built = build_config(flags);
  if (!built) {
    for (const auto& e : built.error()) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  auto config = std::make_shared<const server_config>(std::move(built.value()));
  if (flags.check_only) {
    // Everything start-up checks, without writing anything or serving.
    auto problems = tls::prepare_certificates(*config, print_note, false);
    auto more = check_runtime(*config, print_note);
    problems.insert(problems.end(), more.begin(), more.end());
    for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.to_string().c_str());
    if (!problems.empty()) return 1;
    std::printf("configuration OK: %zu host(s), %zu Gemini and %zu Gopher listener(s)\n",
                config->hosts.size(), config->listen.size(), config->gopher_listen.size());
    return 0;
  }
  if (auto allowed = service::refuse_root(*config, flags.allow_root); !allowed) {
    std::fprintf(stderr, "error: %s\n", allowed.error().c_str());
    return 1;
  }
  auto drop = service::privilege_drop::plan(*config);
  if (!drop) {
    std::fprintf(stderr, "error: %s\n", drop.error().c_str());
    return 1;
  }
  auto problems = tls::prepare_certificates(*config, print_note);
  for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.to_string().c_str());
  if (!problems.empty()) return 1;

  // Signals go to one waiting thread, never to the event loop's threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto created = server::create(config);
  if (!created) {
    std::fprintf(stderr, "error: %s\n", created.error().c_str());
    return 1;
  }
  std::unique_ptr<server> srv = std::move(*created);
  // Bound and certified: root is no longer needed.
  if (auto dropped = drop->apply(*config, report); !dropped) {
    std::fprintf(stderr, "error: %s\n", dropped.error().c_str());
    return 1;
  }
  for (const auto& ep : srv->endpoints())
    std::printf("listening on %s (%s %s)\n", ep.url().c_str(), ep.host.empty() ? "default host" : "host",
                (ep.host.empty() ? config->hosts.front().name : ep.host).c_str());
  std::fflush(stdout);
  service::notify_ready();

  // [[mirror]] feeds are polled on their own thread (which inherits the
  // blocked signals), on their intervals, for as long as the server runs.
  auto mirror = start_mirror(flags, *config);
  std::shared_ptr<const server_config> running = config;

  std::thread waiter([&] {
    for (;;) {
      int sig = 0;
      sigwait(&signals, &sig);
      if (sig == SIGHUP) {
        reload(flags, *srv, mirror, running);
        continue;
      }
      if (sig == SIGUSR1) {  // logrotate: the log file was moved away
        if (auto reopened = srv->reopen_log())
          announce("reopened the access log");
        else
          report(reopened.error());
        continue;
      }
      announce("signal " + std::to_string(sig) + ": stopping");
      srv->stop();
      service::notify_stopping();
      return;
    }
  });
  srv->run();
  // run() also returns after a stop from elsewhere; release the waiter then.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  mirror.reset();
  announce("stopped");
  return 0;
}

}  // namespace

runner add_serve(CLI::App& app) {
  auto f = std::make_shared<serve_flags>();
  const server_config defaults;
  const auto seconds = [](std::chrono::milliseconds ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", static_cast<double>(ms.count()) / 1000);
    return std::string(text);
  };
  app.add_option("-c,--config", f->config_file,
                 "TOML config file (read when present, unless --root is given)")
      ->default_str(default_config_file);
  app.add_option("--root", f->root, "Serve this directory (as the default host's root)");
  app.add_option("--hostname", f->hostname, "Name of the default host")->default_str(default_host_name);
  app.add_option("--listen", f->listen,
                 "Gemini listener HOST:PORT or [V6]:PORT, repeatable; port 0 picks one")
      ->default_str(default_listen.to_string());
  app.add_option("--gopher-listen", f->gopher_listen,
                 "Gopher listener HOST:PORT, repeatable, for the first Gopher host; 'off': none at all, "
                 "hosts' own included")
      ->default_str("off");
  app.add_option("--gopher-port", f->gopher_port,
                 "Port that Gopher menus name (of the host --gopher-listen serves); 0 = the port listened on")
      ->default_str(std::to_string(host_config{}.gopher_port))
      ->each([f](const std::string&) { f->gopher_port_given = true; });
  app.add_option("--cert", f->cert, "Certificate (PEM) of the default host (default: CERT_DIR/HOSTNAME.crt)");
  app.add_option("--key", f->key, "Private key (PEM) of the default host (default: CERT_DIR/HOSTNAME.key)");
  app.add_option("--cert-dir", f->cert_dir,
                 "Where generated certificates are written ($STATE_DIRECTORY/certs under systemd)")
      ->default_str(service::default_cert_dir().string());
  app.add_flag("--allow-root", f->allow_root, "Serve as root when started as root without [server] user");
  app.add_option("--lang", f->lang,
                 "Language of the default host's gemtext (text/gemini; lang=...; default: none)");
  app.add_option("--access-log", f->access_log, "Access log: '-' for stdout, 'off', or a file")
      ->default_str(defaults.access_log);
  app.add_option("--workers", f->workers, "Worker threads")->default_str(std::to_string(defaults.workers));
  app.add_option("--request-timeout", f->request_timeout, "Seconds a client gets to send its request")
      ->default_str(seconds(defaults.request_timeout));
  app.add_flag("--check-config", f->check_only, "Check the configuration and exit");
  app.add_flag("--no-mirror", f->no_mirror, "Do not poll the config's [[mirror]] feeds while serving");
  app.footer(
      "Flags override the config file. A value after '=' is the default: what serve uses when\n"
      "neither a flag nor the config file sets one.");
  return [f] { return serve(*f); };
}

}  // namespace twinstar::cli
