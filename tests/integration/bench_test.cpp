// The load generator against a real in-process server on loopback, and the
// `twinstar bench` command line around it.
#include "twinstar/bench.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <asio.hpp>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>
#include <thread>

#include "fixture.hpp"
#include "process.hpp"

using namespace twinstar;
using namespace twinstar::test;

namespace {

constexpr std::uint64_t small_run = 50;
constexpr unsigned small_concurrency = 4;

bench::config config_for(const std::string& url, std::uint16_t port) {
  bench::config c;
  c.url = url;
  c.concurrency = small_concurrency;
  c.requests = small_run;
  c.options.connect_host = "127.0.0.1";
  c.options.connect_port = port;
  c.options.timeout = std::chrono::seconds(10);
  return c;
}

void check_clean_run(const bench::stats& s, std::uint64_t reply_bytes) {
  CHECK(s.requests == small_run);
  CHECK(s.ok == small_run);
  CHECK(s.error_count() == 0);
  CHECK(s.errors.empty());
  CHECK(s.bytes == small_run * reply_bytes);
  CHECK(s.rps == doctest::Approx(static_cast<double>(s.ok) / s.elapsed_s));
  CHECK(s.p50_ms > 0);
  CHECK(s.p50_ms <= s.p90_ms);
  CHECK(s.p90_ms <= s.p99_ms);
  CHECK(s.p99_ms <= s.max_ms);
  CHECK(s.client_cpu_us_per_req > 0);
}

// Like start_test_server, with a Gopher listener as well.
std::unique_ptr<running_server> start_gopher_server() {
  return test::start_one_host_server(
      "bench-gopher", {{"index.gmi", "# Bench capsule\n\n=> page.gmi A page\n=> plain.txt Plain\n"},
                       {"page.gmi", "# A page\nText.\n"},
                       {"plain.txt", "plain text\n"}});
}

// "bench: a=1 b=x" -> {a: 1, b: x}
std::map<std::string, std::string> parse_bench_line(const std::string& line) {
  std::map<std::string, std::string> fields;
  std::istringstream words(line.substr(std::string("bench: ").size()));
  for (std::string word; words >> word;)
    if (auto eq = word.find('='); eq != std::string::npos) fields[word.substr(0, eq)] = word.substr(eq + 1);
  return fields;
}

std::string last_line(const std::string& text) {
  auto end = text.find_last_not_of('\n');
  if (end == std::string::npos) return {};
  auto start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end - (start == std::string::npos ? 0 : start + 1) + 1);
}

std::uint16_t closed_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();  // closed again when the acceptor goes
}

}  // namespace

