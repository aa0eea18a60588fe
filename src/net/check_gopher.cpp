// Gopher checks (RFC 1436): the root menu's shape, selector line ends, error
// items, oversized selectors and traversal selectors.
#include <algorithm>
#include <cctype>

#include "check_detail.hpp"
#include "twinstar/url.hpp"

namespace twinstar::check {
namespace {

using detail::quote_bytes;
using detail::recorder;

inline constexpr std::uint16_t gopher_default_port = 70;
inline constexpr std::size_t long_selector_bytes = 4096;

struct gopher_target {
  std::string host;
  std::uint16_t port = gopher_default_port;
  client::options client;
};

std::string describe_gopher(const client::gopher_result& r) {
  if (!r) return "error: " + r.error();
  if (r->body.empty()) return "closed without data";
  auto lf = r->body.find('\n');
  std::string first = r->body.substr(0, lf == std::string::npos ? r->body.size() : lf + 1);
  return "got \"" + describe_bytes(first, 80) + "\" (" + std::to_string(r->body.size()) + " bytes)";
}

// The menu's lines without their terminators (the final "." excluded).
std::vector<std::string_view> menu_lines(std::string_view body) {
  std::vector<std::string_view> lines;
  while (!body.empty()) {
    auto lf = body.find('\n');
    std::string_view line = body.substr(0, lf);
    body.remove_prefix(lf == std::string_view::npos ? body.size() : lf + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line == "." && body.empty()) break;
    lines.push_back(line);
  }
  return lines;
}

// "<type><display>\t<selector>\t<host>\t<port>", plus an optional Gopher+ marker.
bool menu_line_ok(std::string_view line) {
  std::vector<std::string_view> fields;
  for (std::size_t start = 0;;) {
    auto tab = line.find('\t', start);
    fields.push_back(
        line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  if (fields.size() == 5 && (fields[4] == "+" || fields[4] == "?" || fields[4] == "!" || fields[4] == "$"))
    fields.pop_back();
  if (fields.size() != 4 || fields[0].empty() || fields[3].empty()) return false;
  return std::all_of(fields[3].begin(), fields[3].end(), [](unsigned char c) { return std::isdigit(c); });
}

void check_root_menu(const std::string& sent, const client::gopher_result& root, recorder& out) {
  std::string received = describe_gopher(root);
  std::string body = root ? root->body : std::string();
  auto add = [&](const char* name, bool ok, std::string note) {
    out.add(requirement::must, name, ok ? verdict::pass : verdict::fail, sent, received,
            ok ? "" : std::move(note));
  };
  auto lines = menu_lines(body);
  auto bad = std::find_if(lines.begin(), lines.end(), [](std::string_view l) { return !menu_line_ok(l); });
  add("gopher-menu-fields", !body.empty() && bad == lines.end(),
      body.empty() ? "empty menu"
                   : "expected <type><display>TAB<selector>TAB<host>TAB<port>; bad line \"" +
                         describe_bytes(bad == lines.end() ? std::string_view() : *bad, 60) + "\"");
  bool crlf = !body.empty() && body.ends_with("\r\n");
  for (std::size_t lf = body.find('\n'); crlf && lf != std::string::npos; lf = body.find('\n', lf + 1))
    crlf = lf > 0 && body[lf - 1] == '\r';
  add("gopher-menu-crlf", crlf, "every menu line must end with CR LF");
  add("gopher-menu-terminator", body == ".\r\n" || body.ends_with("\r\n.\r\n"),
      "a menu must end with \".\\r\\n\"");
}

bool looks_like_passwd(std::string_view body) {
  return body.starts_with("root:") || body.find("\nroot:") != std::string_view::npos;
}

}  // namespace

result<std::vector<check_result>, std::string> run_gopher_checks(std::string_view url_text,
                                                                 const suite_options& options) {
  auto u = parse_url(url_text);
  if (!u) return fail("invalid URL: " + std::string(describe(u.error().code)));
  if (u->scheme != "gopher") return fail("not a gopher:// URL: " + std::string(url_text));
  gopher_target t{u->host, u->port.value_or(gopher_default_port), options.client};
  if (!t.client.connect_host.empty()) t.host = t.client.connect_host;
  if (t.client.connect_port) t.port = t.client.connect_port;
  auto send = [&](std::string_view request) {
    return client::send_gopher(t.host, t.port, request, t.client);
  };

  recorder out(options);
  auto root = send("\r\n");
  if (!root) {
    out.add(requirement::must, "gopher-reachable", verdict::fail, "\"\\r\\n\"", describe_gopher(root),
            "no other Gopher check can run");
    return out.take();
  }
  check_root_menu("\"\\r\\n\" (root selector)", root, out);

  auto lf_only = send("\n");
  bool same = lf_only && lf_only->body == root->body;
  out.add(requirement::should, "gopher-lf-selector", same ? verdict::pass : verdict::fail, "\"\\n\"",
          describe_gopher(lf_only),
          same ? "same as with CRLF" : "a bare LF (Bombadillo) should be read like CRLF");

  std::string missing = "/twinstar-check-missing-selector\r\n";
  auto miss = send(missing);
  bool error_item = miss && miss->body.starts_with('3');
  out.add(requirement::should, "gopher-missing-selector", error_item ? verdict::pass : verdict::fail,
          quote_bytes(missing), describe_gopher(miss), error_item ? "" : "expected a type-3 error item");

  std::string huge = std::string(long_selector_bytes, 'a') + "\r\n";
  auto big = send(huge);
  bool handled = big && (big->body.empty() || big->body.starts_with('3'));
  out.add(requirement::robust, "gopher-long-selector", handled ? verdict::pass : verdict::fail,
          quote_bytes(huge, 24), describe_gopher(big),
          handled ? (big->body.empty() ? "closed" : "error item")
                  : "expected an error item or a close, promptly");

  struct spelling {
    const char* name;
    const char* selector;
  };
  for (auto [name, selector] :
       {spelling{"gopher-traversal-dotdot", "/../../../../etc/passwd"},
        spelling{"gopher-traversal-relative", "../../../../etc/passwd"},
        spelling{"gopher-traversal-typed", "0/../../../../etc/passwd"},
        spelling{"gopher-traversal-encoded", "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"}}) {
    std::string request = std::string(selector) + "\r\n";
    auto r = send(request);
    bool leaked = r && looks_like_passwd(r->body);
    out.add(requirement::must, name, r && !leaked ? verdict::pass : verdict::fail, quote_bytes(request),
            describe_gopher(r),
            leaked ? "LEAKED what looks like /etc/passwd"
            : r    ? ""
                   : "no answer to a traversal selector");
  }
  return out.take();
}

}  // namespace twinstar::check
