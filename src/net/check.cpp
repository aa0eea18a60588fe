// The check suite's shared parts: target setup, result bookkeeping, the
// send helpers, the Gemini run order, and the load checks (many clients at
// once; opt-in slow clients) built on send_all. The other checks live in
// check_gemini.cpp, check_paths.cpp and check_gopher.cpp.
#include "twinstar/check.hpp"

#include <cstdio>

#include "check_detail.hpp"
#include "client_async.hpp"
#include "twinstar/reference.hpp"
#include "twinstar/tls.hpp"
#include "twinstar/url.hpp"

namespace twinstar::check {
namespace detail {
namespace {

inline constexpr int max_home_redirects = 5;

bool is_ip_literal(const std::string& host) {
  std::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

asio::awaitable<void> send_into(asio::ssl::context& ctx, const gemini_target& target, std::string request,
                                const client::options& options, std::optional<client::gemini_result>& slot) {
  slot.emplace(co_await client::async_send_gemini(ctx, target.dial_host, target.dial_port, std::move(request),
                                                  options));
}

}  // namespace

void recorder::add(requirement level, std::string name, verdict result, std::string sent,
                   std::string received, std::string note) {
  results_.push_back({level, std::move(name), result, std::move(sent), std::move(received), std::move(note)});
  if (on_result_) on_result_(results_.back());
}

client::gemini_result send(const gemini_target& target, std::string_view request) {
  return client::send_gemini(target.dial_host, target.dial_port, request, target.client);
}

std::vector<client::gemini_result> send_all(const gemini_target& target,
                                            const std::vector<std::string>& requests,
                                            const client::options& options) {
  auto handle =
      tls::make_client_context(options.min_tls, options.max_tls, options.cert_file, options.key_file);
  if (!handle) return std::vector<client::gemini_result>(requests.size(), fail(handle.error()));
  asio::ssl::context ctx(handle->release());
  asio::io_context io;
  std::vector<std::optional<client::gemini_result>> slots(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i)
    asio::co_spawn(io, send_into(ctx, target, requests[i], options, slots[i]), asio::detached);
  io.run();
  std::vector<client::gemini_result> out;
  for (auto& slot : slots) {
    if (slot)
      out.push_back(std::move(*slot));
    else
      out.push_back(fail(std::string("no result")));
  }
  return out;
}

std::optional<std::string> same_target_path(const gemini_target& target, std::string_view url_text) {
  auto u = parse_url(url_text);
  if (!u || u->scheme != "gemini" || u->host != target.host) return std::nullopt;
  if (u->port.value_or(gemini_default_port) != target.port) return std::nullopt;
  return u->path;
}

home_page fetch_home(const gemini_target& target) {
  home_page home;
  std::string current = target.url("/");
  home.first = send(target, current + "\r\n");
  client::gemini_result reply = home.first;
  for (int hop = 0; reply && reply->status / 10 == 3 && hop < max_home_redirects; ++hop) {
    std::string next = resolve_reference(current, reply->meta);
    if (!same_target_path(target, next)) return home;
    current = next;
    reply = send(target, current + "\r\n");
  }
  if (reply && reply->status / 10 == 2) {
    home.content = reply.value();
    home.content_url = current;
  }
  return home;
}

namespace {  // load checks

std::string seconds(std::chrono::microseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(d.count()) / 1e6);
  return text;
}

void check_concurrency(const gemini_target& t, const home_page& home, recorder& out) {
  const std::string name = "concurrent-" + std::to_string(concurrent_requests);
  const std::string request = t.url("/") + "\r\n";
  const std::string sent = std::to_string(concurrent_requests) + " x " + quote_bytes(request) + " at once";
  if (home.status() == 0) {
    out.add(requirement::robust, name, verdict::skip, sent, "", "\"/\" gave no status to compare with");
    return;
  }
  auto replies = send_all(t, std::vector<std::string>(concurrent_requests, request), t.client);
  int same = 0;
  std::string first_problem;
  for (const auto& r : replies) {
    bool ok = r && r->status == home.status() && (r->status / 10 != 2 || r->body == home.first->body);
    if (ok)
      ++same;
    else if (first_problem.empty())
      first_problem = r && r->status == home.status() ? "different body" : describe_reply(r);
  }
  std::string received = std::to_string(same) + "/" + std::to_string(concurrent_requests) + " answered " +
                         std::to_string(home.status()) + " as \"/\" did";
  if (!first_problem.empty()) received += "; first problem: " + first_problem;
  out.add(requirement::robust, name, same == concurrent_requests ? verdict::pass : verdict::fail, sent,
          received);
}

// Both at once, so a server that never hangs up costs slow_client_limit once.
void check_slow_clients(const gemini_target& t, recorder& out) {
  const std::vector<std::string> requests = {t.url("/half-a-request"), ""};
  const char* names[] = {"slow-half-request", "slow-silent-client"};
  const std::string sents[] = {quote_bytes(requests[0]) + " (no CRLF), then wait",
                               "TLS handshake, then nothing"};
  client::options o = t.client;
  o.timeout = slow_client_limit;
  auto replies = send_all(t, requests, o);
  const std::string limit = std::to_string(slow_client_limit.count()) + " s";
  for (std::size_t i = 0; i < replies.size(); ++i) {
    const auto& r = replies[i];
    if (!r) {
      bool timed_out = r.error().find("timed out") != std::string::npos;
      out.add(requirement::robust, names[i], verdict::fail, sents[i],
              timed_out ? "still open after " + limit : "error: " + r.error(),
              "the server should time out idle clients");
      continue;
    }
    std::string received =
        r->status ? "answered " + std::to_string(r->status) + " and closed after " + seconds(r->elapsed)
                  : "closed after " + seconds(r->elapsed);
    out.add(requirement::robust, names[i], verdict::pass, sents[i], received);
  }
}

}  // namespace

void check_load(const gemini_target& t, const home_page& home, bool slow, recorder& out) {
  check_concurrency(t, home, out);
  if (slow) check_slow_clients(t, out);
}

}  // namespace detail

using namespace detail;

result<std::vector<check_result>, std::string> run_gemini_checks(std::string_view url_text,
                                                                 const suite_options& options) {
  auto u = parse_url(url_text);
  if (!u) return fail("invalid URL: " + std::string(describe(u.error().code)));
  if (u->scheme != "gemini") return fail("not a gemini:// URL: " + std::string(url_text));
  gemini_target t;
  t.host = u->host;
  t.port = u->port.value_or(gemini_default_port);
  t.port_explicit = u->port.has_value();
  t.authority = t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
  if (t.port_explicit) t.authority += ":" + std::to_string(t.port);
  t.client = options.client;
  t.dial_host = t.client.connect_host.empty() ? t.host : t.client.connect_host;
  t.dial_port = t.client.connect_port ? t.client.connect_port : t.port;
  if (!t.client.sni) t.client.sni = is_ip_literal(t.host) ? std::string() : t.host;

  recorder out(options);
  if (check_tls(t, out)) {
    home_page home = fetch_home(t);
    check_responses(t, home, out);
    check_requests(t, home, out);
    check_paths(t, home, out);
    check_load(t, home, options.slow, out);
  }
  return out.take();
}

totals summarize(const std::vector<check_result>& results) {
  totals t;
  for (const auto& r : results) {
    if (r.result == verdict::pass) ++t.passed;
    if (r.result == verdict::skip) ++t.skipped;
    if (r.result == verdict::fail) {
      ++t.failed;
      if (r.level == requirement::must) t.must_failed = true;
    }
  }
  return t;
}

int exit_status(const totals& t) { return t.must_failed ? 1 : 0; }

std::string_view name_of(requirement level) {
  switch (level) {
    case requirement::must:
      return "MUST";
    case requirement::should:
      return "SHOULD";
    case requirement::robust:
      return "ROBUST";
  }
  return "?";
}

std::string_view name_of(verdict result) {
  switch (result) {
    case verdict::pass:
      return "PASS";
    case verdict::fail:
      return "FAIL";
    case verdict::skip:
      return "SKIP";
  }
  return "?";
}

std::string describe_bytes(std::string_view bytes, std::size_t max_chars) {
  std::string out;
  std::size_t shown = 0;
  for (; shown < bytes.size() && out.size() < max_chars; ++shown) {
    const auto b = static_cast<unsigned char>(bytes[shown]);
    switch (b) {
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        if (b < 0x20 || b >= 0x7f) {
          char hex[5];
          std::snprintf(hex, sizeof hex, "\\x%02X", b);
          out += hex;
        } else {
          out += static_cast<char>(b);
        }
    }
  }
  if (shown < bytes.size()) out += "...(" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

std::string describe_reply(const client::gemini_result& reply) {
  if (!reply) return "error: " + reply.error();
  if (reply->status == 0) {
    if (reply->raw_header.empty()) return "got no header (closed without a response)";
    return "got malformed header \"" + describe_bytes(reply->raw_header) + "\"";
  }
  std::string out = "got " + std::to_string(reply->status) + " \"" + describe_bytes(reply->meta, 60) + "\"";
  if (!reply->body.empty()) out += " + " + std::to_string(reply->body.size()) + " bytes";
  return out;
}

}  // namespace twinstar::check
