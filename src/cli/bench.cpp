// `twinstar bench URL`: load-test a Gemini or Gopher server.
// Exit codes: 0 it ran (failed requests included), 1 every request failed or
// the run could not start, 2 bad arguments.
//
// stdout: a short report, then one machine-readable line (key=value after
// "bench: ", or JSON with --json). stderr: a progress line while on a terminal.
#include "twinstar/bench.hpp"

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "connection_flags.hpp"
#include "twinstar/url.hpp"

namespace twinstar::cli {
namespace {

struct bench_flags {
  std::string url;
  unsigned concurrency = 16;
  double duration = 10;
  std::uint64_t requests = 0;
  bool resume = false;
  int server_pid = 0;
  bool json = false;
  std::string tag;
  connection_flags conn;
  CLI::Option* duration_option = nullptr;
  CLI::Option* requests_option = nullptr;
};

std::string fixed(double value, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, value);
  return buf;
}

// "connect:3,status_51:2", or "-" when nothing failed.
std::string error_kinds(const bench::stats& s) {
  std::string out;
  for (const auto& [name, count] : s.errors)
    out += (out.empty() ? "" : ",") + name + ":" + std::to_string(count);
  return out.empty() ? "-" : out;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string format_line(const bench::stats& s) {
  std::string line = "bench: url=" + s.url;
  line += " requests=" + std::to_string(s.requests);
  line += " rps=" + fixed(s.rps, 1);
  line += " p50_ms=" + fixed(s.p50_ms, 3) + " p90_ms=" + fixed(s.p90_ms, 3);
  line += " p99_ms=" + fixed(s.p99_ms, 3) + " max_ms=" + fixed(s.max_ms, 3);
  line += " errors=" + std::to_string(s.error_count());
  line += " bytes_per_s=" + fixed(s.bytes_per_s, 0);
  line += " client_cpu_us_per_req=" + fixed(s.client_cpu_us_per_req, 1);
  line += " server_cpu_us_per_req=" + (s.server_cpu_us_per_req ? fixed(*s.server_cpu_us_per_req, 1) : "-");
  line += " server_peak_rss_kb=" + (s.server_peak_rss_kb ? std::to_string(*s.server_peak_rss_kb) : "-");
  line += " concurrency=" + std::to_string(s.concurrency);
  line += " ok=" + std::to_string(s.ok) + " resumed=" + std::to_string(s.resumed);
  line += " error_kinds=" + error_kinds(s);
  line += " bytes=" + std::to_string(s.bytes) + " elapsed_s=" + fixed(s.elapsed_s, 3);
  return line;
}

std::string format_json(const bench::stats& s) {
  std::string errors;
  for (const auto& [name, count] : s.errors)
    errors += (errors.empty() ? "" : ",") + json_string(name) + ":" + std::to_string(count);
  std::string j = "{\"url\":" + json_string(s.url);
  j += ",\"concurrency\":" + std::to_string(s.concurrency);
  j += ",\"resume\":" + std::string(s.resume ? "true" : "false");
  j += ",\"requests\":" + std::to_string(s.requests) + ",\"ok\":" + std::to_string(s.ok);
  j += ",\"resumed\":" + std::to_string(s.resumed);
  j += ",\"elapsed_s\":" + fixed(s.elapsed_s, 3) + ",\"rps\":" + fixed(s.rps, 1);
  j += ",\"p50_ms\":" + fixed(s.p50_ms, 3) + ",\"p90_ms\":" + fixed(s.p90_ms, 3);
  j += ",\"p99_ms\":" + fixed(s.p99_ms, 3) + ",\"max_ms\":" + fixed(s.max_ms, 3);
  j += ",\"errors\":" + std::to_string(s.error_count()) + ",\"error_kinds\":{" + errors + "}";
  j += ",\"bytes\":" + std::to_string(s.bytes) + ",\"bytes_per_s\":" + fixed(s.bytes_per_s, 0);
  j += ",\"client_cpu_us_per_req\":" + fixed(s.client_cpu_us_per_req, 1);
  j +=
      ",\"server_cpu_us_per_req\":" + (s.server_cpu_us_per_req ? fixed(*s.server_cpu_us_per_req, 1) : "null");
  j += ",\"server_peak_rss_kb\":" + (s.server_peak_rss_kb ? std::to_string(*s.server_peak_rss_kb) : "null");
  return j + "}";
}

void print_report(const bench::stats& s, int pid) {
  std::printf("%s: %llu requests in %.2f s, %llu succeeded (%.1f req/s), concurrency %u, %s\n", s.url.c_str(),
              static_cast<unsigned long long>(s.requests), s.elapsed_s, static_cast<unsigned long long>(s.ok),
              s.rps, s.concurrency,
              s.url.starts_with("gopher") ? "plain TCP"
              : s.resume                  ? "TLS session resumption"
                                          : "full TLS handshakes");
  std::printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms);
  if (s.resume) std::printf("resumed: %llu handshakes\n", static_cast<unsigned long long>(s.resumed));
  std::printf("errors: %s\n", s.errors.empty() ? "none" : error_kinds(s).c_str());
  std::printf("received: %.2f MB/s (%llu bytes, headers included)\n", s.bytes_per_s / 1e6,
              static_cast<unsigned long long>(s.bytes));
  std::printf("client CPU: %.1f µs/request\n", s.client_cpu_us_per_req);
  if (pid > 0) {
    std::string cpu =
        s.server_cpu_us_per_req ? fixed(*s.server_cpu_us_per_req, 1) + " µs/request" : "unknown";
    std::string rss = s.server_peak_rss_kb ? std::to_string(*s.server_peak_rss_kb) + " kB" : "unknown";
    std::printf("server (pid %d) CPU: %s, peak RSS %s%s\n", pid, cpu.c_str(), rss.c_str(),
                s.server_peak_is_run ? "" : " (since the process started)");
  }
}

int bench_main(const bench_flags& f) {
  auto usage = [](const std::string& message) {
    std::fprintf(stderr, "twinstar bench: %s\n", message.c_str());
    return 2;
  };
  if (f.url.empty()) return usage("a gemini:// or gopher:// URL is required");
  if (f.duration_option->count() && f.requests_option->count())
    return usage("--duration and --requests exclude each other");
  if (f.duration_option->count() && !(f.duration > 0)) return usage("--duration must be > 0");
  if (f.requests_option->count() && f.requests == 0) return usage("--requests must be >= 1");
  if (f.server_pid < 0) return usage("--server-pid must be a process id");
  std::string url = f.url;
  if (!f.tag.empty()) {
    // The query of a Gemini request, a Gopher search string: both reach the
    // access log (the server's, if it logs them) and leave a static file's
    // answer as it was.
    auto u = parse_url(url);
    if (u && u->query) return usage("--tag: the URL has a query (Gopher: a search) of its own");
    url += "?" + percent_encode_path(f.tag);
  }

  bench::config cfg;
  if (auto error = to_options(f.conn, cfg.options); !error.empty()) return usage(error);
  cfg.url = url;
  cfg.concurrency = f.concurrency;
  cfg.requests = f.requests;
  cfg.duration = std::chrono::milliseconds(static_cast<long>(f.duration * 1000));
  cfg.resume = f.resume;
  cfg.server_pid = f.server_pid;
  const bool progress = ::isatty(STDERR_FILENO) == 1;
  if (progress) {
    cfg.on_progress = [](const bench::progress& p) {
      std::fprintf(stderr, "\r%6.1f s  %10llu requests  %9.1f req/s  %llu errors\033[K", p.elapsed_s,
                   static_cast<unsigned long long>(p.requests), p.recent_rps,
                   static_cast<unsigned long long>(p.errors));
      std::fflush(stderr);
    };
  }

  auto result = bench::run(cfg);
  if (progress) std::fputs("\r\033[K", stderr);
  if (!result) {
    std::fprintf(stderr, "twinstar bench: %s\n", result.error().message.c_str());
    return result.error().bad_argument ? 2 : 1;
  }
  const bench::stats& s = result.value();
  print_report(s, f.server_pid);
  std::printf("%s\n", (f.json ? format_json(s) : format_line(s)).c_str());
  std::fflush(stdout);
  return s.ok == 0 ? 1 : 0;
}

}  // namespace

runner add_bench(CLI::App& app) {
  auto f = std::make_shared<bench_flags>();
  app.add_option("url", f->url, "gemini:// or gopher:// URL (Gopher: /<type><selector>)");
  app.add_option("-c,--concurrency", f->concurrency, "Connections in flight at once")->capture_default_str();
  f->duration_option = app.add_option("-d,--duration", f->duration, "Seconds to run")->capture_default_str();
  f->requests_option = app.add_option("-n,--requests", f->requests, "Total requests, instead of --duration");
  app.add_flag("--resume", f->resume,
               "Resume TLS sessions (each connection reuses its predecessor's session)");
  app.add_option("--server-pid", f->server_pid, "Also report this process's CPU per request and peak RSS");
  app.add_flag("--json", f->json, "Print the final line as JSON");
  app.add_option(
      "--tag", f->tag,
      "Send TEXT as each request's query (Gopher: search string) to mark bench's lines in access logs");
  add_connection_flags(app, f->conn);
  return [f] { return bench_main(*f); };
}

}  // namespace twinstar::cli
