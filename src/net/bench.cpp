#include "twinstar/bench.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl.hpp>
#include <cstdio>
#include <fstream>
#include <memory>

#include "client_async.hpp"
#include "tls_stream.hpp"
#include "twinstar/tls.hpp"
#include "twinstar/url.hpp"

namespace twinstar::bench {
namespace {

using asio::ip::tcp;
using clock = std::chrono::steady_clock;
constexpr auto nothrow = asio::experimental::as_tuple(asio::use_awaitable);

// One TLS record is 16 KiB; plain TCP (Gopher) takes bigger reads gladly.
constexpr std::size_t read_buffer_bytes = std::size_t{64} * 1024;
constexpr std::size_t max_header_bytes = 2 + 1 + 1024 + 2;  // "DD" SP meta CRLF
constexpr auto max_tick = std::chrono::milliseconds(100);

// kinds[ok] counts successes; kind::status is counted per status code instead.
enum class kind { ok, connect, handshake, send, timeout, short_read, bad_header, gopher_error, status };
constexpr const char* kind_names[] = {"ok",         "connect",    "handshake",    "send",  "timeout",
                                      "short_read", "bad_header", "gopher_error", "status"};

struct outcome {
  kind k = kind::ok;
  int status = 0;
  std::uint64_t bytes = 0;
  bool resumed = false;
  bool replied = false;  // a complete reply arrived: its latency counts
};

struct target {
  bool gemini = true;
  char gopher_type = '1';
  std::string host, port, sni;
  std::string request;  // sent verbatim on every connection
  tcp::resolver::results_type endpoints;
};

struct worker {
  std::vector<char> buffer = std::vector<char>(read_buffer_bytes);
  std::string header;
  std::unique_ptr<SSL_SESSION, decltype(&SSL_SESSION_free)> session{nullptr,
                                                                    SSL_SESSION_free};  // for resumption
  tcp::socket* active = nullptr;  // the connection the ticker may close on timeout
  clock::time_point deadline;
  bool timed_out = false;
};

// Registers the connection with the ticker for the length of one exchange.
struct armed {
  armed(worker& w, tcp::socket& socket, std::chrono::milliseconds timeout) : w_(w) {
    w.active = &socket;
    w.deadline = clock::now() + timeout;
    w.timed_out = false;
  }
  ~armed() { w_.active = nullptr; }
  armed(const armed&) = delete;
  worker& w_;
};

struct run_state {
  run_state(const config& c, const target& t, asio::ssl::context* context)
      : cfg(c), tgt(t), ssl(context), workers(c.concurrency) {}

