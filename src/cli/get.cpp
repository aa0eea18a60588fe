// `twinstar get URL`: fetch a gemini:// or gopher:// URL.
// Exit codes: 0 success (2x / Gopher reply), 1 a non-2x Gemini status or a
// Gopher error item, 2 bad arguments, 3 network or TLS failure, 4 certificate
// changed (TOFU), 5 redirect limit or loop.
#include <cstdio>
#include <fstream>
#include <set>

#include "commands.hpp"
#include "connection_flags.hpp"
#include "prompt.hpp"
#include "twinstar/gopher.hpp"
#include "twinstar/reference.hpp"
#include "twinstar/url.hpp"

namespace twinstar::cli {
namespace {

inline constexpr int max_redirects = 5;

struct get_flags {
  std::string url;
  std::string output;
  bool include = false;  // the header before the body, on stdout (or -o)
  bool verbose = false;  // TLS and header diagnostics on stderr
  bool follow = false;
  std::string input;
  bool input_given = false;
  connection_flags conn;
};

// `head` (the header with -i, else empty), then `body`, to stdout or -o FILE.
int write_body(const std::string& head, const std::string& body, const get_flags& f) {
  if (f.output.empty()) {
    std::fwrite(head.data(), 1, head.size(), stdout);
    std::fwrite(body.data(), 1, body.size(), stdout);
    return 0;
  }
  std::ofstream out(f.output, std::ios::binary | std::ios::trunc);
  out << head << body;
  if (!out) {
    std::fprintf(stderr, "twinstar get: cannot write %s\n", f.output.c_str());
    return 3;
  }
  return 0;
}

// gopher://host[:port]/<type><selector> -> selector + CRLF
int get_gopher(const get_flags& f, const client::options& opt) {
  auto u = parse_url(f.url);
  if (!u) {
    std::fprintf(stderr, "twinstar get: invalid URL: %s\n", std::string(describe(u.error().code)).c_str());
    return 2;
  }
  std::string path = u->path;
  std::string selector = path.size() >= 2 ? path.substr(2) : "";
  auto decoded = percent_decode(selector);
  if (decoded) selector = decoded.value();
  if (u->query) {
    auto q = percent_decode(*u->query);
    selector += "\t" + (q ? q.value() : *u->query);
  }
  std::string host = opt.connect_host.empty() ? u->host : opt.connect_host;
  std::uint16_t port = opt.connect_port ? opt.connect_port : u->port.value_or(70);
  auto r = client::send_gopher(host, port, selector + "\r\n", opt);
  if (!r) {
    std::fprintf(stderr, "twinstar get: %s\n", r.error().c_str());
    return 3;
  }
  // Gopher has no header: -i adds nothing.
  if (f.verbose)
    std::fprintf(stderr, "gopher %s:%u selector \"%s\": %zu bytes\n", host.c_str(), port, selector.c_str(),
                 r->body.size());
  // Gopher's only way to fail a request: an answer that is an error item.
  if (auto failed = gopher::error_item_text(r->body)) {
    std::fprintf(stderr, "twinstar get: gopher error: %s\n", failed->c_str());
    return 1;
  }
  return write_body({}, r->body, f);
}

int get_gemini(const get_flags& f, const client::options& base_opt) {
  std::string current = f.url;
  std::set<std::string> seen;
  bool input_sent = false;
  for (int redirects = 0;;) {
    auto u = parse_url(current);
    if (!u) {
      std::fprintf(stderr, "twinstar get: invalid URL %s: %s\n", current.c_str(),
                   std::string(describe(u.error().code)).c_str());
      return 2;
    }
    if (u->scheme != "gemini") {
      std::fprintf(stderr, "twinstar get: not following to %s (not gemini)\n", current.c_str());
      return 5;
    }
    auto r = client::fetch_gemini(current, base_opt);
    if (!r) {
      std::fprintf(stderr, "twinstar get: %s: %s\n", current.c_str(), r.error().c_str());
      return 3;
    }
    if (int changed = check_pin(f.conn, u->host, u->port.value_or(1965), r->peer_fingerprint, "get"))
      return changed;
    if (f.verbose)
      std::fprintf(stderr, "%s %s, server certificate %s (%s)\n%s", current.c_str(), r->tls_version.c_str(),
                   r->peer_fingerprint.c_str(), r->peer_subject.c_str(), r->raw_header.c_str());
    if (!r->header_well_formed) std::fprintf(stderr, "twinstar get: warning: malformed response header\n");
    int cls = r->status / 10;
    const std::string head = f.include ? r->raw_header : std::string();
    if (cls == 2) return write_body(head, r->body, f);
    if (cls == 1) {
      // --input answers the first prompt; a user at the terminal any other.
      std::optional<std::string> answer;
      if (f.input_given && !input_sent) {
        answer = f.input;
        input_sent = true;
      } else {
        answer = ask_terminal((r->meta.empty() ? "Input:" : r->meta) + " ", r->status == 11);
      }
      if (answer) {
        current = current.substr(0, current.find('?')) + "?" + percent_encode_path(*answer);
        continue;
      }
    }
    if (cls == 3 && f.follow) {
      seen.insert(current);
      std::string next = resolve_reference(current, r->meta);
      if (seen.count(next)) {
        std::fprintf(stderr, "twinstar get: redirect loop at %s\n", next.c_str());
        return 5;
      }
      if (++redirects > max_redirects) {
        std::fprintf(stderr, "twinstar get: more than %d redirects\n", max_redirects);
        return 5;
      }
      if (f.verbose) std::fprintf(stderr, "-> %s\n", next.c_str());
      current = next;
      continue;
    }
    if (!head.empty())
      if (int failed = write_body(head, {}, f)) return failed;
    std::fprintf(stderr, "twinstar get: %d %s%s\n", r->status, r->meta.c_str(),
                 cls == 1 ? " (no terminal to ask: answer with --input TEXT)" : "");
    return 1;
  }
}

}  // namespace

runner add_get(CLI::App& app) {
  auto f = std::make_shared<get_flags>();
  app.add_option("url", f->url, "gemini:// or gopher:// URL")->required();
  app.add_option("-o,--output", f->output, "Write the body to FILE instead of stdout");
  app.add_flag("-i,--include", f->include, "Put the response header before the body (stdout or -o FILE)");
  app.add_flag("-v,--verbose", f->verbose, "Print the header, TLS version and certificate to stderr");
  app.add_flag("-L,--location", f->follow, "Follow redirects (at most 5, loops detected)");
  app.add_option("--input", f->input,
                 "Answer the first input prompt (10/11) with TEXT (else asked at the terminal)")
      ->each([f](const std::string&) { f->input_given = true; });
  add_connection_flags(app, f->conn);
  return [f] {
    client::options opt;
    if (auto err = to_options(f->conn, opt); !err.empty()) {
      std::fprintf(stderr, "twinstar get: %s\n", err.c_str());
      return 2;
    }
    if (f->url.rfind("gopher://", 0) == 0) return get_gopher(*f, opt);
    return get_gemini(*f, opt);
  };
}

}  // namespace twinstar::cli
