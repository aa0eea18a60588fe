// Listeners and lifecycle: bind, accept, count connections, drain on stop.
#include "twinstar/server.hpp"

#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>

#include "proxy_header.hpp"
#include "shell.hpp"
#include "twinstar/gemini.hpp"
#include "twinstar/gopher_site.hpp"

namespace twinstar {

using namespace shell;

std::string endpoint_info::url() const {
  std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  return std::string(name_of(protocol)) + "://" + host + ":" + std::to_string(port) + "/";
}

struct server::impl {
  // One io_context per worker thread, each run by its thread alone: no
  // strands, no lock shared by every handler, no hand-over between threads.
  // Every listening address has one acceptor per worker (SO_REUSEPORT), so
  // the kernel deals connections out and each is served where it was
  // accepted. `io` (the first) also runs the server's timers.
  // Declared before the io_contexts: sessions still open when those are
  // destroyed take their deadlines off these lists.
  std::vector<std::unique_ptr<deadline_sweeper>> sweepers;  // one per worker
  std::vector<std::unique_ptr<asio::io_context>> more_io;
  asio::io_context io{1};
  shared_state state;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::size_t> acceptor_endpoint;  // index into endpoints, per acceptor
  std::vector<unsigned> acceptor_worker;       // whose io_context, per acceptor
  std::vector<endpoint_info> endpoints;
  std::vector<proxy_version> endpoint_proxy;  // per endpoint: the PROXY header its clients send
  std::atomic<bool> stopping{false};
  std::unique_ptr<asio::steady_timer> grace;
  std::unique_ptr<asio::steady_timer> pruner;
  unsigned workers = 1;
  std::uint16_t gemini_port = gemini::default_port;
  std::shared_ptr<const server_config> started_with;  // the listeners and workers that run
  server_hooks hooks;

  void stop_all() {
    io.stop();
    for (auto& c : more_io) c->stop();
  }

  void finish_if_drained() {
    if (stopping && state.active.load() == 0) stop_all();
  }

  asio::io_context& worker_io(std::size_t i) { return i == 0 ? io : *more_io[i - 1]; }

  void begin_stop() {
    if (stopping.exchange(true)) return;
    for (auto& a : acceptors) {
      // Each acceptor belongs to its worker's thread: close it there.
      asio::post(a->get_executor(), [a = a.get()] {
        std::error_code ec;
        a->close(ec);
      });
    }
    // Connections without a request (or closing) would only hold the exit:
    // they go now. Responses in flight get shutdown_grace.
    for (unsigned w = 0; w < workers; ++w)
      asio::post(worker_io(w), [sweeper = sweepers[w].get()] { sweeper->close_idle(); });
    if (pruner) pruner->cancel();
    grace = std::make_unique<asio::steady_timer>(io, state.current()->config->shutdown_grace);
    grace->async_wait([this](std::error_code) { cut_in_flight(); });
    finish_if_drained();
  }

  // The grace is over: what is still in flight is cut, and each session
  // ends (and writes its access log line) on its own, at once since its
  // socket is closed; run() returns when the last has, or after cut_wait.
  static constexpr std::chrono::milliseconds cut_wait{1000};
  void cut_in_flight() {
    for (unsigned w = 0; w < workers; ++w)
      asio::post(worker_io(w), [sweeper = sweepers[w].get()] { sweeper->cut_all(); });
    grace->expires_after(cut_wait);
    grace->async_wait([this](std::error_code) { stop_all(); });
  }

  // Refuse before any TLS work: banned clients and connections past the caps.
  // Gopher gets an error item (it costs nothing); Gemini is closed at once,
  // since a 44 would first cost a whole handshake.
  static asio::awaitable<void> refuse_gopher(tcp::socket socket, std::string text) {
    // No host is looked up for a refusal: the conventional placeholder.
    const std::string body = gopher::error_menu(text, {.host = "error.host", .port = 1});
    co_await asio::async_write(socket, asio::buffer(body), nothrow);
    std::error_code ec;
    socket.shutdown(tcp::socket::shutdown_send, ec);
    socket.close(ec);
  }

