#include "twinstar/config.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace twinstar;
namespace fs = std::filesystem;

namespace {

// Lines 1-2: a valid [server]; lines 3-5: a valid [[host]].
const std::string server_block =
    "[server]\n"
    "listen = [\"127.0.0.1:1965\"]\n";
const std::string host_block =
    "[[host]]\n"
    "name = \"a\"\n"
    "root = \"r\"\n";

config_result parse(const std::string& text) { return parse_config(text, "t.toml", "/base"); }

std::vector<config_error> errors_of(const std::string& text) {
  auto parsed = parse(text);
  if (parsed.ok()) return {};
  return parsed.error();
}

}  // namespace

TEST_CASE("config: a full valid config parses to the expected values") {
  const std::string text =
      "[server]\n"
      "listen = [\"0.0.0.0:1965\", \"[::]:1966\"]\n"
      "gopher_listen = [\"127.0.0.1:70\"]\n"
      "cert_dir = \"/etc/twinstar/certs\"\n"
      "access_log = \"off\"\n"
      "request_timeout = 2.5\n"
      "shutdown_grace = 1\n"
      "workers = 4\n"
      "\n"
      "[[host]]\n"
      "name = \"Example.ORG\"\n"
      "aliases = [\"WWW.example.org\", \"192.0.2.1\"]\n"
      "root = \"capsule\"\n"
      "cert = \"/tls/example.crt\"\n"
      "key = \"keys/example.key\"\n"
      "lang = \"en,fr\"\n"
      "index = [\"index.gmi\", \"index.txt\"]\n"
      "listing = false\n"
      "max_listing_entries = 50\n"
      "gopher = false\n"
      "gopher_host = \"gopher.example.org\"\n"
      "gopher_port = 70\n"
      "gone = [\"/old-page.gmi\"]\n"
      "[host.mime]\n"
      "\"txt\" = \"text/plain\"\n"
      "\".GMI\" = \"text/gemini; charset=utf-8\"\n"
      "[[host.redirect]]\n"
      "from = \"/old/\"\n"
      "to = \"/news/\"\n"
      "prefix = true\n"
      "[[host.redirect]]\n"
      "from = \"/tmp\"\n"
      "to = \"gemini://elsewhere.example/\"\n"
      "permanent = false\n"
      "[[host.path]]\n"
      "prefix = \"/private/\"\n"
      "listing = false\n"
      "[[host.path]]\n"
      "prefix = \"/pub/\"\n"
      "\n"
      "[[host]]\n"
      "name = \"second.example\"\n"
      "root = \"/srv/second\"\n";
  auto parsed = parse_config(text, "full.toml", "/srv/gem");
  REQUIRE(parsed.ok());
  const server_config& c = *parsed;
  REQUIRE(c.listen.size() == 2);
  CHECK(c.listen[0].host == "0.0.0.0");
  CHECK(c.listen[0].port == 1965);
  CHECK(c.listen[1].host == "::");
  CHECK(c.listen[1].port == 1966);
  REQUIRE(c.gopher_listen.size() == 1);
  CHECK(c.gopher_listen[0].to_string() == "127.0.0.1:70");
  CHECK(c.cert_dir == fs::path("/etc/twinstar/certs"));
  CHECK(c.access_log == "off");
  CHECK(c.request_timeout == std::chrono::milliseconds(2500));
  CHECK(c.shutdown_grace == std::chrono::milliseconds(1000));
  CHECK(c.workers == 4);
  REQUIRE(c.hosts.size() == 2);

  const host_config& h = c.hosts[0];
  CHECK(h.name == "example.org");
  CHECK(h.aliases == std::vector<std::string>{"www.example.org", "192.0.2.1"});
  CHECK(h.root == fs::path("/srv/gem/capsule"));
  CHECK(h.cert == fs::path("/tls/example.crt"));
  CHECK(h.key == fs::path("/srv/gem/keys/example.key"));
  CHECK(h.lang == "en,fr");
  CHECK(h.index_files == std::vector<std::string>{"index.gmi", "index.txt"});
  CHECK_FALSE(h.listing);
  CHECK(h.max_listing_entries == 50);
  CHECK_FALSE(h.gopher);
  CHECK(h.gopher_host == "gopher.example.org");
  CHECK(h.gopher_port == 70);
  CHECK(h.gone == std::vector<std::string>{"/old-page.gmi"});
  CHECK(h.mime_overrides ==
        std::map<std::string, std::string>{{"gmi", "text/gemini; charset=utf-8"}, {"txt", "text/plain"}});
  REQUIRE(h.redirects.size() == 2);
  CHECK(h.redirects[0].from == "/old/");
  CHECK(h.redirects[0].to == "/news/");
  CHECK(h.redirects[0].prefix);
  CHECK(h.redirects[0].permanent);
  CHECK(h.redirects[1].to == "gemini://elsewhere.example/");
  CHECK_FALSE(h.redirects[1].prefix);
  CHECK_FALSE(h.redirects[1].permanent);
  REQUIRE(h.paths.size() == 2);
  CHECK(h.paths[0].prefix == "/private/");
  CHECK(h.paths[0].listing == std::optional<bool>(false));
  CHECK(h.paths[1].prefix == "/pub/");
  CHECK_FALSE(h.paths[1].listing.has_value());

  const host_config& second = c.hosts[1];
  CHECK(second.root == fs::path("/srv/second"));
  CHECK(second.cert == fs::path("/etc/twinstar/certs/second.example.crt"));
  CHECK(second.key == fs::path("/etc/twinstar/certs/second.example.key"));
}