  const config& cfg;
  const target& tgt;
  asio::ssl::context* ssl;
  std::vector<worker> workers;
  std::uint64_t issued = 0;
  bool stop = false;
  unsigned running = 0;
  asio::steady_timer* ticker = nullptr;
  latency_histogram latency;
  std::uint64_t completed = 0, resumed = 0, bytes = 0;
  std::array<std::uint64_t, std::size(kind_names)> kinds{};
  std::array<std::uint64_t, 100> statuses{};
};

outcome failed(const worker& w, outcome o, kind k) {
  o.k = w.timed_out ? kind::timeout : k;
  return o;
}

asio::awaitable<outcome> gemini_once(run_state& s, worker& w) {
  outcome o;
  tcp::socket socket(co_await asio::this_coro::executor);
  armed guard(w, socket, s.cfg.options.timeout);
  auto [cec, ep] = co_await asio::async_connect(socket, s.tgt.endpoints, nothrow);
  if (cec) co_return failed(w, o, kind::connect);
  socket.set_option(tcp::no_delay(true), cec);
  // The server's own TLS stream, as a client: what the generator costs per
  // request (and per byte) is then no more than the server's.
  shell::tls_stream stream(std::move(socket), s.ssl->native_handle(), shell::tls_stream::role::client);
  w.active = &stream.socket();
  SSL* ssl = stream.native_handle();
  if (ssl == nullptr) co_return failed(w, o, kind::handshake);
  SSL_set_read_ahead(ssl, 1);
  if (!s.tgt.sni.empty()) SSL_set_tlsext_host_name(ssl, s.tgt.sni.c_str());
  if (w.session) SSL_set_session(ssl, w.session.get());
  if (auto hec = co_await stream.handshake()) co_return failed(w, o, kind::handshake);
  o.resumed = SSL_session_reused(ssl) == 1;
  auto [wec, sent] = co_await stream.write(asio::buffer(s.tgt.request));
  if (!wec) wec = co_await stream.flush();
  if (wec) co_return failed(w, o, kind::send);

  // Count the body, keep only the header.
  w.header.clear();
  bool header_done = false;
  std::error_code end;
  while (!end) {
    auto [rec, n] = co_await stream.read_some(asio::buffer(w.buffer));
    end = rec;
    o.bytes += n;
    if (!header_done && n > 0) {
      std::string_view chunk(w.buffer.data(), n);
      auto lf = chunk.find('\n');
      header_done = lf != std::string_view::npos;
      w.header.append(chunk.substr(0, header_done ? lf + 1 : n));
      header_done = header_done || w.header.size() > max_header_bytes;
    }
  }
  // A reply is only known complete with the server's close_notify; a bare
  // TCP close may have cut it short.
  if (end != asio::error::eof || !(SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN))
    co_return failed(w, o, kind::short_read);
  // The server closed cleanly; our close_notify would only cost a write. Mark
  // it sent anyway, or SSL_free would mark the session not resumable.
  SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  // Tickets arrive after the handshake (TLS 1.3): take the session now.
  if (s.cfg.resume) w.session.reset(SSL_get1_session(ssl));
  if (o.bytes == 0) co_return failed(w, o, kind::short_read);
  client::gemini_reply reply;
  reply.raw_header = std::move(w.header);
  client::parse_header(reply);
  w.header = std::move(reply.raw_header);
  o.replied = true;
  o.status = reply.status;
  if (reply.status == 0)
    o.k = kind::bad_header;
  else if (reply.status / 10 != 2)
    o.k = kind::status;
  co_return o;
}

asio::awaitable<outcome> gopher_once(run_state& s, worker& w) {
  outcome o;
  tcp::socket socket(co_await asio::this_coro::executor);
  armed guard(w, socket, s.cfg.options.timeout);
  auto [cec, ep] = co_await asio::async_connect(socket, s.tgt.endpoints, nothrow);
  if (cec) co_return failed(w, o, kind::connect);
  socket.set_option(tcp::no_delay(true), cec);
  auto [wec, sent] = co_await asio::async_write(socket, asio::buffer(s.tgt.request), nothrow);
  if (wec) co_return failed(w, o, kind::send);
  char first = 0;
  std::error_code end;
  while (!end) {
    auto [rec, n] = co_await socket.async_read_some(asio::buffer(w.buffer), nothrow);
    end = rec;
    if (o.bytes == 0 && n > 0) first = w.buffer[0];
    o.bytes += n;
  }
  if (end != asio::error::eof || o.bytes == 0) co_return failed(w, o, kind::short_read);
  o.replied = true;
  // A menu that starts with an error item is Gopher's way of failing.
  bool menu = s.tgt.gopher_type == '1' || s.tgt.gopher_type == '7';
  if (menu && first == '3') o.k = kind::gopher_error;
  co_return o;
}

bool take_ticket(run_state& s) {
  if (s.stop || (s.cfg.requests && s.issued == s.cfg.requests)) return false;
  ++s.issued;
  return true;
}

void record(run_state& s, const outcome& o, clock::duration took) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(took).count();
  ++s.completed;
  s.bytes += o.bytes;
  s.resumed += o.resumed ? 1 : 0;
  if (o.replied) s.latency.record(static_cast<std::uint64_t>(micros));
  auto& counter = o.k == kind::status ? s.statuses[static_cast<std::size_t>(o.status)]
                                      : s.kinds[static_cast<std::size_t>(o.k)];
  ++counter;
}

asio::awaitable<void> work(run_state& s, worker& w) {
  while (take_ticket(s)) {
    auto started = clock::now();
    outcome o = s.tgt.gemini ? co_await gemini_once(s, w) : co_await gopher_once(s, w);
    record(s, o, clock::now() - started);
  }
}

// One timer for the whole run: ends a timed run, closes connections past
// their deadline (their pending operation then fails and counts as a
// timeout), and reports progress.
asio::awaitable<void> tick(run_state& s, clock::time_point started) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  s.ticker = &timer;
  const bool timed = s.cfg.requests == 0;
  const auto end = started + s.cfg.duration;
  const auto step = std::clamp<std::chrono::milliseconds>(s.cfg.options.timeout / 4,
                                                          std::chrono::milliseconds(1), max_tick);
  auto next_report = started + s.cfg.progress_interval;
  auto last_report = started;
  std::uint64_t last_ok = 0;
  while (s.running > 0) {
    auto wait = clock::duration(step);
    if (timed && !s.stop)
      wait = std::clamp<clock::duration>(end - clock::now(), clock::duration::zero(), wait);
    timer.expires_after(wait);
    co_await timer.async_wait(nothrow);
    auto now = clock::now();
    if (timed && now >= end) s.stop = true;
    for (auto& w : s.workers) {
      if (w.active && now >= w.deadline) {
        w.timed_out = true;
        std::error_code ignored;
        w.active->close(ignored);
      }
    }
    if (s.cfg.on_progress && s.running > 0 && now >= next_report) {
      double since = std::chrono::duration<double>(now - last_report).count();
      s.cfg.on_progress({std::chrono::duration<double>(now - started).count(), s.completed,
                         s.completed - s.kinds[0],
                         since > 0 ? static_cast<double>(s.kinds[0] - last_ok) / since : 0});
      last_report = now;
      last_ok = s.kinds[0];
      next_report = now + s.cfg.progress_interval;
    }
  }
  s.ticker = nullptr;
}