TEST_CASE("bench histogram: percentiles are ordered and within a bucket of the truth") {
  bench::latency_histogram h;
  CHECK(h.percentile(50) == 0);
  for (std::uint64_t us = 1; us <= 10'000; ++us) h.record(us);
  CHECK(h.count() == 10'000);
  CHECK(h.max() == 10'000);
  for (double p : {50.0, 90.0, 99.0}) {
    CAPTURE(p);
    auto truth = static_cast<double>(p * 100);
    CHECK(static_cast<double>(h.percentile(p)) >= truth);
    CHECK(static_cast<double>(h.percentile(p)) <= truth * 1.008 + 1);
  }
  CHECK(h.percentile(100) == 10'000);
  h.record(std::uint64_t{1} << 62);  // clamped, not out of range
  CHECK(h.percentile(100) == h.max());
}

TEST_CASE("bench: Gemini with full handshakes counts every byte and the server's CPU") {
  auto srv = start_test_server("bench-full");
  auto reply = srv->get(srv->base() + "/page.gmi\r\n");
  auto cfg = config_for(srv->base() + "/page.gmi", srv->gemini_port);
  cfg.server_pid = static_cast<int>(::getpid());  // the server runs in this process
  auto s = bench::run(cfg);
  REQUIRE(s.ok());
  check_clean_run(*s, reply.raw_header.size() + reply.body.size());
  CHECK(s->resumed == 0);
  REQUIRE(s->server_cpu_us_per_req.has_value());
  // The "server" is this process, which also made the 50 full handshakes as
  // the client: tens of milliseconds of CPU, over one clock tick. And no
  // process uses more CPU than its cores had while the run lasted.
  CHECK(*s->server_cpu_us_per_req > 0);
  const double tick_us = 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double cores = std::max(1u, std::thread::hardware_concurrency());
  CHECK(*s->server_cpu_us_per_req * static_cast<double>(s->requests) <=
        (s->elapsed_s * 1e6 + 2 * tick_us) * cores);
  REQUIRE(s->server_peak_rss_kb.has_value());
  CHECK(*s->server_peak_rss_kb > 0);
}

TEST_CASE("bench: --resume reuses each worker's TLS session") {
  auto srv = start_test_server("bench-resume");
  auto reply = srv->get(srv->base() + "/\r\n");
  auto cfg = config_for(srv->base() + "/", srv->gemini_port);
  cfg.resume = true;
  auto s = bench::run(cfg);
  REQUIRE(s.ok());
  check_clean_run(*s, reply.raw_header.size() + reply.body.size());
  // Each worker's first handshake is full; every later one resumes.
  CHECK(s->resumed == small_run - small_concurrency);
}

TEST_CASE("bench: Gopher selectors come from the URL path after the type") {
  auto srv = start_gopher_server();
  struct row {
    std::string path, selector;
  };
  for (const auto& r :
       {row{"/", ""}, row{"/1/", "/"}, row{"/1/page.gmi", "/page.gmi"}, row{"/0/plain.txt", "/plain.txt"}}) {
    CAPTURE(r.path);
    auto direct = client::send_gopher("127.0.0.1", srv->gopher_port, r.selector + "\r\n", srv->opts());
    REQUIRE(direct.ok());
    REQUIRE_FALSE(direct->body.empty());
    auto s = bench::run(
        config_for("gopher://localhost:" + std::to_string(srv->gopher_port) + r.path, srv->gopher_port));
    REQUIRE(s.ok());
    check_clean_run(*s, direct->body.size());
  }
}

TEST_CASE("bench: failed requests are counted by kind / not fatal") {
  auto srv = start_test_server("bench-errors");
  asio::io_context io;
  asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});  // listens, never answers
  struct row {
    const char* name;
    std::string url;
    std::uint16_t port;
    std::string kind;
  };
  const std::vector<row> rows = {
      {"closed port", "gemini://localhost/", closed_port(), "connect"},
      {"silent server", "gemini://localhost/", silent.local_endpoint().port(), "timeout"},
      {"missing file", srv->base() + "/nope.gmi", srv->gemini_port, "status_51"},
      {"closed Gopher port", "gopher://localhost/", closed_port(), "connect"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.name);
    auto cfg = config_for(r.url, r.port);
    cfg.requests = 6;
    cfg.concurrency = 2;
    cfg.options.timeout = std::chrono::milliseconds(200);
    auto s = bench::run(cfg);
    REQUIRE(s.ok());
    CHECK(s->requests == 6);
    CHECK(s->ok == 0);
    CHECK(s->error_count() == 6);
    CHECK(s->errors[r.kind] == 6);
    CHECK(s->rps == 0);  // was the rate of failures: nothing succeeded, so 0 requests/s
    CHECK(s->bytes_per_s == doctest::Approx(static_cast<double>(s->bytes) / s->elapsed_s));
  }
}

TEST_CASE("bench: progress reports count successful requests per second, 0 while all fail") {
  auto cfg = config_for("gemini://localhost/", closed_port());
  cfg.requests = 0;
  cfg.duration = std::chrono::milliseconds(300);
  cfg.progress_interval = std::chrono::milliseconds(20);
  std::vector<bench::progress> reports;
  cfg.on_progress = [&](const bench::progress& p) { reports.push_back(p); };
  auto s = bench::run(cfg);
  REQUIRE(s.ok());
  REQUIRE_FALSE(reports.empty());
  CHECK(reports.back().errors > 0);
  for (const auto& p : reports) CHECK(p.recent_rps == 0);
}

TEST_CASE("bench: bad configurations are errors before anything is sent") {
  for (const char* url : {"https://localhost/", "not a url", "gemini://"}) {
    CAPTURE(url);
    auto s = bench::run(config_for(url, 1965));
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().bad_argument);
  }
  auto cfg = config_for("gemini://localhost/", 1965);
  cfg.concurrency = 0;
  CHECK_FALSE(bench::run(cfg).ok());
}

TEST_CASE("bench CLI: the final line parses / as key=value and as JSON") {
  auto srv = start_test_server("bench-cli");
  const std::string connect = "127.0.0.1:" + std::to_string(srv->gemini_port);
  const std::string pid = std::to_string(::getpid());
  {
    child_process proc({TWINSTAR_BINARY, "bench", "gemini://localhost/page.gmi", "--connect", connect,
                        "--requests", "20", "--concurrency", "2", "--server-pid", pid});
    REQUIRE(proc.wait() == 0);
    auto line = last_line(proc.pending_stdout());
    CAPTURE(line);
    REQUIRE(line.rfind("bench: ", 0) == 0);
    auto f = parse_bench_line(line);
    CHECK(f["url"] == "gemini://localhost/page.gmi");
    CHECK(f["requests"] == "20");
    CHECK(f["errors"] == "0");
    // Each a whole number ("-" is what an unknown value would print); the
    // CPU figures may round to 0 over 20 requests, the others cannot.
    auto number = [&](const char* key) {
      CAPTURE(key);
      REQUIRE(f.count(key));
      const std::string& text = f[key];
      CAPTURE(text);
      char* end = nullptr;
      const double value = std::strtod(text.c_str(), &end);
      CHECK((!text.empty() && end == text.c_str() + text.size()));
      CHECK(std::isfinite(value));
      return value;
    };
    for (const char* key :
         {"rps", "p50_ms", "p90_ms", "p99_ms", "max_ms", "bytes_per_s", "server_peak_rss_kb"})
      CHECK(number(key) > 0);
    for (const char* key : {"client_cpu_us_per_req", "server_cpu_us_per_req"}) CHECK(number(key) >= 0);
    CHECK(std::stod(f["p50_ms"]) <= std::stod(f["max_ms"]));
  }
  {
    child_process proc(
        {TWINSTAR_BINARY, "bench", "gemini://localhost/", "--connect", connect, "-n", "5", "--json"});
    REQUIRE(proc.wait() == 0);
    auto line = last_line(proc.pending_stdout());
    CAPTURE(line);
    CHECK(line.front() == '{');
    CHECK(line.back() == '}');
    CHECK(line.find("\"requests\":5,") != std::string::npos);
    CHECK(line.find("\"server_cpu_us_per_req\":null") != std::string::npos);
  }
}

TEST_CASE("bench CLI: exit 2 on bad arguments / 1 when every request failed") {
  struct row {
    std::vector<std::string> args;
    int code;
  };
  const std::string closed = "127.0.0.1:" + std::to_string(closed_port());
  const std::vector<row> rows = {
      {{"ftp://localhost/"}, 2},
      {{}, 2},
      {{"gemini://localhost/", "--requests", "5", "--duration", "1"}, 2},
      {{"gemini://localhost/", "--concurrency", "0"}, 2},
      {{"gemini://localhost/", "--connect", "nonsense"}, 2},
      {{"gemini://localhost/", "--connect", closed, "--requests", "3", "--timeout", "2"}, 1},
  };
  for (const auto& r : rows) {
    std::vector<std::string> args = {TWINSTAR_BINARY, "bench"};
    args.insert(args.end(), r.args.begin(), r.args.end());
    CAPTURE(args.size());
    child_process proc(args);
    int code = proc.wait();
    CAPTURE(proc.stderr_text());
    CHECK(code == r.code);
  }
}

namespace {

// Lines of `log` holding `needle`, once there are `want` (bounded: the
// log's writer batches lines).
std::size_t logged_lines(const std::filesystem::path& log, const std::string& needle, std::size_t want) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    std::size_t n = 0;
    std::istringstream lines(read_file(log));
    for (std::string line; std::getline(lines, line);) n += line.find(needle) != std::string::npos ? 1 : 0;
    if (n >= want || std::chrono::steady_clock::now() > until) return n;
    std::this_thread::yield();
  }
}

}  // namespace

