// Gemini checks on paths: traversal in every spelling must never reach a
// file outside the capsule, and a directory requested without its slash is
// redirected to the slash form.
#include <algorithm>
#include <cctype>

#include "check_detail.hpp"
#include "twinstar/gemtext.hpp"
#include "twinstar/reference.hpp"

namespace twinstar::check::detail {
namespace {

struct spelling {
  const char* name;
  const char* path;
};

// Each aims at /etc/passwd from four levels up, so a leak is recognisable.
constexpr spelling traversals[] = {
    {"traversal-dotdot", "/../../../../etc/passwd"},
    {"traversal-encoded", "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"},
    {"traversal-encoded-mixed-case", "/%2E%2e/%2E%2e/%2E%2e/%2E%2e/etc/passwd"},
    {"traversal-half-encoded", "/.%2e/.%2e/.%2e/.%2e/etc/passwd"},
    {"traversal-encoded-slash-first", "/%2f..%2f..%2f..%2f..%2fetc%2fpasswd"},
    {"traversal-encoded-slash", "/..%2f..%2f..%2f..%2fetc%2fpasswd"},
    {"traversal-encoded-backslash", "/%5c..%5c..%5c..%5c..%5cetc%5cpasswd"},
    {"traversal-double-encoded", "/%252e%252e/%252e%252e/%252e%252e/%252e%252e/etc/passwd"},
    {"traversal-backslash", "/..\\..\\..\\..\\etc\\passwd"},
    {"traversal-from-subdirectory", "/twinstar-check/../../../../../etc/passwd"},
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A redirect target that still spells a way up (or an encoded separator).
bool still_traverses(std::string_view target) {
  std::string t = lower(std::string(target));
  for (const char* bad : {"..", "%2e", "%2f", "%5c", "%25", "\\"})
    if (t.find(bad) != std::string::npos) return true;
  return false;
}

bool looks_like_passwd(std::string_view body) {
  return body.starts_with("root:") || body.find("\nroot:") != std::string_view::npos;
}

void check_traversal(const gemini_target& t, const spelling& s, recorder& out) {
  std::string request = t.url(s.path) + "\r\n";
  auto r = send(t, request);
  std::string sent = quote_bytes(request);
  std::string received = describe_reply(r);
  auto add = [&](verdict v, std::string note) {
    out.add(requirement::must, s.name, v, sent, received, std::move(note));
  };
  if (!r || r->status == 0) return add(verdict::fail, "expected a 5x response");
  int cls = r->status / 10;
  if (cls == 5) return add(verdict::pass, "");
  if (cls == 3) {
    if (still_traverses(r->meta)) return add(verdict::fail, "redirect target still climbs out of the root");
    return add(verdict::pass, "redirect to a path without the traversal");
  }
  if (cls == 2 && looks_like_passwd(r->body)) return add(verdict::fail, "LEAKED what looks like /etc/passwd");
  if (cls == 2) return add(verdict::fail, "served content for a traversal path; expected a 5x");
  add(verdict::fail, "expected a 5x");
}

// The first link on the home page to a directory on this server ("/a/"),
// as a path; nullopt when there is none.
std::optional<std::string> find_directory_link(const gemini_target& t, const home_page& home,
                                               std::string& link) {
  for (const auto& line : gemtext::parse(home.content->body)) {
    if (line.kind != gemtext::line_kind::link) continue;
    std::string resolved = resolve_reference(home.content_url, line.url);
    if (resolved.find('?') != std::string::npos) continue;
    auto path = same_target_path(t, resolved);
    if (path && path->size() > 1 && path->ends_with('/') && !still_traverses(*path)) {
      link = line.url;
      return path;
    }
  }
  return std::nullopt;
}

void check_directory_redirect(const gemini_target& t, const home_page& home, recorder& out) {
  const char* name = "directory-redirect";
  if (!home.content) {
    out.add(requirement::should, name, verdict::skip, "", "", "\"/\" did not reach a 20 to take links from");
    return;
  }
  std::string link;
  auto dir = find_directory_link(t, home, link);
  if (!dir) {
    out.add(requirement::should, name, verdict::skip, quote_bytes(home.content_url + "\r\n"), "",
            "no link to a directory (ending in '/') on the home page");
    return;
  }
  std::string without_slash = t.url(dir->substr(0, dir->size() - 1));
  std::string request = without_slash + "\r\n";
  auto r = send(t, request);
  std::string sent = quote_bytes(request);
  std::string received = describe_reply(r);
  std::string from = "link \"" + describe_bytes(link, 40) + "\" on the home page";
  if (!r || r->status / 10 != 3) {
    out.add(requirement::should, name, verdict::fail, sent, received,
            "expected 31 to " + *dir + " (" + from + ")");
    return;
  }
  bool to_slash = same_target_path(t, resolve_reference(without_slash, r->meta)) == *dir;
  if (r->status == 31 && to_slash) {
    out.add(requirement::should, name, verdict::pass, sent, received, from);
  } else if (!to_slash) {
    out.add(requirement::should, name, verdict::fail, sent, received, "redirect should lead to " + *dir);
  } else {
    out.add(requirement::should, name, verdict::fail, sent, received,
            "a directory's slash form is permanent: expected 31, saw " + std::to_string(r->status));
  }
}

}  // namespace

void check_paths(const gemini_target& t, const home_page& home, recorder& out) {
  for (const auto& s : traversals) check_traversal(t, s, out);
  check_directory_redirect(t, home, out);
}

}  // namespace twinstar::check::detail