result<target, std::string> parse_target(const config& cfg) {
  auto u = parse_url(cfg.url);
  if (!u) return fail("invalid URL " + cfg.url + ": " + std::string(describe(u.error().code)));
  target t;
  std::uint16_t default_port = 1965;
  if (u->scheme == "gemini") {
    t.request = cfg.url + "\r\n";
  } else if (u->scheme == "gopher") {
    t.gemini = false;
    default_port = 70;
    // RFC 4266: the path is "/" <type> <selector>, the selector percent-encoded.
    std::string_view path = u->path;
    if (path.size() >= 2) t.gopher_type = path[1];
    auto selector = percent_decode(path.size() > 2 ? path.substr(2) : std::string_view());
    if (!selector) return fail("invalid selector in " + cfg.url);
    t.request = *selector;
    if (u->query) {  // a search (type 7), as `twinstar get` sends it
      auto words = percent_decode(*u->query);
      t.request += "\t" + (words ? *words : *u->query);
    }
    t.request += "\r\n";
  } else {
    return fail("unsupported scheme " + u->scheme + " (gemini:// or gopher:// only)");
  }
  const auto& opt = cfg.options;
  t.host = opt.connect_host.empty() ? u->host : opt.connect_host;
  t.port = std::to_string(opt.connect_port ? opt.connect_port : u->port.value_or(default_port));
  std::error_code not_ip;
  asio::ip::make_address(u->host, not_ip);
  t.sni = opt.sni ? *opt.sni : not_ip ? u->host : std::string();  // no SNI for IP literals (RFC 6066)
  return t;
}

std::string proc_file(int pid, const char* name) { return "/proc/" + std::to_string(pid) + "/" + name; }

// utime + stime (fields 14 and 15) of all threads, in clock ticks.
std::optional<std::uint64_t> cpu_ticks(int pid) {
  constexpr const char* fields_3_to_15 = " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu";
  std::ifstream in(proc_file(pid, "stat"));
  std::string text;
  auto paren = std::getline(in, text) ? text.rfind(')') : std::string::npos;  // the name may hold ") "
  unsigned long utime = 0, stime = 0;
  if (paren == std::string::npos || std::sscanf(&text[paren + 1], fields_3_to_15, &utime, &stime) != 2)
    return std::nullopt;
  return utime + stime;
}

std::optional<long> status_kb(int pid, std::string_view key) {
  std::ifstream in(proc_file(pid, "status"));
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(key)) return std::strtol(line.c_str() + key.size(), nullptr, 10);
  return std::nullopt;
}

// "5" resets the peak RSS (Linux 4.0+); needs to be the process's owner.
bool reset_peak_rss(int pid) {
  int fd = ::open(proc_file(pid, "clear_refs").c_str(), O_WRONLY | O_CLOEXEC);
  bool ok = fd >= 0 && ::write(fd, "5", 1) == 1;
  if (fd >= 0) ::close(fd);
  return ok;
}