TEST_CASE("config: defaults for every optional key") {
  auto parsed = parse(server_block + host_block);
  REQUIRE(parsed.ok());
  const server_config& c = *parsed;
  CHECK(c.gopher_listen.empty());
  CHECK(c.cert_dir == fs::path("/base/certs"));
  CHECK(c.access_log == "-");
  CHECK(c.access_log_style == log_style::twinstar);
  CHECK(c.log_ip == ip_logging::full);
  CHECK(c.request_timeout == std::chrono::milliseconds(10'000));
  CHECK(c.shutdown_grace == std::chrono::milliseconds(5'000));
  CHECK(c.workers == 1);
  const host_config& h = c.hosts.at(0);
  CHECK(h.aliases.empty());
  CHECK(h.lang.empty());
  CHECK(h.index_files == std::vector<std::string>{"index.gmi"});
  CHECK(h.listing);
  CHECK(h.max_listing_entries == 1000);
  CHECK(h.gopher);
  CHECK(h.gopher_host.empty());
  CHECK(h.gopher_port == 0);
  CHECK(h.gone.empty());
  CHECK(h.mime_overrides.empty());
  CHECK(h.redirects.empty());
  CHECK(h.paths.empty());
  CHECK(h.cert == fs::path("/base/certs/a.crt"));
  CHECK(h.key == fs::path("/base/certs/a.key"));
}

TEST_CASE("config: an empty gopher_host or lang means the default") {
  auto parsed = parse(server_block + host_block + "gopher_host = \"\"\nlang = \"\"\n");
  REQUIRE(parsed.ok());
  CHECK(parsed->hosts[0].gopher_host.empty());
  CHECK(parsed->hosts[0].lang.empty());
}

TEST_CASE("config: relative paths resolve against base_dir") {
  struct row {
    std::string base;
    std::string server_extra;
    std::string host_extra;
    fs::path root, cert, key;
    std::string access_log;
  };
  const std::vector<row> rows = {
      {"/srv/gem", "", "", "/srv/gem/r", "/srv/gem/certs/a.crt", "/srv/gem/certs/a.key", "-"},
      {".", "", "", "r", "certs/a.crt", "certs/a.key", "-"},
      {"conf", "cert_dir = \"../tls\"\naccess_log = \"logs/access.log\"\n", "", "conf/r", "tls/a.crt",
       "tls/a.key", "conf/logs/access.log"},
      {"/srv/gem", "cert_dir = \"/etc/tls/\"\naccess_log = \"/var/log/ts.log\"\n", "cert = \"mine.crt\"\n",
       "/srv/gem/r", "/srv/gem/mine.crt", "/etc/tls/a.key", "/var/log/ts.log"},
      {"/srv/gem", "", "root = \"/var/gemini\"\nkey = \"k/../a.key\"\n", "/var/gemini",
       "/srv/gem/certs/a.crt", "/srv/gem/a.key", "-"},
  };
  for (const row& r : rows) {
    std::string text = server_block + r.server_extra + "[[host]]\nname = \"a\"\n" + r.host_extra;
    if (r.host_extra.find("root") == std::string::npos) text += "root = \"r\"\n";
    CAPTURE(text);
    auto parsed = parse_config(text, "t.toml", r.base);
    REQUIRE(parsed.ok());
    CHECK(parsed->hosts[0].root == r.root);
    CHECK(parsed->hosts[0].cert == r.cert);
    CHECK(parsed->hosts[0].key == r.key);
    CHECK(parsed->access_log == r.access_log);
  }
}

TEST_CASE("config: each error kind is reported alone at its line and column") {
  struct row {
    std::string text;
    int line;
    int column;
    std::string message;
  };
  const std::string S = server_block;
  const std::string H = host_block;
  const std::vector<row> rows = {
      // [server]
      {S + "workers = 0\n" + H, 3, 11, "'workers' must be between 1 and 1024"},
      {S + "workers = 1.5\n" + H, 3, 11, "'workers' must be an integer"},
      {S + "request_timeout = 0\n" + H, 3, 19, "'request_timeout' must be greater than 0"},
      {S + "shutdown_grace = -1.5\n" + H, 3, 18, "'shutdown_grace' must be greater than 0"},
      {S + "request_timeout = \"10\"\n" + H, 3, 19, "'request_timeout' must be a number of seconds"},
      {S + "request_timeout = nan\n" + H, 3, 19, "'request_timeout' must be greater than 0"},
      {S + "request_timeout = 1e9\n" + H, 3, 19, "'request_timeout' must be at most 86400 seconds"},
      {"[server]\nlisten = \"127.0.0.1:1965\"\n" + H, 2, 10,
       "'listen' must be an array of \"IP:PORT\" strings or { address = \"IP:PORT\", proxy_protocol = \"v1\" "
       "| \"v2\" } tables"},
      {"[server]\nlisten = [\"127.0.0.1:1965\", 7]\n" + H, 2, 29,
       "'listen' must be an array of \"IP:PORT\" strings or { address = \"IP:PORT\", proxy_protocol = \"v1\" "
       "| \"v2\" } tables"},
      {"[server]\nlisten = [\"127.0.0.1:1965\", \"::1:1965\"]\n" + H, 2, 29,
       "malformed listen address '::1:1965' (expected IPv4:PORT or [IPv6]:PORT, port 0-65535)"},
      {"[server]\nlisten = [\"localhost:1965\"]\n" + H, 2, 11,
       "malformed listen address 'localhost:1965' (expected IPv4:PORT or [IPv6]:PORT, port "
       "0-65535)"},
      {"[server]\nlisten = [\"127.0.0.1:1965\", \"127.0.0.1:1965\"]\n" + H, 2, 29,
       "listen address '127.0.0.1:1965' is used twice"},
      {S + "gopher_listen = [\"127.0.0.1:1965\"]\n" + H, 3, 18,
       "listen address '127.0.0.1:1965' is used twice"},
      {S + "cert_dir = 5\n" + H, 3, 12, "'cert_dir' must be a string"},
      {S + "cert_dir = \"\"\n" + H, 3, 12, "'cert_dir' must not be empty"},
      {S + "access_log = \"\"\n" + H, 3, 14, "'access_log' must not be empty (use \"off\")"},
      {S + "access_log_style = \"apache\"\n" + H, 3, 20,
       "'access_log_style' must be \"twinstar\", \"common\", \"combined\" or \"json\""},
      {S + "log_ip = \"partial\"\n" + H, 3, 10, "'log_ip' must be \"full\", \"truncated\" or \"none\""},
      {"server = 1\n" + H, 1, 10, "'server' must be a table"},
      // cross-field
      {S, 0, 0, "no [[host]] defined; at least one is required"},
      {"host = []\n" + S, 1, 8, "no [[host]] defined; at least one is required"},
      {"[server]\nlisten = []\n" + H, 2, 10, "no Gemini listener: 'listen' in [server] is empty"},
      {"[server]\nworkers = 2\n" + H, 1, 1, "no Gemini listener: 'listen' in [server] is empty"},
      {H, 0, 0, "no Gemini listener: 'listen' in [server] is empty"},
      {S + "[[host]]\nroot = \"r\"\n", 3, 1, "[[host]] #1 has no 'name'"},
      {S + "[[host]]\nname = \"a\"\n", 3, 1, "host 'a' has no 'root'"},
      {S + H + "[[host]]\nname = \"b\"\naliases = [\"x\", \"A\"]\nroot = \"r\"\n", 8, 17,
       "'a' is already a name or alias of host 'a'"},
      {S + H + "[[host]]\nname = \"A\"\nroot = \"r\"\n", 7, 8, "'a' is already a name or alias of host 'a'"},
      // [[host]]
      {S + "[host]\nname = \"a\"\nroot = \"r\"\n", 3, 1,
       "'host' must be an array of tables (write [[host]])"},
      {S + "[[host]]\nname = 5\nroot = \"r\"\n", 4, 8, "'name' must be a string"},
      {S + "[[host]]\nname = \"bad/name\"\nroot = \"r\"\n", 4, 8,
       "'name' is not a valid host name: 'bad/name'"},
      {S + H + "aliases = [\"ok\", \"no way\"]\n", 6, 18, "alias 'no way' is not a valid host name"},
      {S + H + "root = 1\n", 6, 8, "cannot redefine existing string 'root'"},  // a TOML error
      {S + "[[host]]\nname = \"a\"\nroot = \"\"\n", 5, 8, "'root' must not be empty"},
      {S + H + "lang = \"en_US\"\n", 6, 8, "'lang' may contain only letters, digits, '-' and ','"},
      {S + H + "listing = \"yes\"\n", 6, 11, "'listing' must be true or false"},
      {S + H + "gopher_port = 70000\n", 6, 15, "'gopher_port' must be between 0 and 65535"},
      {S + H + "max_listing_entries = 0\n", 6, 23, "'max_listing_entries' must be between 1 and 100000"},
      {S + H + "max_listing_entries = 100001\n", 6, 23, "'max_listing_entries' must be between 1 and 100000"},
      {S + H + "max_listing_entries = \"all\"\n", 6, 23, "'max_listing_entries' must be an integer"},
      {S + H + "gopher_host = \"a\\tb\"\n", 6, 15, "'gopher_host' is not a valid host name: 'a\tb'"},
      {S + H + "index = [\"../x\"]\n", 6, 10, "'index' entries must be plain file names"},
      {S + H + "gone = [\"old.gmi\"]\n", 6, 9, "'gone' entries must start with '/'"},
      {S + H + "mime = \"text/plain\"\n", 6, 8, "'mime' must be a table of \"ext\" = \"type\""},
      {S + H + "[host.mime]\ntxt = 5\n", 7, 7, "MIME type for 'txt' must be a string like \"text/plain\""},
      {S + H + "[host.mime]\ntxt = \"text/plain\\r\\n20 x\"\n", 7, 7,
       "MIME type for 'txt' must be a string like \"text/plain\""},
      // [[host.redirect]]
      {S + H + "[[host.redirect]]\nto = \"/x\"\n", 6, 1, "[[host.redirect]] needs 'from'"},
      {S + H + "[[host.redirect]]\nfrom = \"/x\"\n", 6, 1, "[[host.redirect]] needs 'to'"},
      {S + H + "[[host.redirect]]\nfrom = \"old\"\nto = \"/x\"\n", 7, 8,
       "redirect 'from' must start with '/'"},
      {S + H + "[[host.redirect]]\nfrom = \"/old\"\nto = \"/x y\"\n", 8, 6,
       "redirect 'to' must be a non-empty URI without spaces"},
      {S + H + "[[host.redirect]]\nfrom = \"/old\"\nto = \"/x\"\nprefix = 1\n", 9, 10,
       "'prefix' must be true or false"},
      {S + H + "redirect = 1\n", 6, 12, "'redirect' must be an array of tables (write [[host.redirect]])"},
      // [[host.path]]
      {S + H + "[[host.path]]\nprefix = \"private/\"\n", 7, 10, "path rule 'prefix' must start with '/'"},
      {S + H + "[[host.path]]\nlisting = false\n", 6, 1, "[[host.path]] needs 'prefix'"},
      // unknown keys
      {"foo = 1\n" + S + H, 1, 1, "unknown key 'foo' at the top level"},
      {S + "listne = 1\n" + H, 3, 1, "unknown key 'listne' in [server]"},
      {S + H + "nmae = \"b\"\n", 6, 1, "unknown key 'nmae' in [[host]]"},
      {S + H + "[[host.redirect]]\nfrom = \"/a\"\nto = \"/b\"\nperm = true\n", 9, 1,
       "unknown key 'perm' in [[host.redirect]]"},
      {S + H + "[[host.path]]\nprefix = \"/a\"\nlistings = false\n", 8, 1,
       "unknown key 'listings' in [[host.path]]"},
      {S + "[server.tls]\nx = 1\n" + H, 3, 9, "unknown key 'tls' in [server]"},
  };
  for (const row& r : rows) {
    CAPTURE(r.text);
    auto errors = errors_of(r.text);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].file == "t.toml");
    CHECK(errors[0].line == r.line);
    CHECK(errors[0].column == r.column);
    if (r.message.starts_with("cannot redefine")) {
      CHECK(errors[0].message.find(r.message) != std::string::npos);
    } else {
      CHECK(errors[0].message == r.message);
    }
  }
}

TEST_CASE("config: three different mistakes are all reported / each at its position") {
  const std::string text =
      "[server]\n"
      "listen = [\"127.0.0.1:1965\"]\n"
      "workers = 0\n"  // 3:11
      "[[host]]\n"
      "name = \"a\"\n"
      "root = \"r\"\n"
      "lang = \"en US\"\n"  // 7:8
      "[[host.redirect]]\n"
      "from = \"old\"\n"  // 9:8
      "to = \"/new\"\n";
  auto errors = errors_of(text);
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].to_string() == "t.toml:3:11: 'workers' must be between 1 and 1024");
  CHECK(errors[1].to_string() == "t.toml:7:8: 'lang' may contain only letters, digits, '-' and ','");
  CHECK(errors[2].to_string() == "t.toml:9:8: redirect 'from' must start with '/'");
}

