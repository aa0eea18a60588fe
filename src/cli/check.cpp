// `twinstar check URL`: run the conformance suite (twinstar/check.hpp) against
// a Gemini server, optionally its Gopher side too, and print one line per
// check (or a JSON document) and the totals.
// Exit codes: 0 every MUST check passed (SHOULD and ROBUST failures are
// reported only), 1 a MUST check failed, 2 usage error.
#include "twinstar/check.hpp"

#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "connection_flags.hpp"
#include "twinstar/known_hosts.hpp"
#include "twinstar/url.hpp"

namespace twinstar::cli {
namespace {

struct check_flags {
  std::string url;
  std::string gopher;
  bool json = false;
  bool slow = false;
  connection_flags conn;
};

void print_line(const check::check_result& r) {
  std::string line = std::string(check::name_of(r.level));
  line.resize(7, ' ');
  line += std::string(check::name_of(r.result)) + " " + r.name;
  if (line.size() < 42) line.resize(42, ' ');
  if (!r.sent.empty()) line += " sent " + r.sent;
  if (!r.received.empty()) line += (r.sent.empty() ? " " : "; ") + r.received;
  if (!r.note.empty()) line += " [" + r.note + "]";
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

std::string json_string(std::string_view s) {
  bool utf8 = is_valid_utf8(s);
  std::string out = "\"";
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (b < 0x20 || b == 0x7f || (b >= 0x80 && !utf8)) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", b);
      out += esc;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void print_json(const check_flags& f, const std::vector<check::check_result>& results,
                const check::totals& t) {
  std::printf("{\n  \"target\": %s,\n", json_string(f.url).c_str());
  if (!f.gopher.empty()) std::printf("  \"gopher_target\": %s,\n", json_string(f.gopher).c_str());
  std::printf("  \"checks\": [");
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    std::printf(
        "%s\n    {\"level\": %s, \"name\": %s, \"result\": %s, \"sent\": %s, \"received\": %s, \"note\": %s}",
        i ? "," : "", json_string(check::name_of(r.level)).c_str(), json_string(r.name).c_str(),
        json_string(check::name_of(r.result)).c_str(), json_string(r.sent).c_str(),
        json_string(r.received).c_str(), json_string(r.note).c_str());
  }
  std::printf("\n  ],\n  \"passed\": %d,\n  \"failed\": %d,\n  \"skipped\": %d\n}\n", t.passed, t.failed,
              t.skipped);
}

// Trust on first use, as `get` does: pin a new certificate, warn (without
// stopping: check sends nothing secret) when a pinned one changed.
void verify_pin(const check_flags& f, const client::options& opt) {
  std::string file = known_hosts_file(f.conn);
  if (file.empty()) return;
  auto u = parse_url(f.url);
  auto reply = client::fetch_gemini(f.url, opt);
  if (!u || !reply) return;  // the suite reports what went wrong
  std::string key = u->host + ":" + std::to_string(u->port.value_or(1965));
  known_hosts pins = known_hosts::load(file);
  switch (pins.check(key, reply->peer_fingerprint)) {
    case tofu_verdict::changed:
      std::fprintf(stderr,
                   "twinstar check: WARNING: the certificate of %s CHANGED (pinned %s, now %s); see %s\n",
                   key.c_str(), pins.pinned(key)->c_str(), reply->peer_fingerprint.c_str(), file.c_str());
      break;
    case tofu_verdict::first_use:
      if (!pins.save(file)) std::fprintf(stderr, "twinstar check: warning: cannot write %s\n", file.c_str());
      break;
    case tofu_verdict::match:
      break;
  }
}

int run_check(const check_flags& f) {
  client::options opt;
  if (auto err = to_options(f.conn, opt); !err.empty()) {
    std::fprintf(stderr, "twinstar check: %s\n", err.c_str());
    return 2;
  }
  auto u = parse_url(f.url);
  bool gopher_only = u && u->scheme == "gopher";
  if (!u || (u->scheme != "gemini" && !gopher_only)) {
    std::fprintf(stderr, "twinstar check: expected a gemini:// or gopher:// URL, got %s\n", f.url.c_str());
    return 2;
  }
  if (gopher_only && !f.gopher.empty()) {
    std::fprintf(stderr, "twinstar check: --gopher goes with a gemini:// URL\n");
    return 2;
  }
  if (auto g = parse_url(f.gopher); !f.gopher.empty() && (!g || g->scheme != "gopher")) {
    std::fprintf(stderr, "twinstar check: --gopher expects a gopher:// URL, got %s\n", f.gopher.c_str());
    return 2;
  }

  check::suite_options suite;
  suite.client = opt;
  suite.slow = f.slow;
  if (!f.json) suite.on_result = print_line;
  std::vector<check::check_result> results;
  auto run = [&](auto runner, const std::string& url, const check::suite_options& o) {
    auto r = runner(url, o);
    if (!r) {
      std::fprintf(stderr, "twinstar check: %s\n", r.error().c_str());
      return false;
    }
    results.insert(results.end(), r->begin(), r->end());
    return true;
  };
  if (gopher_only) {
    if (!run(check::run_gopher_checks, f.url, suite)) return 2;
  } else {
    verify_pin(f, opt);
    if (!run(check::run_gemini_checks, f.url, suite)) return 2;
    if (!f.gopher.empty()) {
      // --connect and --sni are about the gemini:// URL.
      check::suite_options gopher = suite;
      gopher.client.connect_host.clear();
      gopher.client.connect_port = 0;
      if (!run(check::run_gopher_checks, f.gopher, gopher)) return 2;
    }
  }

  auto t = check::summarize(results);
  if (f.json) {
    print_json(f, results, t);
  } else {
    std::printf("%d passed, %d failed", t.passed, t.failed);
    if (t.skipped) std::printf(", %d skipped", t.skipped);
    std::printf("\n");
  }
  return check::exit_status(t);
}

}  // namespace

runner add_check(CLI::App& app) {
  auto f = std::make_shared<check_flags>();
  app.add_option("url", f->url,
                 "gemini://host[:port]/ to check (the path is ignored), or gopher://host[:port]/ for a "
                 "Gopher-only run")
      ->required();
  app.add_option("--gopher", f->gopher, "Also run the Gopher checks against gopher://host[:port]/");
  app.add_flag("--json", f->json, "Print a JSON document (checks and totals) instead of lines");
  app.add_flag(
      "--slow", f->slow,
      "Also check that clients sending half a request, or nothing, are hung up on (waits up to 30 s)");
  add_connection_flags(app, f->conn);
  app.footer(
      "Each line: level, PASS/FAIL/SKIP, check name, what was sent, what came back [note].\n"
      "Levels: MUST = the specification requires it; SHOULD = implied by it or relied on by clients;\n"
      "ROBUST = resilience under load and misbehaving clients.\n"
      "Exit status: 0 when every MUST check passed (SHOULD and ROBUST failures are reported but\n"
      "do not fail the run), 1 when a MUST check failed, 2 for a usage error.\n"
      "Unless --insecure, the server's certificate is pinned on first use as with `get`; a changed\n"
      "certificate is reported on stderr.");
  return [f] { return run_check(*f); };
}

}  // namespace twinstar::cli
