// Dynamic content, the pure part (see cgi.hpp).
#include "twinstar/cgi.hpp"

#include <algorithm>

namespace twinstar::cgi {
namespace {

bool under(std::string_view url_path, std::string_view rule_path) {
  if (rule_path.ends_with('/')) return url_path.starts_with(rule_path);
  return url_path == rule_path || (url_path.starts_with(rule_path) && url_path[rule_path.size()] == '/');
}

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<dynamic_route> match(const host_config& host, std::string_view url_path) {
  std::optional<dynamic_route> best;
  std::size_t best_length = 0;
  for (const auto& rule : host.cgi) {
    if (under(url_path, rule.path) && (!best || rule.path.size() > best_length)) {
      best = dynamic_route{&rule, nullptr};
      best_length = rule.path.size();
    }
  }
  for (const auto& rule : host.scgi) {
    if (under(url_path, rule.path) && (!best || rule.path.size() > best_length)) {
      best = dynamic_route{nullptr, &rule};
      best_length = rule.path.size();
    }
  }
  return best;
}

std::optional<script_location> locate_script(
    const cgi_rule& rule, std::string_view url_path,
    const std::function<bool(const std::filesystem::path&)>& is_script) {
  if (!url_path.starts_with(rule.path)) return std::nullopt;
  std::string_view rest = url_path.substr(rule.path.size());
  std::filesystem::path file = rule.dir;
  std::string script_name = rule.path.substr(0, rule.path.size() - 1);  // without its trailing '/'
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    // Empty segments ("//") and dotfiles never name a script (the router
    // already refuses "..").
    if (segment.empty() || segment.front() == '.') return std::nullopt;
    file /= std::string(segment);
    script_name += '/';
    script_name += segment;
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    if (is_script(file)) return script_location{file, script_name, std::string(rest)};
    if (!rest.empty()) rest.remove_prefix(1);  // the '/'
  }
  return std::nullopt;
}

environment build_environment(const request_info& r, std::string_view server_software) {
  environment env{
      {"GATEWAY_INTERFACE", "CGI/1.1"},
      {"SERVER_PROTOCOL", "GEMINI"},
      {"SERVER_SOFTWARE", std::string(server_software)},
      {"SERVER_NAME", r.server_name},
      {"SERVER_PORT", std::to_string(r.server_port)},
      {"REMOTE_ADDR", r.remote_addr},
      {"REMOTE_HOST", r.remote_addr},
      {"QUERY_STRING", r.query},
      {"PATH_INFO", r.path_info},
      {"SCRIPT_NAME", r.script_name},
      {"GEMINI_URL", r.url},
      {"HOSTNAME", r.server_name},
      {"PATH", "/usr/local/bin:/usr/bin:/bin"},
  };
  if (!r.script_filename.empty()) env.emplace_back("SCRIPT_FILENAME", r.script_filename);
  if (!r.tls_version.empty()) env.emplace_back("TLS_VERSION", r.tls_version);
  if (!r.tls_cipher.empty()) env.emplace_back("TLS_CIPHER", r.tls_cipher);
  if (const auto& cert = r.certificate) {
    env.emplace_back("AUTH_TYPE", "CERTIFICATE");
    env.emplace_back("REMOTE_USER", cert->common_name);
    env.emplace_back("TLS_CLIENT_HASH", jetforce_hash(cert->fingerprint));
    env.emplace_back("TLS_CLIENT_HASH_B64", jetforce_hash_b64(cert->fingerprint));
    env.emplace_back("TLS_CLIENT_NOT_BEFORE", cert->not_before);
    env.emplace_back("TLS_CLIENT_NOT_AFTER", cert->not_after);
    env.emplace_back("TLS_CLIENT_SERIAL_NUMBER", cert->serial_number);
  }
  return env;
}

std::vector<std::string> environment_strings(const environment& env) {
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [key, value] : env) out.push_back(key + '=' + value);
  return out;
}

std::string jetforce_hash(std::string_view fingerprint) {
  std::string out(fingerprint);
  const auto colon = out.find(':');
  const auto from = colon == std::string::npos ? 0 : colon + 1;
  std::transform(out.begin() + static_cast<std::ptrdiff_t>(from), out.end(),
                 out.begin() + static_cast<std::ptrdiff_t>(from),
                 [](char c) { return c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c; });
  return out;
}

std::string jetforce_hash_b64(std::string_view fingerprint) {
  const auto colon = fingerprint.find(':');
  const std::string_view hex = colon == std::string_view::npos ? fingerprint : fingerprint.substr(colon + 1);
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return {};
    bytes += static_cast<char>(hi * 16 + lo);
  }
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 3; ++k)
      v = (v << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    for (std::size_t k = 0; k < 4; ++k) out += k <= n ? alphabet[(v >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

parsed_header parse_header(std::string_view received, bool eof) {
  parsed_header out;
  auto bad = [&](std::string problem) {
    out.state = header_state::bad;
    out.problem = std::move(problem);
    return out;
  };
  const auto lf = received.substr(0, std::min(received.size(), max_header_bytes)).find('\n');
  if (lf == std::string_view::npos) {
    if (received.size() >= max_header_bytes)
      return bad("header line longer than " + std::to_string(max_header_bytes) + " bytes");
    if (eof) return bad(received.empty() ? "no output" : "no header line (output ended without a line feed)");
    return out;
  }
  std::string_view line = received.substr(0, lf);
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line.size() < 2 || line[0] < '1' || line[0] > '6' || line[1] < '0' || line[1] > '9')
    return bad("header does not start with a status (two digits, 10 to 69)");
  if (line.size() > 2 && line[2] != ' ') return bad("no space after the status");
  const std::string_view meta = line.size() > 2 ? line.substr(3) : std::string_view{};
  if (meta.size() > max_meta_bytes) return bad("meta longer than 1024 bytes");
  if (std::any_of(meta.begin(), meta.end(), is_control)) return bad("control character in the meta");
  out.state = header_state::complete;
  out.status = (line[0] - '0') * 10 + (line[1] - '0');
  out.meta = std::string(meta);
  out.consumed = lf + 1;
  return out;
}

std::string netstring(std::string_view bytes) {
  return std::to_string(bytes.size()) + ':' + std::string(bytes) + ',';
}

std::string scgi_request(const environment& env) {
  std::string headers;
  auto add = [&](std::string_view key, std::string_view value) {
    headers.append(key);
    headers += '\0';
    headers.append(value);
    headers += '\0';
  };
  add("CONTENT_LENGTH", "0");
  add("SCGI", "1");
  for (const auto& [key, value] : env)
    if (key != "CONTENT_LENGTH" && key != "SCGI") add(key, value);
  return netstring(headers);
}

}  // namespace twinstar::cgi
