// parse_config: walks the toml++ tree into server_config. Every problem is
// recorded with the line:column of the offending key or value and the walk
// goes on, so one run reports all of them.
#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "config_cgi.hpp"
#include "config_feed.hpp"
#include "config_fields.hpp"
#include "config_titan.hpp"
#include "twinstar/ascii.hpp"
#include "twinstar/config.hpp"

namespace twinstar {
namespace {

namespace fs = std::filesystem;
using detail::pos_of;
using detail::quoted;
using detail::source_pos;
using detail::string_item;

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool is_valid_lang(std::string_view lang) {
  return std::all_of(lang.begin(), lang.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == ',';
  });
}

// A user or group name as useradd(8) accepts it, a trailing '$' (Samba
// machine accounts) included; no leading '-', no separators.
bool is_account_name(std::string_view name) {
  if (name.empty() || name.size() > 32 || name.front() == '-') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-' || (c == '$' && i + 1 == name.size());
    if (!ok) return false;
  }
  return true;
}

class config_reader : detail::field_reader {
 public:
  using field_reader::errors;
  using field_reader::field_reader;

  server_config read(const toml::table& root) {
    server_config config;
    config.cert_dir = resolve(config.cert_dir);  // the default is relative too
    check_keys(root, {"server", "host", "mirror"}, "");
    if (const toml::node* server = root.get("server")) {
      if (const toml::table* table = server->as_table()) {
        read_server(*table, config);
      } else {
        error(*server, "'server' must be a table");
        at_.listen_reported = true;
      }
    }
    if (const toml::node* hosts = root.get("host")) {
      at_.hosts = pos_of(hosts->source());
      for_each_table(*hosts, "host", "host", [&](const toml::table& table) {
        host_config host;
        detail::host_positions host_at{pos_of(table.source()), {}, {}, {}};
        read_host(table, config.cert_dir, host, host_at);
        config.hosts.push_back(std::move(host));
        at_.hosts_at.push_back(std::move(host_at));
      });
      if (hosts->as_array() == nullptr) at_.hosts_reported = true;
    }
    if (const toml::node* mirrors = root.get("mirror")) {
      for_each_table(*mirrors, "mirror", "mirror",
                     [&](const toml::table& table) { read_mirror(table, config); });
    }
    return config;
  }

  const detail::config_positions& positions() const { return at_; }

 private:
  // The value named `name` in `table`; false when none is.
  template <typename T, std::size_t N>
  static bool pick(const std::pair<const char*, T> (&table)[N], std::string_view name, T& out) {
    for (const auto& [text, value] : table)
      if (name == text) {
        out = value;
        return true;
      }
    return false;
  }

  // One entry of a listen list: "IP:PORT", or a table
  // { address = "IP:PORT", proxy_protocol = "v1" | "v2" }. nullopt (the
  // error recorded) when malformed.
  std::optional<listen_address> read_listener(const toml::node& element, std::string_view key) {
    const toml::table* table = element.as_table();
    const toml::node* address_node = table ? table->get("address") : &element;
    if (table) {
      check_keys(*table, {"address", "proxy_protocol"}, "a " + quoted(key) + " entry");
      if (address_node == nullptr) {
        error(element, "a " + quoted(key) + " entry needs 'address'");
        return std::nullopt;
      }
    }
    const auto* text = address_node->as_string();
    if (text == nullptr) {
      error(*address_node, quoted(key) + " must be an array of \"IP:PORT\" strings or " +
                               "{ address = \"IP:PORT\", proxy_protocol = \"v1\" | \"v2\" } tables");
      return std::nullopt;
    }
    const source_pos at = pos_of(address_node->source());
    auto address = parse_listen_address(text->get());
    if (!address) {
      error(at, "malformed listen address '" + text->get() +
                    "' (expected IPv4:PORT or [IPv6]:PORT, port 0-65535)");
      return std::nullopt;
    }
    address->at = {at.line, at.column};
    if (table == nullptr) return address;
    if (const toml::node* proxy = table->get("proxy_protocol")) {
      const auto* name = proxy->as_string();
      if (name != nullptr && name->get() == "v1") {
        address->proxy_protocol = proxy_version::v1;
      } else if (name != nullptr && name->get() == "v2") {
        address->proxy_protocol = proxy_version::v2;
      } else {
        error(*proxy, "'proxy_protocol' must be \"v1\" or \"v2\"");
        return std::nullopt;
      }
    }
    return address;
  }