TEST_CASE("config: a misspelt key reports itself and its consequence") {
  auto errors = errors_of("[server]\nlistne = [\"127.0.0.1:1965\"]\n" + host_block);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].to_string() == "t.toml:1:1: no Gemini listener: 'listen' in [server] is empty");
  CHECK(errors[1].to_string() == "t.toml:2:1: unknown key 'listne' in [server]");
}

TEST_CASE("config: a TOML syntax error is reported at its line and column") {
  auto errors = errors_of(server_block + "workers = \n" + host_block);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 3);
  CHECK(errors[0].column == 11);
  CHECK(errors[0].message.find("expected value") != std::string::npos);
}

TEST_CASE("config: parse_listen_address") {
  struct row {
    std::string text;
    bool ok;
    std::string host;
    std::uint16_t port;
  };
  const std::vector<row> rows = {
      {"127.0.0.1:1965", true, "127.0.0.1", 1965},
      {"0.0.0.0:0", true, "0.0.0.0", 0},
      {"[::1]:1965", true, "::1", 1965},
      {"[::]:65535", true, "::", 65535},
      {"[2001:db8::1]:70", true, "2001:db8::1", 70},
      {"127.0.0.1:65536", false, "", 0},
      {"127.0.0.1:-1", false, "", 0},
      {"127.0.0.1:+1", false, "", 0},
      {"127.0.0.1:", false, "", 0},
      {"127.0.0.1:19x5", false, "", 0},
      {"127.0.0.1:1965 ", false, "", 0},
      {"127.0.0.1:9999999999", false, "", 0},
      {"127.0.0.1", false, "", 0},
      {"::1:1965", false, "", 0},
      {"::1", false, "", 0},
      {"[::1]", false, "", 0},
      {"[::1]1965", false, "", 0},
      {"[::1:1965", false, "", 0},
      {"[]:1965", false, "", 0},
      {"[127.0.0.1]:1965", false, "", 0},
      {":1965", false, "", 0},
      {"localhost:1965", false, "", 0},
      {"256.0.0.1:1965", false, "", 0},
      {"", false, "", 0},
  };
  for (const row& r : rows) {
    CAPTURE(r.text);
    auto address = parse_listen_address(r.text);
    REQUIRE(address.has_value() == r.ok);
    if (!r.ok) continue;
    CHECK(address->host == r.host);
    CHECK(address->port == r.port);
    CHECK(address->to_string() == r.text);  // round trip
  }
}

