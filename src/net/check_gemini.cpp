// Gemini checks: TLS versions, the response header, and how requests are
// parsed (limits, malformed requests -> 59, foreign URLs -> 53, equivalent
// spellings answered alike). Spec: Gemini network protocol v0.24, RFC 3986.
#include <algorithm>
#include <cctype>

#include "check_detail.hpp"
#include "twinstar/reference.hpp"
#include "twinstar/url.hpp"

namespace twinstar::check::detail {
namespace {

inline constexpr std::size_t max_uri_bytes = 1024;
inline constexpr std::size_t max_meta_bytes = 1024;
inline constexpr std::string_view bom = "\xEF\xBB\xBF";

std::string tls_name(int version) {
  switch (version) {
    case TLS1_VERSION:
      return "TLS 1.0";
    case TLS1_1_VERSION:
      return "TLS 1.1";
    case TLS1_2_VERSION:
      return "TLS 1.2";
    case TLS1_3_VERSION:
      return "TLS 1.3";
  }
  return "TLS ?";
}

// One handshake offering exactly `version` (0: everything from TLS 1.2 up).
void probe(const gemini_target& t, requirement level, const std::string& name, int version,
           bool want_accepted, recorder& out, bool& reachable) {
  client::options o = t.client;
  o.min_tls = version ? version : TLS1_2_VERSION;
  o.max_tls = version;
  std::string sent =
      version ? "ClientHello offering only " + tls_name(version) : "ClientHello offering TLS 1.2-1.3";
  auto r = client::probe_tls(t.dial_host, t.dial_port, o);
  if (r) {
    reachable = true;
    std::string received = "handshake completed, " + r.value();
    if (want_accepted)
      out.add(level, name, verdict::pass, sent, received);
    else
      out.add(level, name, verdict::fail, sent, received,
              "spec: TLS 1.2 or higher only; older versions must be refused");
    return;
  }
  const std::string& e = r.error();
  if (e.find("no protocols available") != std::string::npos) {
    out.add(level, name, verdict::skip, sent, "error: " + e,
            "this OpenSSL build cannot offer " + tls_name(version));
  } else if (!want_accepted && e.rfind("TLS handshake failed", 0) == 0) {
    out.add(level, name, verdict::pass, sent, "refused: " + e);
  } else {
    std::string note = want_accepted && version == TLS1_2_VERSION
                           ? "real clients still offer TLS 1.2 (a TLS 1.3-only server meets the MUST)"
                           : "";
    out.add(level, name, verdict::fail, sent, "error: " + e, note);
  }
}

// "DD meta" without the line end; the status must be 10-69.
bool header_shape_ok(const client::gemini_reply& r) {
  std::string_view line(r.raw_header);
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line.size() < 2 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
      !std::isdigit(static_cast<unsigned char>(line[1])))
    return false;
  if (line[0] < '1' || line[0] > '6') return false;
  if (line.size() > 2 && line[2] != ' ') return false;
  return line.find_first_of("\r\n") == std::string_view::npos;
}

std::string media_type(std::string_view meta) {
  std::string type(meta.substr(0, meta.find(';')));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  return type;
}

enum class expect {
  bad_request,                   // 59 only
  bad_request_or_not_found,      // 59, or 51 once decoded to a missing file
  proxy_refused,                 // 53 only
  proxy_refused_or_bad_request,  // 53; 59 noted
  not_too_long,                  // any answer but 59
  same_as_home,                  // the status "/" gave
  home_or_redirect_to_root,      // the status "/" gave, or a 3x to "/"
};

struct request_row {
  requirement level;
  std::string name;
  std::string request;
  expect what;
  const char* why = "";  // the spec's reason, added to a failure's note
};

void grade(const gemini_target& t, const home_page& home, const request_row& row, recorder& out) {
  std::string sent = quote_bytes(row.request);
  bool needs_home = row.what == expect::same_as_home || row.what == expect::home_or_redirect_to_root;
  if (needs_home && home.status() == 0) {
    out.add(row.level, row.name, verdict::skip, sent, "", "\"/\" gave no status to compare with");
    return;
  }
  auto r = send(t, row.request);
  std::string received = describe_reply(r);
  int s = r ? r->status : 0;
  auto done = [&](bool ok, std::string note) {
    if (!ok && *row.why) note += (note.empty() ? "" : "; ") + std::string(row.why);
    out.add(row.level, row.name, ok ? verdict::pass : verdict::fail, sent, received, std::move(note));
  };
  if (!r || s == 0) return done(false, "expected a response header");
  switch (row.what) {
    case expect::bad_request:
      return done(s == 59, s == 59 ? "" : "expected 59 (bad request)");
    case expect::bad_request_or_not_found:
      if (s == 59 || s == 51) return done(true, "accepted 59 or 51; saw " + std::to_string(s));
      return done(false, "expected 59, or 51 after decoding");
    case expect::proxy_refused:
      return done(s == 53, s == 53 ? "" : "expected 53 (proxy request refused)");
    case expect::proxy_refused_or_bad_request:
      if (s == 53) return done(true, "");
      if (s == 59) return done(true, "saw 59; the spec's answer is 53 (proxy request refused)");
      return done(false, "expected 53 (proxy request refused)");
    case expect::not_too_long:
      return done(s != 59, s == 59 ? "a 1024-byte URI is legal"
                                   : "1024-byte URI not rejected; saw " + std::to_string(s));
    case expect::same_as_home:
      return done(s == home.status(),
                  s == home.status() ? "" : "\"/\" gave " + std::to_string(home.status()));
    case expect::home_or_redirect_to_root:
      if (s == home.status()) return done(true, "same as \"/\"");
      if (s / 10 == 3 && same_target_path(t, resolve_reference(t.base(), r->meta)) == "/")
        return done(true, "redirect to \"/\"");
      return done(false,
                  "expected what \"/\" gave (" + std::to_string(home.status()) + ") or a redirect to \"/\"");
  }
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

}  // namespace

bool check_tls(const gemini_target& t, recorder& out) {
  bool reachable = false;
  probe(t, requirement::must, "tls-1.2-or-higher", 0, true, out, reachable);
  if (!reachable) return false;
  probe(t, requirement::should, "tls-1.3-accepted", TLS1_3_VERSION, true, out, reachable);
  probe(t, requirement::should, "tls-1.2-accepted", TLS1_2_VERSION, true, out, reachable);
  probe(t, requirement::must, "tls-1.1-refused", TLS1_1_VERSION, false, out, reachable);
  probe(t, requirement::must, "tls-1.0-refused", TLS1_VERSION, false, out, reachable);
  return true;
}

void check_responses(const gemini_target& t, const home_page& home, recorder& out) {
  std::string home_sent = quote_bytes(t.url("/") + "\r\n");
  std::string home_got = describe_reply(home.first);
  int s = home.status();
  out.add(requirement::should, "home-page", s / 10 == 2 || s / 10 == 3 ? verdict::pass : verdict::fail,
          home_sent, home_got,
          s / 10 == 3   ? "redirect"
          : s / 10 == 2 ? ""
                        : "expected 20 (or a redirect)");

  // A second, failing request: the rules hold for error replies too.
  std::string missing = t.url("/twinstar-check-missing-page.gmi") + "\r\n";
  auto error_reply = send(t, missing);
  std::string sent = home_sent + " and " + quote_bytes(missing);
  std::vector<const client::gemini_result*> replies{&home.first, &error_reply};
  std::string headers, problem;
  bool all_ok = true;
  for (auto* r : replies) {
    if (!headers.empty()) headers += ", ";
    headers += *r ? "\"" + describe_bytes((*r)->raw_header, 80) + "\"" : "error: " + r->error();
    all_ok = all_ok && r->ok() && !(*r)->raw_header.empty();
  }
  auto each = [&](auto pred) { return all_ok && pred(*home.first) && pred(*error_reply); };
  auto verdict_of = [](bool ok) { return ok ? verdict::pass : verdict::fail; };

  bool notify = each([](const client::gemini_reply& r) { return r.close_notify; });
  out.add(requirement::must, "close-notify", verdict_of(notify), sent,
          all_ok ? std::string(notify ? "both ended with close_notify"
                                      : "a connection closed without close_notify")
                 : headers,
          notify ? "" : "spec: after any response the server sends a TLS close_notify");
  bool crlf = each([](const client::gemini_reply& r) {
    return r.raw_header.ends_with("\r\n") && r.raw_header.find('\r') == r.raw_header.size() - 2;
  });
  out.add(requirement::must, "header-crlf", verdict_of(crlf), sent, "headers " + headers,
          crlf ? "" : "the header must end with CR LF (a bare LF breaks clients)");
  bool shape = each(header_shape_ok);
  out.add(requirement::must, "header-format", verdict_of(shape), sent, "headers " + headers,
          shape ? "" : "expected \"<two-digit status 10-69><SPACE><meta>\"");
  bool meta = each([](const client::gemini_reply& r) {
    return r.meta.size() <= max_meta_bytes && !r.meta.starts_with(bom) && is_valid_utf8(r.meta);
  });
  out.add(requirement::must, "meta-limits", verdict_of(meta), sent, "headers " + headers,
          meta ? "" : "meta must be UTF-8, at most 1024 bytes, without a BOM");

  if (!home.content) {
    out.add(requirement::should, "success-has-mime", verdict::skip, home_sent, home_got,
            "\"/\" did not reach a 20");
    out.add(requirement::should, "gemtext-mime", verdict::skip, home_sent, home_got,
            "\"/\" did not reach a 20");
    return;
  }
  std::string content_sent = quote_bytes(home.content_url + "\r\n");
  std::string content_got = "got 20 \"" + describe_bytes(home.content->meta) + "\"";
  bool has_mime = !home.content->meta.empty();
  out.add(requirement::should, "success-has-mime", verdict_of(has_mime), content_sent, content_got,
          has_mime ? "" : "empty meta means text/gemini, but clients reject it");
  std::string type = media_type(home.content->meta);
  bool gemtext = type == "text/gemini" || type.empty();
  out.add(requirement::should, "gemtext-mime", verdict_of(gemtext), content_sent, content_got,
          type.empty() ? "empty meta (defaults to text/gemini)"
          : gemtext    ? ""
                       : "the home page should be text/gemini");
}

void check_requests(const gemini_target& t, const home_page& home, recorder& out) {
  const std::string root = t.url("/");
  const std::string long_uri = root + std::string(max_uri_bytes - std::min(root.size(), max_uri_bytes), 'a');
  const std::string bracketed = t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
  const std::string port_part = t.port_explicit ? ":" + std::to_string(t.port) : "";
  const std::string other_port = t.port == 1 ? "2" : "1";
  using enum requirement;
  const std::vector<request_row> rows = {
      {must, "uri-1024-bytes", long_uri + "\r\n", expect::not_too_long},
      {must, "uri-1025-bytes", long_uri + "a\r\n", expect::bad_request, "the URI is at most 1024 bytes"},
      {should, "bare-lf-request", root + "\n", expect::bad_request,
       "a request ends with CRLF; only 59 is accepted"},
      {robust, "unterminated-request", root + std::string(2000, 'a'), expect::bad_request},
      {must, "bom-prefix", std::string(bom) + root + "\r\n", expect::bad_request,
       "a request must not begin with a BOM"},
      {must, "userinfo", "gemini://user@" + t.authority + "/\r\n", expect::bad_request,
       "userinfo makes a request invalid"},
      {must, "fragment", root + "#top\r\n", expect::bad_request, "a fragment makes a request invalid"},
      {must, "relative-uri", "/\r\n", expect::bad_request, "a request is an absolute URI"},
      {must, "scheme-less", "//" + t.authority + "/\r\n", expect::bad_request,
       "a request is an absolute URI"},
      {must, "empty-request", "\r\n", expect::bad_request},
      {must, "control-bytes", "\x01\x02 junk \x7f\r\n", expect::bad_request},
      {should, "non-utf8", root + "\xFF\xFE.gmi\r\n", expect::bad_request},
      {should, "bad-percent-encoding", root + "%zz.gmi\r\n", expect::bad_request_or_not_found},
      {should, "scheme-https", "https://" + t.authority + "/\r\n", expect::proxy_refused_or_bad_request},
      {should, "scheme-gopher", "gopher://" + t.authority + "/\r\n", expect::proxy_refused_or_bad_request},
      {should, "unknown-host", "gemini://" + std::string(unknown_host) + port_part + "/\r\n",
       expect::proxy_refused, "53 is for hosts this server does not serve"},
      {should, "other-port", "gemini://" + bracketed + ":" + other_port + "/\r\n", expect::proxy_refused},
      {should, "upper-case-scheme-host", upper("gemini://" + t.authority) + "/\r\n", expect::same_as_home},
      {should, "empty-path", t.base() + "\r\n", expect::home_or_redirect_to_root},
      {should, t.port_explicit ? "explicit-port" : "explicit-default-port",
       "gemini://" + bracketed + ":" + std::to_string(t.port) + "/\r\n", expect::same_as_home},
      {should, "bytes-after-crlf-ignored",
       root + "\r\ngemini://" + std::string(unknown_host) + "/\r\n\x01junk", expect::same_as_home},
  };
  for (const auto& row : rows) grade(t, home, row, out);
}

}  // namespace twinstar::check::detail