  // The session of one accepted connection has ended.
  void session_done(const std::shared_ptr<connection_limits>& limits, const std::string& client) {
    limits->release(client);
    --state.active;
    finish_if_drained();
  }

  // Takes one accepted connection (`fd`, non-blocking) through the bans and
  // caps to its session.
  // `proxied_local`: where a PROXY header says the client connected.
  void admit(int fd, const tcp::endpoint& from, const asio::any_io_executor& exec, deadline_sweeper& sweeper,
             bool gopher, std::uint16_t port, const std::string& gopher_host_name,
             const std::optional<tcp::endpoint>& proxied_local = std::nullopt) {
    std::error_code ignored;
    tcp::socket socket(exec);
    auto site = state.current();
    peer who = peer::of(from);
    who.local = proxied_local;
    if (proxied_local) port = proxied_local->port();  // Gopher menus name the proxy's port
    const std::string client = who.address;
    const auto now = clock::now();
    bool refused = site->limiter->banned(client, now) || site->connection_rate->banned(client, now);
    const char* why = "Banned for a while: slow down";
    if (!refused) {
      // Connections (and so handshakes) count too, before any TLS work.
      const auto verdict = site->connection_rate->admit(client, now);
      if (!verdict.allowed) {
        refused = true;
        why = "Slow down: too many connections, retry later";
        if (verdict.log)
          log_event("connection rate limit: " + shown_address(client, site->config->log_ip) +
                    (verdict.banned ? " banned for " : " dropped at accept, ") +
                    std::to_string(verdict.retry_after.count()) + (verdict.banned ? " s" : " s to wait"));
      }
    }
    auto limits = state.connections;
    if (!refused && limits->acquire(client) != connection_limits::admission::ok) {
      refused = true;
      why = "Too many connections, retry later";
    }
    if (refused && !gopher) {
      ::close(fd);
      return;
    }
    std::optional<gopher_start> start;
    if (gopher && !refused) {
      ++state.active;
      start = serve_gopher_now(fd, who, *site, state, port, gopher_host_name);
      if (!start) return session_done(limits, client);
    }
    socket.assign(from.protocol(), fd, ignored);
    if (ignored) {  // cannot happen to a fresh socket object; never leak
      ::close(fd);
      if (!refused) session_done(limits, client);
      return;
    }
    if (refused) {
      asio::co_spawn(exec, refuse_gopher(std::move(socket), why), asio::detached);
      return;
    }
    if (!gopher) {
      ++state.active;
      // Gemini talks back and forth during the handshake.
      socket.set_option(tcp::no_delay(true), ignored);
    }
    auto session = gopher ? serve_gopher(std::move(socket), std::move(who), site, state, sweeper, port,
                                         gopher_host_name, std::move(*start))
                          : serve_gemini(std::move(socket), std::move(who), site, state, sweeper);
    asio::co_spawn(exec, std::move(session), [this, limits, client](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log_event(std::string("session error: ") + ex.what(), log_level::error);
        }
      }
      session_done(limits, client);
    });
  }

  // A connection on a PROXY listener: its header first, then admit() with
  // the client it names, so that bans, caps and logs see that client. Until
  // then it holds no connection slot (those are per client), only a place
  // in `active` so that a stop waits for it; header-less connections go at
  // the header deadline or at once on stop, like any idle session.
  asio::awaitable<void> admit_proxied(int fd, tcp::endpoint from, asio::any_io_executor exec,
                                      deadline_sweeper& sweeper, bool gopher, std::uint16_t port,
                                      std::string gopher_host_name, proxy_version expected) {
    std::error_code ec;
    tcp::socket socket(exec);
    socket.assign(from.protocol(), fd, ec);
    if (ec) {
      ::close(fd);
      co_return;
    }
    ++state.active;
    proxy_read header;
    {
      const auto site = state.current();
      const clock::duration timeout =
          std::min<clock::duration>(proxy_header_timeout, site->config->handshake_timeout);
      session_deadline deadline(sweeper, socket, clock::now() + timeout);
      header = co_await read_proxy_header(socket, expected, from);
    }
    if (header.client) {
      const int released = socket.release(ec);
      if (!ec) admit(released, *header.client, exec, sweeper, gopher, port, gopher_host_name, header.local);
    } else {
      log_limited(std::string(gopher ? "gopher " : "gemini ") +
                  shown_address(peer::of(from).text, state.current()->config->log_ip) + ": PROXY " +
                  std::string(to_string(expected)) + " header refused: " + header.error);
      socket.close(ec);
    }
    --state.active;
    finish_if_drained();
  }

  // Accept loops backing off for want of descriptors. All of them starve at
  // once, and descriptors come back one at a time: one line when the first
  // loop starts backing off and one when the last has drained its backlog,
  // not one per loop or per failed accept.
  std::atomic<unsigned> starved_loops{0};
  void starving(bool begins, int error) {
    if (begins && starved_loops.fetch_add(1) == 0)
      log_event(
          "accept failed: " + std::error_code(error, std::system_category()).message() + "; backing off",
          log_level::error);
    if (!begins && starved_loops.fetch_sub(1) == 1) log_event("accepting again", log_level::info);
  }

  // Accepts with accept4() itself (non-blocking sockets from the start, no
  // epoll registration until a session has to wait), and waits for the
  // listening socket only after accept4() said there is nothing: the same
  // thread runs this loop and the reactor, so no readiness is missed.
  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, deadline_sweeper& sweeper, bool gopher,
                                    std::string gopher_host_name, proxy_version proxy) {
    bool backing_off = false;
    std::error_code ignored;
    const std::uint16_t port = acceptor.local_endpoint(ignored).port();
    const asio::any_io_executor exec = acceptor.get_executor();
    unsigned in_a_row = 0;
    acceptor.non_blocking(true, ignored);
    for (;;) {
      tcp::endpoint from;
      socklen_t length = static_cast<socklen_t>(from.capacity());
      int fd = ::accept4(acceptor.native_handle(), from.data(), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        from.resize(length);
        if (proxy != proxy_version::none)
          asio::co_spawn(exec, admit_proxied(fd, from, exec, sweeper, gopher, port, gopher_host_name, proxy),
                         asio::detached);
        else
          admit(fd, from, exec, sweeper, gopher, port, gopher_host_name);
        if (++in_a_row % 64 == 0) co_await asio::post(exec, asio::use_awaitable);  // let sessions run too
        continue;
      }
      const int error = errno;
      if (error == EINTR || error == ECONNABORTED) continue;
      if (error == EAGAIN || error == EWOULDBLOCK) {
        // The backlog is drained: a back-off episode is over (not at the
        // first accept that succeeds, which is just a descriptor freed).
        if (std::exchange(backing_off, false)) starving(false, 0);
        auto [ec] = co_await acceptor.async_wait(tcp::acceptor::wait_read, nothrow);
        if (ec || !acceptor.is_open()) co_return;  // closed by stop
        continue;
      }
      if (!acceptor.is_open() || error == EBADF || error == EINVAL) {
        if (backing_off) starving(false, 0);
        co_return;
      }
      // EMFILE/ENFILE and friends: back off instead of spinning, keep accepting.
      // (Under EMFILE a sanitizer build reports "invalid vptr" around here:
      // UBSan's probe needs a free descriptor. It is not a bug in this code.)
      if (!std::exchange(backing_off, true)) starving(true, error);
      asio::steady_timer pause(exec, std::chrono::milliseconds(50));
      co_await pause.async_wait(nothrow);
    }
  }

  // Buckets of well-behaved clients are forgotten now and then.
  void schedule_prune() {
    pruner = std::make_unique<asio::steady_timer>(io, std::chrono::seconds(10));
    pruner->async_wait([this](std::error_code ec) {
      if (ec || stopping) return;
      state.current()->limiter->prune(clock::now());
      state.current()->connection_rate->prune(clock::now());
      // When idle, hand freed heap back to the system so RSS returns to its
      // baseline after a burst (glibc keeps freed arenas otherwise).
      if (state.active.load() == 0) malloc_trim(0);
      schedule_prune();
    });
  }

  result<void, std::string> bind(const listen_address& where, bool gopher, const std::string& host = {}) {
    std::error_code ec;
    auto address = asio::ip::make_address(where.host, ec);
    if (ec) return fail("cannot use address " + where.to_string() + ": " + ec.message());
    tcp::endpoint endpoint(address, where.port);
    using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
    if (workers > 1 && where.port != 0) {
      // SO_REUSEPORT would let a second twinstar (same user, several
      // workers) join this port and take half its connections. A plain bind
      // first makes "already in use" an error, as it is with one worker.
      tcp::acceptor probe(io);
      probe.open(endpoint.protocol(), ec);
      if (!ec && address.is_v6()) probe.set_option(asio::ip::v6_only(true), ec);
      if (!ec) probe.set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec) probe.bind(endpoint, ec);
      if (ec) return fail("cannot listen on " + where.to_string() + ": " + ec.message());
    }
    for (unsigned w = 0; w < workers; ++w) {
      auto acceptor = std::make_unique<tcp::acceptor>(worker_io(w));
      acceptor->open(endpoint.protocol(), ec);
      if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
      if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec && workers > 1) acceptor->set_option(reuse_port(true), ec);
      if (!ec) acceptor->bind(endpoint, ec);
      if (!ec && gopher) {
        // A Gopher client speaks first: the kernel hands the connection over
        // once its selector is here (or after about a second without one),
        // so serve_gopher_now answers it in one go. A client that says
        // nothing costs no memory of ours meanwhile; it then meets
        // request_timeout as usual. Best effort: without it, the same code
        // just waits more often.
        int seconds = 1;
        ::setsockopt(acceptor->native_handle(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof seconds);
      }
      if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) return fail("cannot listen on " + where.to_string() + ": " + ec.message());
      if (w == 0) {
        // Port 0 picked a port: the other workers' acceptors join that one.
        auto bound = acceptor->local_endpoint(ec);
        endpoint.port(bound.port());
        endpoints.push_back(
            {gopher ? protocol::gopher : protocol::gemini, bound.address().to_string(), bound.port(), host});
        endpoint_proxy.push_back(where.proxy_protocol);
      }
      acceptors.push_back(std::move(acceptor));
      acceptor_endpoint.push_back(endpoints.size() - 1);
      acceptor_worker.push_back(w);
    }
    return {};
  }
};