// bench's requests were indistinguishable from readers' in the access log.
TEST_CASE("bench --tag: each request carries the tag as its query, so the access log shows bench's lines") {
  auto srv = start_test_server("bench-tag");
  const auto log = srv->dir / "access.log";
  struct row {
    std::string url;
    std::uint16_t port;
    std::string logged;  // how the access log shows the tagged request
  };
  const row rows[] = {
      {"gemini://localhost/page.gmi", srv->gemini_port, " gemini localhost /page.gmi?twinstar-bench%20run "},
      {"gopher://localhost/0/page.gmi", srv->gopher_port,
       " gopher localhost /page.gmi%09twinstar-bench%20run "},
  };
  for (const auto& r : rows) {
    CAPTURE(r.url);
    child_process proc({TWINSTAR_BINARY, "bench", r.url, "--connect", "127.0.0.1:" + std::to_string(r.port),
                        "-n", "5", "-c", "1", "--tag", "twinstar-bench run"});
    CHECK(proc.wait() == 0);
    const auto line = last_line(proc.pending_stdout());
    REQUIRE(line.rfind("bench: ", 0) == 0);
    auto f = parse_bench_line(line);
    CHECK(f["url"] == r.url + "?twinstar-bench%20run");
    CHECK(f["ok"] == "5");  // the tag changes nothing in the answer
    CHECK(logged_lines(log, r.logged, 5) == 5);
  }
  // A URL with a query (or Gopher search) of its own has no room for a tag.
  child_process taken({TWINSTAR_BINARY, "bench", "gemini://localhost/?q", "--tag", "x", "-n", "1"});
  CHECK(taken.wait() == 2);
  CHECK(taken.stderr_text().find("--tag") != std::string::npos);
}