TEST_CASE("config: config_error::to_string with and without a position") {
  CHECK(config_error{"a.toml", 3, 7, "bad"}.to_string() == "a.toml:3:7: bad");
  CHECK(config_error{"a.toml", 0, 0, "unreadable"}.to_string() == "a.toml: unreadable");
}

TEST_CASE("config: validate() checks configs built in code / without positions") {
  server_config config;
  config.workers = 0;
  config.request_timeout = std::chrono::milliseconds(0);
  auto errors = validate(config, "<command line>");
  REQUIRE(errors.size() == 4);
  for (const config_error& e : errors) {
    CHECK(e.line == 0);
    CHECK(e.file == "<command line>");
  }
  CHECK(errors[0].message == "no [[host]] defined; at least one is required");
  CHECK(errors[1].message == "no Gemini listener: 'listen' in [server] is empty");
  CHECK(errors[2].message == "'workers' must be at least 1");
  CHECK(errors[3].message == "'request_timeout' must be greater than 0");

  config = server_config{};
  config.listen.push_back({"::", 1965});
  host_config one;
  one.name = "one";
  one.root = "/srv/one";
  host_config two = one;
  two.name = "two";
  two.aliases = {"one"};
  host_config nameless;
  config.hosts = {one, two, nameless};
  errors = validate(config, "<command line>");
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].message == "[[host]] #3 has no 'name'");
  CHECK(errors[1].message == "[[host]] #3 has no 'root'");
  CHECK(errors[2].message == "'one' is already a name or alias of host 'one'");

  config.hosts.pop_back();
  config.hosts[1].aliases = {"two"};  // repeating a host's own name is harmless
  CHECK(validate(config, "x").empty());
}

