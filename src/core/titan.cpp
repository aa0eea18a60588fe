// Titan uploads: parsing, the authorisation decision, the target on disk.
#include "twinstar/titan.hpp"

#include <algorithm>
#include <charconv>

#include "twinstar/ascii.hpp"

namespace twinstar::titan {
namespace {

namespace fs = std::filesystem;
using gemini::status;

gemini_reply bad_request(std::string why) { return {status::bad_request, "Bad request: " + std::move(why)}; }

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// A token compared in time independent of where it first differs (its
// length is no secret).
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// "text/plain; charset=utf-8" -> "text/plain" (parameters do not change
// what the file is; the served type comes from its extension).
std::string bare_type(std::string_view mime) {
  const auto semi = mime.find(';');
  std::string_view type = mime.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return ascii_lower(type);
}

bool under(std::string_view path, std::string_view prefix) { return path.starts_with(prefix); }

}  // namespace

bool is_titan(std::string_view line) { return starts_with_nocase(line, "titan:"); }

result<request, gemini_reply> parse_request(std::string_view line) {
  auto parsed = parse_url(line);
  if (!parsed) return fail(to_gemini(parsed.error()));
  if (parsed->scheme != "titan") return fail(bad_request("not a titan:// URL"));
  if (parsed->query) return fail(bad_request("a Titan URL has no query"));
  request out;
  out.target = std::move(*parsed);
  std::string& path = out.target.path;
  const auto semi = path.find(';');
  if (semi == std::string::npos) return fail(bad_request("size parameter missing"));
  std::string_view params = std::string_view(path).substr(semi + 1);
  bool have_size = false, have_mime = false;
  while (true) {
    const auto end = params.find(';');
    const std::string_view param = params.substr(0, end);
    const auto eq = param.find('=');
    if (eq == std::string_view::npos) return fail(bad_request("parameter without '='"));
    const std::string key = ascii_lower(param.substr(0, eq));
    const std::string_view value = param.substr(eq + 1);
    if (key == "size") {
      if (have_size) return fail(bad_request("size given twice"));
      std::uint64_t n = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || value.size() > max_size_digits || ec != std::errc() ||
          ptr != value.data() + value.size())
        return fail(bad_request("size must be a decimal number of bytes"));
      out.size = n;
      have_size = true;
    } else if (key == "mime") {
      auto decoded = percent_decode(value);
      if (have_mime || !decoded || bare_type(*decoded).empty() || has_control(*decoded) ||
          bare_type(*decoded).find('/') == std::string::npos)
        return fail(bad_request("mime must be a type like text/gemini, given once"));
      out.mime = bare_type(*decoded);
      have_mime = true;
    } else if (key == "token") {
      auto decoded = percent_decode(value);
      if (out.token || !decoded || has_control(*decoded)) return fail(bad_request("bad or repeated token"));
      out.token = std::move(*decoded);
    } else {
      return fail(bad_request("unknown parameter '" + key + "'"));
    }
    if (end == std::string_view::npos) break;
    params.remove_prefix(end + 1);
  }
  if (!have_size) return fail(bad_request("size parameter missing"));
  path.resize(semi);
  if (path.empty()) path = "/";
  return out;
}

result<target, gemini_reply> authorise(const host_config& host, const request& req,
                                       const client_certificate* cert) {
  auto split = split_path(req.target.path);
  if (!split) return fail(to_gemini(split.error()));
  if (split->trailing_slash || split->segments.empty())
    return fail(bad_request("a Titan upload names a file, not a directory"));
  // Dot files are never served, so none is written either (the temporary
  // files of uploads are dot files).
  for (const auto& segment : split->segments)
    if (segment.starts_with('.')) return fail(to_gemini(error{errc::forbidden_path, {}}));
  target out;
  out.relative = split->joined();
  out.url_path = '/' + out.relative;
  for (const auto& rule : host.titan)
    if (under(out.url_path, rule.prefix) && (!out.rule || rule.prefix.size() > out.rule->prefix.size()))
      out.rule = &rule;
  if (!out.rule)
    return fail(gemini_reply{status::certificate_not_authorised, "Uploads are not accepted here"});
  const titan_rule& rule = *out.rule;
  if (!cert)
    return fail(
        gemini_reply{status::client_certificate_required, "A client certificate is required to upload"});
  if (!cert->time_valid)
    return fail(gemini_reply{status::certificate_not_valid, "Certificate expired or not yet valid"});
  if (std::find(rule.allowed.begin(), rule.allowed.end(), cert->fingerprint) == rule.allowed.end())
    return fail(gemini_reply{status::certificate_not_authorised, "This certificate may not upload here"});
  if (rule.token && !same_secret(req.token.value_or(""), *rule.token))
    return fail(gemini_reply{status::certificate_not_authorised, "Wrong or missing token"});
  if (req.size > rule.max_size)
    return fail(gemini_reply{status::permanent_failure,
                             "Upload too large: at most " + std::to_string(rule.max_size) + " bytes"});
  if (req.size == 0) {
    if (!rule.allow_delete)
      return fail(gemini_reply{status::permanent_failure, "Deleting is not allowed here"});
    return out;  // a delete carries no content: its mime does not matter
  }
  if (std::find(rule.mimes.begin(), rule.mimes.end(), req.mime) == rule.mimes.end())
    return fail(gemini_reply{status::permanent_failure, "MIME type " + req.mime + " is not accepted here"});
  return out;
}

result<fs::path, gemini_reply> locate(const fs::path& root, const target& where) {
  const gemini_reply missing{status::not_found, "No such directory"};
  std::error_code ec;
  const fs::path canon_root = fs::canonical(root, ec);
  if (ec) return fail(missing);
  const fs::path file = canon_root / fs::path(where.relative);
  const fs::path dir = fs::canonical(file.parent_path(), ec);
  if (ec || !fs::is_directory(dir, ec)) return fail(missing);
  // The prefix's own directory, through any symlink, must hold the target:
  // a symlink under /news/ must not lead the upload elsewhere.
  std::string prefix_rel = where.rule->prefix.substr(1);
  const fs::path prefix_dir = prefix_rel.empty() ? canon_root : fs::canonical(canon_root / prefix_rel, ec);
  if (ec || !inside_root(canon_root, dir) || !inside_root(prefix_dir, dir)) return fail(missing);
  if (fs::is_directory(dir / file.filename(), ec))
    return fail(gemini_reply{status::permanent_failure, "A directory cannot be replaced by an upload"});
  return dir / file.filename();
}

std::string gemini_url(const url& titan_target, std::string_view url_path) {
  url out;
  out.scheme = "gemini";
  out.host = titan_target.host;
  if (titan_target.port && *titan_target.port != gemini::default_port) out.port = titan_target.port;
  out.path = percent_encode_path(url_path);
  return out.to_string();
}

}  // namespace twinstar::titan