server::server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
server::~server() = default;

result<std::unique_ptr<server>, std::string> server::create(std::shared_ptr<const server_config> config,
                                                            server_hooks hooks) {
  auto p = std::make_unique<impl>();
  p->hooks = std::move(hooks);
  p->workers = config->workers;
  for (unsigned i = 1; i < p->workers; ++i) p->more_io.push_back(std::make_unique<asio::io_context>(1));
  for (unsigned i = 0; i < p->workers; ++i) p->sweepers.push_back(std::make_unique<deadline_sweeper>());
  auto log = access_log::open(config->access_log);
  if (!log)
    return fail(error_in(*config, config->access_log_at,
                         "cannot open access log " + config->access_log + ": " + log.error())
                    .to_string());
  p->state.log = std::move(*log);
  p->state.log->set_format(config->access_log_style, config->log_ip);
  p->state.connections =
      std::make_shared<connection_limits>(config->max_connections, config->max_connections_per_ip);
  p->state.programs.set_max(config->max_cgi);
  // A listener that cannot be bound is an error at its place in the config.
  auto bind = [&](const listen_address& where, bool gopher,
                  const std::string& host = {}) -> result<void, std::string> {
    if (auto bound = p->bind(where, gopher, host); !bound)
      return fail(error_in(*config, where.at, bound.error()).to_string());
    return {};
  };
  for (const auto& where : config->listen)
    if (auto bound = bind(where, false); !bound) return fail(bound.error());
  if (!p->endpoints.empty()) p->gemini_port = p->endpoints.front().port;
  if (!config->gopher_listen.empty() && !gopher_host(*config))
    return fail(std::string("gopher_listen is set but every host has gopher = false"));
  if (const host_config* first = gopher_host(*config))
    for (const auto& where : config->gopher_listen)
      if (auto bound = bind(where, true, first->name); !bound) return fail(bound.error());
  for (const auto& host : config->hosts) {
    if (!host.gopher_listen.empty() && !host.gopher)
      return fail(host.name + ": gopher_listen is set but gopher = false");
    for (const auto& where : host.gopher_listen)
      if (auto bound = bind(where, true, host.name); !bound) return fail(bound.error());
  }
  auto site = snapshot::build(config, p->gemini_port, nullptr, p->hooks);
  if (!site) return fail(site.error());
  p->started_with = config;
  p->state.replace(std::move(*site));
  return std::unique_ptr<server>(new server(std::move(p)));
}