TEST_CASE("config: load_config reports an unreadable file at 0:0") {
  auto missing = load_config("/nonexistent/twinstar.toml");
  REQUIRE_FALSE(missing.ok());
  REQUIRE(missing.error().size() == 1);
  CHECK(missing.error()[0].line == 0);
  CHECK(missing.error()[0].to_string().starts_with("/nonexistent/twinstar.toml: cannot read"));

  auto directory = load_config(fs::temp_directory_path());
  REQUIRE_FALSE(directory.ok());
  CHECK(directory.error()[0].message == "cannot read: is a directory");
}

TEST_CASE("config: load_config resolves paths against the file's directory") {
  std::random_device random;
  const fs::path dir = fs::temp_directory_path() / ("twinstar_config_test_" + std::to_string(random()));
  fs::create_directories(dir);
  const fs::path file = dir / "site.toml";
  std::ofstream(file) << server_block << host_block;
  auto parsed = load_config(file);
  fs::remove_all(dir);
  REQUIRE(parsed.ok());
  CHECK(parsed->hosts[0].root == dir / "r");
  CHECK(parsed->hosts[0].cert == dir / "certs" / "a.crt");
}

TEST_CASE("config: the bundled twinstar.toml is valid") {
  const fs::path file = fs::path(TWINSTAR_TEST_DATA "/../../twinstar.toml").lexically_normal();
  auto parsed = load_config(file);
  if (!parsed.ok()) {
    for (const config_error& e : parsed.error()) MESSAGE(e.to_string());
  }
  REQUIRE(parsed.ok());
  const server_config& c = *parsed;
  const fs::path repo = file.parent_path();
  REQUIRE(c.listen.size() == 2);
  CHECK(c.listen[0].to_string() == "127.0.0.1:1965");
  CHECK(c.listen[1].to_string() == "[::1]:1965");
  REQUIRE(c.gopher_listen.size() == 2);
  CHECK(c.gopher_listen[0].to_string() == "127.0.0.1:7070");
  REQUIRE(c.hosts.size() == 1);
  const host_config& h = c.hosts[0];
  CHECK(h.name == "localhost");
  CHECK(h.aliases == std::vector<std::string>{"127.0.0.1", "::1"});
  CHECK(h.root == repo / "capsule");
  CHECK(h.lang == "en");
  CHECK(h.gopher_port == 7070);
  CHECK(h.cert == repo / "certs" / "localhost.crt");
  CHECK(h.key == repo / "certs" / "localhost.key");
}