  // Returns false when `key` was present but invalid.
  bool read_listeners(const toml::table& table, std::string_view key, std::vector<listen_address>& out) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return true;
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      error(*node, quoted(key) + " must be an array of \"IP:PORT\" strings or " +
                       "{ address = \"IP:PORT\", proxy_protocol = \"v1\" | \"v2\" } tables");
      return false;
    }
    bool ok = true;
    for (const toml::node& element : *array) {
      auto address = read_listener(element, key);
      if (!address) {
        ok = false;
      } else if (address->port != 0 && !bound_.insert(address->to_string()).second) {
        error(source_pos{address->at.line, address->at.column},
              "listen address '" + address->to_string() + "' is used twice");
        ok = false;
      } else {
        out.push_back(*address);
      }
    }
    return ok;
  }

  void read_server(const toml::table& table, server_config& out) {
    check_keys(
        table,
        {"listen", "gopher_listen", "cert_dir", "access_log", "request_timeout", "shutdown_grace", "workers",
         "handshake_timeout", "write_timeout", "min_write_rate", "max_connections", "max_connections_per_ip",
         "max_cgi", "rate_limit", "access_log_style", "log_ip", "user", "group", "allow_root"},
        "[server]");
    const toml::node* listen = table.get("listen");
    at_.listen = pos_of(listen ? listen->source() : table.source());
    if (!read_listeners(table, "listen", out.listen)) at_.listen_reported = true;
    (void)read_listeners(table, "gopher_listen", out.gopher_listen);
    if (auto dir = read_path(table, "cert_dir")) out.cert_dir = *dir;
    if (auto log = read_string(table, "access_log")) {
      if (log->empty()) {
        error(*table.get("access_log"), "'access_log' must not be empty (use \"off\")");
      } else {
        out.access_log = (*log == "-" || *log == "off") ? *log : resolve(*log).string();
        const auto at = pos_of(table.get("access_log")->source());
        out.access_log_at = {at.line, at.column};
      }
    }
    if (auto style = read_string(table, "access_log_style")) {
      static const std::pair<const char*, log_style> styles[] = {{"twinstar", log_style::twinstar},
                                                                 {"common", log_style::common},
                                                                 {"combined", log_style::combined},
                                                                 {"json", log_style::json}};
      if (!pick(styles, *style, out.access_log_style))
        error(*table.get("access_log_style"),
              "'access_log_style' must be \"twinstar\", \"common\", \"combined\" or \"json\"");
    }
    if (auto ip = read_string(table, "log_ip")) {
      static const std::pair<const char*, ip_logging> modes[] = {
          {"full", ip_logging::full}, {"truncated", ip_logging::truncated}, {"none", ip_logging::none}};
      if (!pick(modes, *ip, out.log_ip))
        error(*table.get("log_ip"), "'log_ip' must be \"full\", \"truncated\" or \"none\"");
    }
    if (auto timeout = read_seconds(table, "request_timeout")) out.request_timeout = *timeout;
    if (auto grace = read_seconds(table, "shutdown_grace")) out.shutdown_grace = *grace;
    if (auto workers = read_integer(table, "workers", 1, detail::max_workers)) {
      out.workers = static_cast<unsigned>(*workers);
    }
    read_limits(table, out);
    read_account(table, out);
  }

  // [server] user, group, allow_root. Whether the accounts exist is asked of
  // the system by check_on_disk, not here.
  void read_account(const toml::table& table, server_config& out) {
    for (auto [key, value, at] :
         {std::tuple{"user", &out.user, &out.user_at}, std::tuple{"group", &out.group, &out.group_at}}) {
      auto name = read_string(table, key);
      if (!name) continue;
      const toml::node& node = *table.get(key);
      if (!is_account_name(*name)) {
        error(node,
              quoted(key) + " must be an account name (letters, digits, '.', '_', '-'): '" + *name + "'");
        continue;
      }
      *value = *name;
      const auto pos = pos_of(node.source());
      *at = {pos.line, pos.column};
    }
    if (!out.group.empty() && out.user.empty()) error(*table.get("group"), "'group' needs 'user'");
    if (auto allow = read_bool(table, "allow_root")) out.allow_root = *allow;
  }

  // Hardening: per-phase timeouts, connection and CGI caps, the rate limit table.
  void read_limits(const toml::table& table, server_config& out) {
    if (auto t = read_seconds(table, "handshake_timeout")) out.handshake_timeout = *t;
    if (auto t = read_seconds(table, "write_timeout")) out.write_timeout = *t;
    if (auto rate = read_integer(table, "min_write_rate", 0, std::int64_t{1} << 40))
      out.min_write_rate = static_cast<std::size_t>(*rate);
    if (auto n = read_integer(table, "max_connections", 0, 1'000'000))
      out.max_connections = static_cast<std::size_t>(*n);
    if (auto n = read_integer(table, "max_connections_per_ip", 0, 1'000'000))
      out.max_connections_per_ip = static_cast<std::size_t>(*n);
    if (auto n = read_integer(table, "max_cgi", 1, static_cast<std::int64_t>(max_max_cgi)))
      out.max_cgi = static_cast<std::size_t>(*n);
    const toml::node* node = table.get("rate_limit");
    if (node == nullptr) return;
    const toml::table* limits = node->as_table();
    if (limits == nullptr) return error(*node, "'rate_limit' must be a table");
    check_keys(*limits, {"requests_per_second", "burst", "ban_after", "ban_seconds"}, "[server.rate_limit]");
    auto number = [&](std::string_view key, double min) -> std::optional<double> {
      const toml::node* n = limits->get(key);
      if (n == nullptr) return std::nullopt;
      auto v = n->value<double>();
      if (!n->is_number() || !v || !(*v >= min) || *v > 1e9) {
        error(*n, quoted(key) + " must be a number of at least " + std::to_string(static_cast<int>(min)));
        return std::nullopt;
      }
      return v;
    };
    if (auto v = number("requests_per_second", 0)) out.rate_limit.per_second = *v;
    if (auto v = number("burst", 1)) out.rate_limit.burst = *v;
    if (auto n = read_integer(*limits, "ban_after", 0, 1'000'000))
      out.rate_limit.ban_after = static_cast<unsigned>(*n);
    if (auto t = read_seconds(*limits, "ban_seconds"))
      out.rate_limit.ban_for = std::chrono::duration_cast<std::chrono::seconds>(*t);
  }

  std::optional<std::string> read_host_name(const toml::table& table, std::string_view key) {
    auto name = read_string(table, key);
    if (!name) return std::nullopt;
    std::string folded = ascii_lower(*name);
    if (!detail::is_valid_host_name(folded)) {
      error(*table.get(key), quoted(key) + " is not a valid host name: '" + *name + "'");
      return std::nullopt;
    }
    return folded;
  }

  void read_host(const toml::table& table, const fs::path& cert_dir, host_config& out,
                 detail::host_positions& at) {
    check_keys(table, {"name",          "aliases",     "root",
                       "cert",          "key",         "lang",
                       "index",         "listing",     "max_listing_entries",
                       "gopher",        "gopher_host", "gopher_port",
                       "gopher_listen", "gone",        "mime",
                       "redirect",      "path",        "feed",
                       "cgi",           "scgi",        "titan"},
               "[[host]]");
    if (const toml::node* name = table.get("name")) at.name = pos_of(name->source());
    if (const toml::node* root = table.get("root")) at.root = pos_of(root->source());
    if (auto name = read_host_name(table, "name")) out.name = *name;
    if (auto aliases = read_strings(table, "aliases")) {
      for (const string_item& alias : *aliases) {
        std::string folded = ascii_lower(alias.text);
        if (!detail::is_valid_host_name(folded)) {
          error(alias.at, "alias '" + alias.text + "' is not a valid host name");
          continue;
        }
        out.aliases.push_back(std::move(folded));
        at.aliases.push_back(alias.at);
      }
    }
    if (auto root = read_path(table, "root")) {
      out.root = *root;
      if (at.root) out.root_at = {at.root->line, at.root->column};
    }
    if (auto cert = read_path(table, "cert")) {
      out.cert = *cert;
      const auto at = pos_of(table.get("cert")->source());
      out.cert_at = {at.line, at.column};
    }
    if (auto key = read_path(table, "key")) {
      out.key = *key;
      const auto at = pos_of(table.get("key")->source());
      out.key_at = {at.line, at.column};
    }
    if (!out.name.empty() && !table.contains("cert")) out.cert = cert_dir / (out.name + ".crt");
    if (!out.name.empty() && !table.contains("key")) out.key = cert_dir / (out.name + ".key");
    if (auto lang = read_string(table, "lang")) {
      if (is_valid_lang(*lang)) {
        out.lang = *lang;
      } else {
        error(*table.get("lang"), "'lang' may contain only letters, digits, '-' and ','");
      }
    }
    if (auto index = read_strings(table, "index")) {
      out.index_files.clear();
      for (const string_item& file : *index) {
        // Index names are joined to directory paths: no separators, no dot names.
        if (file.text.empty() || file.text == "." || file.text == ".." ||
            file.text.find('/') != std::string::npos) {
          error(file.at, "'index' entries must be plain file names");
        } else {
          out.index_files.push_back(file.text);
        }
      }
    }
    if (auto listing = read_bool(table, "listing")) out.listing = *listing;
    if (auto most =
            read_integer(table, "max_listing_entries", 1, static_cast<std::int64_t>(max_max_listing_entries)))
      out.max_listing_entries = static_cast<std::size_t>(*most);
    if (auto gopher = read_bool(table, "gopher")) out.gopher = *gopher;
    // An empty gopher_host means "use the name", as in host_config.
    const toml::node* gopher_host = table.get("gopher_host");
    if (gopher_host == nullptr || gopher_host->value<std::string>() != std::string()) {
      if (auto name = read_host_name(table, "gopher_host")) out.gopher_host = *name;
    }
    if (auto port = read_integer(table, "gopher_port", 0, 65535)) {
      out.gopher_port = static_cast<std::uint16_t>(*port);
    }
    (void)read_listeners(table, "gopher_listen", out.gopher_listen);
    if (auto gone = read_strings(table, "gone")) {
      for (const string_item& path : *gone) {
        if (path.text.starts_with('/')) {
          out.gone.push_back(path.text);
        } else {
          error(path.at, "'gone' entries must start with '/'");
        }
      }
    }
    if (const toml::node* mime = table.get("mime")) read_mime(*mime, out);
    if (const toml::node* redirects = table.get("redirect")) {
      for_each_table(*redirects, "redirect", "host.redirect",
                     [&](const toml::table& rule) { read_redirect(rule, out); });
    }
    if (const toml::node* paths = table.get("path")) {
      for_each_table(*paths, "path", "host.path",
                     [&](const toml::table& rule) { read_path_rule(rule, out); });
    }
    if (const toml::node* feeds = table.get("feed")) {
      for_each_table(*feeds, "feed", "host.feed",
                     [&](const toml::table& feed) { detail::read_feed(*this, feed, out); });
    }
    if (const toml::node* cgi = table.get("cgi")) {
      for_each_table(*cgi, "cgi", "host.cgi",
                     [&](const toml::table& rule) { detail::read_cgi(*this, rule, out); });
    }
    if (const toml::node* scgi = table.get("scgi")) {
      for_each_table(*scgi, "scgi", "host.scgi",
                     [&](const toml::table& rule) { detail::read_scgi(*this, rule, out); });
    }
    if (const toml::node* titan = table.get("titan")) {
      for_each_table(*titan, "titan", "host.titan",
                     [&](const toml::table& rule) { detail::read_titan(*this, rule, out); });
    }
  }

  void read_mime(const toml::node& node, host_config& out) {
    const toml::table* table = node.as_table();
    if (table == nullptr) return error(node, "'mime' must be a table of \"ext\" = \"type\"");
    for (auto&& [key, value] : *table) {
      std::string ext = ascii_lower(std::string(key.str()));
      if (ext.starts_with('.')) ext.erase(0, 1);
      if (ext.empty() || ext.find('/') != std::string::npos || has_control(ext)) {
        error(pos_of(key.source()), "MIME extension '" + std::string(key.str()) + "' is not valid");
        continue;
      }
      const auto* type = value.as_string();
      // The type is sent in the response header: CR/LF would split it.
      if (type == nullptr || type->get().find('/') == std::string::npos || has_control(type->get())) {
        error(value, "MIME type for '" + ext + "' must be a string like \"text/plain\"");
        continue;
      }
      out.mime_overrides[ext] = type->get();
    }
  }

  void read_redirect(const toml::table& table, host_config& out) {
    check_keys(table, {"from", "to", "prefix", "permanent"}, "[[host.redirect]]");
    redirect_rule rule;
    bool ok = true;
    if (auto from = read_string(table, "from")) {
      if (from->starts_with('/')) {
        rule.from = *from;
      } else {
        error(*table.get("from"), "redirect 'from' must start with '/'");
        ok = false;
      }
    } else {
      if (!table.contains("from")) error(table, "[[host.redirect]] needs 'from'");
      ok = false;
    }
    if (auto to = read_string(table, "to")) {
      // `to` becomes the meta of a 3x header: no spaces or CR/LF.
      if (to->empty() || has_control(*to) || to->find(' ') != std::string::npos) {
        error(*table.get("to"), "redirect 'to' must be a non-empty URI without spaces");
        ok = false;
      } else {
        rule.to = *to;
      }
    } else {
      if (!table.contains("to")) error(table, "[[host.redirect]] needs 'to'");
      ok = false;
    }
    if (auto prefix = read_bool(table, "prefix")) rule.prefix = *prefix;
    if (auto permanent = read_bool(table, "permanent")) rule.permanent = *permanent;
    if (ok) out.redirects.push_back(std::move(rule));
  }

  void read_path_rule(const toml::table& table, host_config& out) {
    check_keys(table, {"prefix", "listing", "require_certificate", "allowed_fingerprints"}, "[[host.path]]");
    path_rule rule;
    auto prefix = read_string(table, "prefix");
    if (!prefix) {
      if (!table.contains("prefix")) error(table, "[[host.path]] needs 'prefix'");
      return;
    }
    if (!prefix->starts_with('/')) {
      return error(*table.get("prefix"), "path rule 'prefix' must start with '/'");
    }
    rule.prefix = *prefix;
    rule.listing = read_bool(table, "listing");
    rule.require_certificate = read_bool(table, "require_certificate");
    if (auto prints = read_strings(table, "allowed_fingerprints")) {
      for (const string_item& item : *prints) {
        // Accept "SHA256:hex" or bare hex, any case; store the form tls::fingerprint gives.
        auto print = detail::normalise_fingerprint(item.text);
        if (!print) {
          error(item.at, "'allowed_fingerprints' entries must be SHA-256 fingerprints (64 hex digits)");
          continue;
        }
        rule.allowed.push_back(std::move(*print));
      }
      if (!rule.allowed.empty() && !rule.require_certificate) rule.require_certificate = true;
    }
    out.paths.push_back(std::move(rule));
  }

  void read_mirror(const toml::table& table, server_config& out) {
    check_keys(table, {"url", "into", "interval", "max_items", "include", "exclude"}, "[[mirror]]");
    mirror_config feed;
    bool ok = true;
    if (auto url = read_string(table, "url")) {
      // Only what the fetcher (libcurl, restricted to these) will accept.
      if ((url->starts_with("http://") || url->starts_with("https://")) && !has_control(*url) &&
          url->find(' ') == std::string::npos) {
        feed.url = *url;
      } else {
        error(*table.get("url"), "mirror 'url' must be an http:// or https:// URL without spaces");
        ok = false;
      }
    } else {
      if (!table.contains("url")) error(table, "[[mirror]] needs 'url'");
      ok = false;
    }
    if (auto into = read_path(table, "into")) {
      feed.into = *into;
    } else {
      if (!table.contains("into")) error(table, "[[mirror]] needs 'into'");
      ok = false;
    }
    if (auto interval = read_integer(table, "interval", 1, detail::max_mirror_interval)) {
      feed.interval = std::chrono::seconds(*interval);
    }
    if (auto max_items = read_integer(table, "max_items", 1, detail::max_mirror_items)) {
      feed.max_items = static_cast<std::size_t>(*max_items);
    }
    for (auto [key, list] : {std::pair{"include", &feed.include}, std::pair{"exclude", &feed.exclude}}) {
      if (auto items = read_strings(table, key)) {
        for (const string_item& item : *items) {
          if (item.text.empty()) {
            error(item.at, quoted(key) + " entries must not be empty");
          } else {
            list->push_back(item.text);
          }
        }
      }
    }
    if (ok) out.mirrors.push_back(std::move(feed));
  }

  detail::config_positions at_;
  std::set<std::string> bound_;  // listen addresses seen, Gemini and Gopher alike
};

}  // namespace

config_result parse_config(std::string_view text, std::string_view file_name,
                           const std::filesystem::path& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, file_name);
  } catch (const toml::parse_error& err) {
    // toml++ stops at the first syntax error; there is nothing more to report.
    const auto at = pos_of(err.source());
    return fail(std::vector<config_error>{
        {std::string(file_name), at.line, at.column, std::string(err.description())}});
  }
  config_reader reader(file_name, base_dir);
  server_config config = reader.read(root);
  std::vector<config_error> errors = std::move(reader.errors());
  for (config_error& error : detail::validate_at(config, file_name, &reader.positions())) {
    errors.push_back(std::move(error));
  }
  if (!errors.empty()) {
    std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    return fail(std::move(errors));
  }
  return config;
}

}  // namespace twinstar