const std::vector<endpoint_info>& server::endpoints() const { return impl_->endpoints; }

std::vector<config_error> check_runtime(const server_config& config, void (*note)(const std::string&)) {
  std::vector<config_error> errors;
  std::vector<const listen_address*> all;
  for (const auto& a : config.listen) all.push_back(&a);
  for (const auto& a : config.gopher_listen) all.push_back(&a);
  for (const auto& host : config.hosts)
    for (const auto& a : host.gopher_listen) all.push_back(&a);
  for (const listen_address* where : all) {
    std::error_code ec;
    const auto address = asio::ip::make_address(where->host, ec);
    if (ec) {
      errors.push_back(
          error_in(config, where->at, "cannot use address " + where->to_string() + ": " + ec.message()));
      continue;
    }
    // A plain bind, closed at once: what start-up will do, without listening.
    const int fd = ::socket(address.is_v6() ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (address.is_v6()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    const tcp::endpoint endpoint(address, where->port);
    const int bound = fd < 0 ? -1 : ::bind(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size()));
    const int why = errno;
    if (fd >= 0) ::close(fd);
    if (bound == 0) continue;
    // Checking a config before a reload: the running server holds its ports.
    if (why == EADDRINUSE) {
      if (note) note(where->to_string() + " is in use now (by the running server?): start-up needs it free");
      continue;
    }
    std::string message = "cannot listen on " + where->to_string() + ": " + std::strerror(why);
    if (why == EACCES) message += " (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
    errors.push_back(error_in(config, where->at, std::move(message)));
  }
  if (config.access_log != "-" && config.access_log != "off") {
    namespace fs = std::filesystem;
    const fs::path file = config.access_log;
    std::error_code ec;
    const auto st = fs::status(file, ec);
    std::string why;
    if (fs::exists(st)) {
      // A FIFO is opened at start only: opening it here would need its reader.
      if (!fs::is_fifo(st) && ::access(file.c_str(), W_OK) != 0) why = std::strerror(errno);
      if (fs::is_directory(st)) why = "is a directory";
    } else {
      const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
      if (::access(dir.c_str(), W_OK | X_OK) != 0) why = dir.string() + ": " + std::strerror(errno);
    }
    if (!why.empty())
      errors.push_back(
          error_in(config, config.access_log_at, "cannot open access log " + config.access_log + ": " + why));
  }
  return errors;
}

namespace {

std::string addresses(const std::vector<listen_address>& list) {
  std::string out;
  for (const auto& a : list) {
    out += (out.empty() ? "" : " ") + a.to_string();
    if (a.proxy_protocol != proxy_version::none)
      out += " (PROXY " + std::string(to_string(a.proxy_protocol)) + ")";
  }
  return out.empty() ? "none" : out;
}

// The keys a running server cannot apply, with what runs and what was asked.
std::vector<std::string> needing_restart(const server_config& running, const server_config& next) {
  std::vector<std::string> keys;
  auto compare = [&](const std::string& key, const std::vector<listen_address>& a,
                     const std::vector<listen_address>& b) {
    if (addresses(a) != addresses(b))
      keys.push_back(key + " (listening on " + addresses(a) + "; configured " + addresses(b) + ")");
  };
  compare("listen", running.listen, next.listen);
  compare("gopher_listen", running.gopher_listen, next.gopher_listen);
  for (const auto& host : next.hosts) {
    const std::vector<listen_address> none;
    const std::vector<listen_address>* before = &none;
    for (const auto& old : running.hosts)
      if (old.name == host.name) before = &old.gopher_listen;
    compare("host '" + host.name + "' gopher_listen", *before, host.gopher_listen);
  }
  if (running.workers != next.workers)
    keys.push_back("workers (running " + std::to_string(running.workers) + "; configured " +
                   std::to_string(next.workers) + ")");
  // Privileges were dropped (or kept) once, at start.
  if (running.user != next.user)
    keys.push_back("user (started with '" + running.user + "'; configured '" + next.user + "')");
  if (running.group != next.group)
    keys.push_back("group (started with '" + running.group + "'; configured '" + next.group + "')");
  return keys;
}

}  // namespace

result<void, std::string> server::reload(std::shared_ptr<const server_config> config,
                                         std::vector<std::string>* restart_needed) {
  auto& p = *impl_;
  auto site = snapshot::build(config, p.gemini_port, p.state.current().get(), p.hooks);
  if (!site) return fail(site.error());
  // Listeners and workers are what start-up made; compare with the first
  // configuration's, which is what is really running.
  auto keys = needing_restart(*p.started_with, *config);
  if (auto reopened = p.state.log->reopen(config->access_log); !reopened)
    return fail("cannot open access log " + config->access_log + ": " + reopened.error());
  p.state.log->set_format(config->access_log_style, config->log_ip);
  p.state.connections->set_caps(config->max_connections, config->max_connections_per_ip);
  p.state.programs.set_max(config->max_cgi);
  for (const auto& key : keys) log_event("reload: " + key + " changed: needs a restart to take effect");
  if (restart_needed) *restart_needed = std::move(keys);
  p.state.replace(std::move(*site));
  return {};
}

result<void, std::string> server::reopen_log() {
  const auto destination = impl_->state.current()->config->access_log;
  auto reopened = impl_->state.log->reopen(destination);
  if (!reopened) return fail("cannot reopen access log " + destination + ": " + reopened.error());
  return {};
}

std::size_t server::open_connections() const { return impl_->state.connections->open(); }

std::size_t server::running_programs() const { return impl_->state.programs.running(); }

void server::run() {
  auto& p = *impl_;
  for (std::size_t i = 0; i < p.acceptors.size(); ++i) {
    const endpoint_info& ep = p.endpoints[p.acceptor_endpoint[i]];
    asio::co_spawn(
        p.acceptors[i]->get_executor(),
        p.accept_loop(*p.acceptors[i], *p.sweepers[p.acceptor_worker[i]], ep.protocol == protocol::gopher,
                      ep.host, p.endpoint_proxy[p.acceptor_endpoint[i]]),
        asio::detached);
  }
  for (unsigned w = 0; w < p.workers; ++w)
    asio::co_spawn(p.worker_io(w), p.sweepers[w]->run(), asio::detached);
  p.schedule_prune();
  auto guard = asio::make_work_guard(p.io);  // keep run() alive until stop
  std::vector<std::thread> extra;
  for (auto& c : p.more_io)
    extra.emplace_back([c = c.get()] {
      auto work = asio::make_work_guard(*c);
      c->run();
    });
  p.io.run();
  p.stop_all();
  for (auto& t : extra) t.join();
}

void server::stop() {
  asio::post(impl_->io, [p = impl_.get()] { p->begin_stop(); });
}

}  // namespace twinstar