TEST_CASE("config: [[host.feed]] tables parse with defaults") {
  auto parsed = parse(server_block + host_block +
                      "[[host.feed]]\n"
                      "path = \"/news/\"\n"
                      "title = \"News & views\"\n"
                      "[[host.feed]]\n"
                      "path = \"/blog/2025/\"\n"
                      "title = \"Blog\"\n"
                      "author = \"Ada\"\n"
                      "latest = 3\n"
                      "summary_chars = 0\n");
  REQUIRE(parsed.ok());
  const auto& feeds = parsed->hosts[0].feeds;
  REQUIRE(feeds.size() == 2);
  CHECK(feeds[0].path == "/news/");
  CHECK(feeds[0].title == "News & views");
  CHECK(feeds[0].author.empty());
  CHECK(feeds[0].latest == 5);
  CHECK(feeds[0].summary_chars == 300);
  CHECK(feeds[1].path == "/blog/2025/");
  CHECK(feeds[1].author == "Ada");
  CHECK(feeds[1].latest == 3);
  CHECK(feeds[1].summary_chars == 0);
  auto none = parse(server_block + host_block);
  REQUIRE(none.ok());
  CHECK(none->hosts[0].feeds.empty());
}

TEST_CASE("config: [[host.feed]] errors are each reported at their line and column") {
  struct row {
    std::string feed;  // lines 6.. of the text
    int line;
    int column;
    std::string message;
  };
  const std::string path_message =
      "feed 'path' must be a directory path like \"/news/\" (leading and trailing '/', no empty, '.' or "
      "dot-file segments)";
  const std::vector<row> rows = {
      {"[[host.feed]]\npath = \"news/\"\ntitle = \"N\"\n", 7, 8, path_message},
      {"[[host.feed]]\npath = \"/news\"\ntitle = \"N\"\n", 7, 8, path_message},
      {"[[host.feed]]\npath = \"/a//b/\"\ntitle = \"N\"\n", 7, 8, path_message},
      {"[[host.feed]]\npath = \"/a/../b/\"\ntitle = \"N\"\n", 7, 8, path_message},
      {"[[host.feed]]\npath = \"/.git/\"\ntitle = \"N\"\n", 7, 8, path_message},
      {"[[host.feed]]\npath = 5\ntitle = \"N\"\n", 7, 8, "'path' must be a string"},
      {"[[host.feed]]\ntitle = \"N\"\n", 6, 1, "[[host.feed]] needs 'path'"},
      {"[[host.feed]]\npath = \"/n/\"\n", 6, 1, "[[host.feed]] needs 'title'"},
      {"[[host.feed]]\npath = \"/n/\"\ntitle = \"\"\n", 8, 9,
       "feed 'title' must be a non-empty line of text"},
      {"[[host.feed]]\npath = \"/n/\"\ntitle = \"a\\nb\"\n", 8, 9,
       "feed 'title' must be a non-empty line of text"},
      {"[[host.feed]]\npath = \"/n/\"\ntitle = \"N\"\nlatest = 0\n", 9, 10,
       "'latest' must be between 1 and 100"},
      {"[[host.feed]]\npath = \"/n/\"\ntitle = \"N\"\nsummary_chars = 5000\n", 9, 17,
       "'summary_chars' must be between 0 and 4096"},
      {"[[host.feed]]\npath = \"/n/\"\ntitle = \"N\"\ntitel = \"x\"\n", 9, 1,
       "unknown key 'titel' in [[host.feed]]"},
      {"[[host.feed]]\npath = \"/n/\"\ntitle = \"N\"\n[[host.feed]]\npath = \"/n/\"\ntitle = \"M\"\n", 10, 8,
       "feed path '/n/' is used twice"},
      {"feed = 1\n", 6, 8, "'feed' must be an array of tables (write [[host.feed]])"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.feed);
    auto errors = errors_of(server_block + host_block + r.feed);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == r.line);
    CHECK(errors[0].column == r.column);
    CHECK(errors[0].message == r.message);
  }
}