double self_cpu_us() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

stats summarise(const run_state& s, double elapsed_s, double client_cpu_us) {
  stats out;
  out.url = s.cfg.url;
  out.concurrency = s.cfg.concurrency;
  out.resume = s.cfg.resume;
  out.requests = s.completed;
  out.ok = s.kinds[0];
  out.resumed = s.resumed;
  out.elapsed_s = elapsed_s;
  out.bytes = s.bytes;
  if (elapsed_s > 0) {
    out.rps = static_cast<double>(out.ok) / elapsed_s;  // failing fast is no throughput
    out.bytes_per_s = static_cast<double>(s.bytes) / elapsed_s;
  }
  auto ms = [](std::uint64_t us) { return static_cast<double>(us) / 1000; };
  out.p50_ms = ms(s.latency.percentile(50)), out.p90_ms = ms(s.latency.percentile(90));
  out.p99_ms = ms(s.latency.percentile(99)), out.max_ms = ms(s.latency.max());
  for (std::size_t k = 1; k < s.kinds.size(); ++k)
    if (s.kinds[k]) out.errors[kind_names[k]] = s.kinds[k];
  for (std::size_t code = 0; code < s.statuses.size(); ++code)
    if (s.statuses[code]) out.errors["status_" + std::to_string(code)] = s.statuses[code];
  if (s.completed) out.client_cpu_us_per_req = client_cpu_us / static_cast<double>(s.completed);
  return out;
}

}  // namespace

result<stats, run_error> run(const config& cfg) {
  if (cfg.concurrency < 1 || cfg.concurrency > max_concurrency)
    return fail(run_error{true, "concurrency must be 1 to " + std::to_string(max_concurrency)});
  auto parsed = parse_target(cfg);
  if (!parsed) return fail(run_error{true, parsed.error()});
  target& tgt = parsed.value();
  const int pid = cfg.server_pid;
  std::optional<std::uint64_t> server_before;
  if (pid > 0 && !(server_before = cpu_ticks(pid)))
    return fail(run_error{true, "cannot read " + proc_file(pid, "stat")});

  asio::io_context resolve_io;  // once, synchronously: no resolver thread per request
  std::error_code ec;
  tgt.endpoints = tcp::resolver(resolve_io).resolve(tgt.host, tgt.port, ec);
  if (ec) return fail(run_error{false, "cannot resolve " + tgt.host + ": " + ec.message()});
  std::optional<asio::ssl::context> ssl;
  if (tgt.gemini) {
    const auto& o = cfg.options;
    auto handle = tls::make_client_context(o.min_tls, o.max_tls, o.cert_file, o.key_file);
    if (!handle) return fail(run_error{false, handle.error()});
    ssl.emplace(handle->release());
  }

  // Declared after what the coroutines use, so their frames go first.
  run_state s(cfg, tgt, ssl ? &*ssl : nullptr);
  asio::io_context io(1);

  bool peak_is_run = pid > 0 && reset_peak_rss(pid);
  double cpu_before = self_cpu_us();
  auto started = clock::now();
  s.running = cfg.concurrency;
  // Only resource exhaustion throws (a socket or SSL that cannot be made).
  for (auto& w : s.workers) {
    asio::co_spawn(io, work(s, w), [&s](std::exception_ptr e) {
      if (--s.running == 0 && s.ticker) s.ticker->cancel();
      if (e) std::rethrow_exception(e);
    });
  }
  asio::co_spawn(io, tick(s, started), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  try {
    io.run();
  } catch (const std::exception& e) {
    return fail(run_error{false, std::string("bench failed: ") + e.what()});
  }
  double elapsed_s = std::chrono::duration<double>(clock::now() - started).count();
  double cpu_us = self_cpu_us() - cpu_before;

  stats out = summarise(s, elapsed_s, cpu_us);
  if (pid > 0) {
    auto after = cpu_ticks(pid);
    double us_per_tick = 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
    if (after && s.completed)
      out.server_cpu_us_per_req = static_cast<double>(*after - *server_before) * us_per_tick / out.requests;
    out.server_peak_rss_kb = status_kb(pid, "VmHWM:");
    out.server_peak_is_run = peak_is_run;
  }
  return out;
}

}  // namespace twinstar::bench