TEST_CASE("config: the bundled twinstar.toml marks /news/ as a feed") {
  const fs::path file = fs::path(TWINSTAR_TEST_DATA "/../../twinstar.toml").lexically_normal();
  auto parsed = load_config(file);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->hosts.size() == 1);
  const auto& feeds = parsed->hosts[0].feeds;
  REQUIRE(feeds.size() == 1);
  CHECK(feeds[0].path == "/news/");
  CHECK(feeds[0].title == "News");
}

TEST_CASE("config: [[mirror]] tables parse / with defaults") {
  auto parsed = parse(server_block + host_block +
                      "[[mirror]]\n"
                      "url = \"https://example.org/feed.xml\"\n"
                      "into = \"capsule/news\"\n"
                      "[[mirror]]\n"
                      "url = \"http://other.example/rss\"\n"
                      "into = \"/srv/news\"\n"
                      "interval = 900\n"
                      "max_items = 10\n"
                      "include = [\"Putin\", \"Xi\"]\n"
                      "exclude = [\"sport\"]\n");
  REQUIRE(parsed.ok());
  const auto& mirrors = parsed->mirrors;
  REQUIRE(mirrors.size() == 2);
  CHECK(mirrors[0].url == "https://example.org/feed.xml");
  CHECK(mirrors[0].into == fs::path("/base/capsule/news"));
  CHECK(mirrors[0].interval == std::chrono::seconds(3600));
  CHECK(mirrors[0].max_items == 50);
  CHECK(mirrors[0].include.empty());
  CHECK(mirrors[0].exclude.empty());
  CHECK(mirrors[1].into == fs::path("/srv/news"));
  CHECK(mirrors[1].interval == std::chrono::seconds(900));
  CHECK(mirrors[1].max_items == 10);
  CHECK(mirrors[1].include == std::vector<std::string>{"Putin", "Xi"});
  CHECK(mirrors[1].exclude == std::vector<std::string>{"sport"});
}

TEST_CASE("config: [[mirror]] errors / all reported / each at its line and column") {
  // Lines 1-5: server and host; the mirror tables start at line 6.
  auto errors = errors_of(server_block + host_block +
                          "[[mirror]]\n"                        // 6
                          "url = \"ftp://example.org/feed\"\n"  // 7
                          "into = \"news\"\n"                   // 8
                          "interval = 0\n"                      // 9
                          "max_items = \"ten\"\n"               // 10
                          "includes = [\"x\"]\n"                // 11
                          "[[mirror]]\n"                        // 12
                          "exclude = [\"\"]\n");                // 13
  struct expected {
    int line, column;
    std::string message;
  };
  const std::vector<expected> want = {
      {7, 7, "mirror 'url' must be an http:// or https:// URL without spaces"},
      {9, 12, "'interval' must be between 1 and 604800"},
      {10, 13, "'max_items' must be an integer"},
      {11, 1, "unknown key 'includes' in [[mirror]]"},
      {12, 1, "[[mirror]] needs 'url'"},
      {12, 1, "[[mirror]] needs 'into'"},
      {13, 12, "'exclude' entries must not be empty"},
  };
  REQUIRE(errors.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(errors[i].line == want[i].line);
    CHECK(errors[i].column == want[i].column);
    CHECK(errors[i].message == want[i].message);
  }

  auto not_tables = errors_of("mirror = \"https://example.org/\"\n" + server_block + host_block);
  REQUIRE(not_tables.size() == 1);
  CHECK(not_tables[0].line == 1);
  CHECK(not_tables[0].message == "'mirror' must be an array of tables (write [[mirror]])");
}

TEST_CASE("config: hardening keys / per-host gopher_listen / certificate rules") {
  auto parsed =
      parse(server_block +
            "handshake_timeout = 3\nwrite_timeout = 4.5\nmin_write_rate = 1000\n"
            "max_connections = 50\nmax_connections_per_ip = 5\n"
            "[server.rate_limit]\nrequests_per_second = 2.5\nburst = 10\nban_after = 4\nban_seconds = 60\n" +
            host_block +
            "gopher_listen = [\"127.0.0.1:7071\"]\n"
            "[[host.path]]\nprefix = \"/members/\"\n"
            "allowed_fingerprints = [\"AB:CD" +
            std::string(60, 'e') + "\"]\n");
  REQUIRE(parsed.ok());
  const auto& c = parsed.value();
  CHECK(c.handshake_timeout == std::chrono::milliseconds(3000));
  CHECK(c.write_timeout == std::chrono::milliseconds(4500));
  CHECK(c.min_write_rate == 1000);
  CHECK(c.max_connections == 50);
  CHECK(c.max_connections_per_ip == 5);
  CHECK(c.rate_limit.per_second == doctest::Approx(2.5));
  CHECK(c.rate_limit.burst == doctest::Approx(10));
  CHECK(c.rate_limit.ban_after == 4);
  CHECK(c.rate_limit.ban_for == std::chrono::seconds(60));
  REQUIRE(c.hosts.size() == 1);
  REQUIRE(c.hosts[0].gopher_listen.size() == 1);
  CHECK(c.hosts[0].gopher_listen[0].port == 7071);
  REQUIRE(c.hosts[0].paths.size() == 1);
  // Colons dropped, lower-cased, implied require_certificate.
  CHECK(c.hosts[0].paths[0].allowed == std::vector<std::string>{"SHA256:abcd" + std::string(60, 'e')});
  CHECK(c.hosts[0].paths[0].require_certificate == std::optional<bool>(true));
}

TEST_CASE("config: bad hardening values are reported with their position") {
  struct row {
    std::string extra;  // appended to [server]
    int line;
    std::string message_part;
  };
  const row rows[] = {
      {"max_connections = -1\n", 3, "max_connections"},
      {"handshake_timeout = 0\n", 3, "handshake_timeout"},
      {"[server.rate_limit]\nburst = 0\n", 4, "burst"},
      {"[server.rate_limit]\nrequests_per_seconds = 1\n", 4, "requests_per_seconds"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.extra);
    auto errors = errors_of(server_block + r.extra + host_block);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == r.line);
    CHECK(errors[0].message.find(r.message_part) != std::string::npos);
  }
  auto bad_print = errors_of(server_block + host_block +
                             "[[host.path]]\nprefix = \"/m/\"\nallowed_fingerprints = [\"xyz\"]\n");
  REQUIRE(bad_print.size() == 1);
  CHECK(bad_print[0].line == 8);
}

TEST_CASE("config: access_log_style and log_ip by name") {
  for (const auto& [text, style] :
       {std::pair{"twinstar", log_style::twinstar}, std::pair{"common", log_style::common},
        std::pair{"combined", log_style::combined}, std::pair{"json", log_style::json}}) {
    CAPTURE(text);
    auto parsed = parse("[server]\nlisten = [\"127.0.0.1:1965\"]\naccess_log_style = \"" + std::string(text) +
                        "\"\nlog_ip = \"truncated\"\n" + host_block);
    REQUIRE(parsed.ok());
    CHECK(parsed->access_log_style == style);
    CHECK(parsed->log_ip == ip_logging::truncated);
  }
}

TEST_CASE("config: a listener may be a table that asks for the PROXY protocol") {
  const std::string text =
      "[server]\n"
      "listen = [\"127.0.0.1:1965\", { address = \"[::1]:1966\", proxy_protocol = \"v2\" }]\n"
      "gopher_listen = [{ address = \"127.0.0.1:70\", proxy_protocol = \"v1\" }, { address = "
      "\"127.0.0.1:71\" }]\n" +
      host_block + "gopher_listen = [{ address = \"127.0.0.1:72\", proxy_protocol = \"v2\" }]\n";
  auto parsed = parse(text);
  REQUIRE(parsed.ok());
  const auto& c = parsed.value();
  REQUIRE(c.listen.size() == 2);
  CHECK(c.listen[0].proxy_protocol == proxy_version::none);
  CHECK(c.listen[1].to_string() == "[::1]:1966");
  CHECK(c.listen[1].proxy_protocol == proxy_version::v2);
  CHECK(c.listen[1].at.line == 2);
  CHECK(c.listen[1].at.column == 41);
  REQUIRE(c.gopher_listen.size() == 2);
  CHECK(c.gopher_listen[0].proxy_protocol == proxy_version::v1);
  CHECK(c.gopher_listen[1].proxy_protocol == proxy_version::none);
  REQUIRE(c.hosts.size() == 1);
  REQUIRE(c.hosts[0].gopher_listen.size() == 1);
  CHECK(c.hosts[0].gopher_listen[0].proxy_protocol == proxy_version::v2);
}

TEST_CASE("config: every malformed PROXY listener is reported at its place") {
  const std::string text =
      "[server]\n"
      "listen = [{ address = \"127.0.0.1:1965\", proxy_protocol = \"v3\" },\n"
      "          { proxy_protocol = \"v1\" },\n"
      "          { address = \"127.0.0.1:1966\", proxy = \"v1\" },\n"
      "          { address = 1966, proxy_protocol = \"v1\" },\n"
      "          { address = \"127.0.0.1:1967\", proxy_protocol = 2 }]\n" +
      host_block;
  const auto errors = errors_of(text);
  REQUIRE(errors.size() == 5);
  CHECK(errors[0].to_string() == "t.toml:2:58: 'proxy_protocol' must be \"v1\" or \"v2\"");
  CHECK(errors[1].to_string() == "t.toml:3:11: a 'listen' entry needs 'address'");
  CHECK(errors[2].to_string() == "t.toml:4:41: unknown key 'proxy' in a 'listen' entry");
  CHECK(errors[3].line == 5);
  CHECK(errors[3].column == 23);
  CHECK(errors[4].to_string() == "t.toml:6:58: 'proxy_protocol' must be \"v1\" or \"v2\"");
}
