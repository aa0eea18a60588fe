// [server] user, group and allow_root: parsing with positions, the account
// checks of check_on_disk, and the service example config (dist/).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "temp_files.hpp"
#include "twinstar/config.hpp"

using namespace twinstar;
namespace fs = std::filesystem;

namespace {

const std::string host_block =
    "[[host]]\n"
    "name = \"a\"\n"
    "root = \"r\"\n";

// Line 1 [server], line 2 listen, line 3 the extra line(s).
config_result parse_with(const std::string& server_lines) {
  return parse_config("[server]\nlisten = [\"127.0.0.1:1965\"]\n" + server_lines + host_block, "t.toml",
                      "/base");
}

// An account name no system has.
const std::string missing_account = "twinstar-no-such-account";

}  // namespace

TEST_CASE("config user: user / group / allow_root parse with their positions") {
  auto parsed = parse_with("user = \"nobody\"\ngroup = \"nogroup\"\nallow_root = true\n");
  REQUIRE(parsed.ok());
  CHECK(parsed->user == "nobody");
  CHECK(parsed->group == "nogroup");
  CHECK(parsed->allow_root);
  CHECK(parsed->user_at.line == 3);
  CHECK(parsed->user_at.column == 8);
  CHECK(parsed->group_at.line == 4);
  CHECK(parsed->group_at.column == 9);

  auto defaults = parse_with("");
  REQUIRE(defaults.ok());
  CHECK(defaults->user.empty());
  CHECK(defaults->group.empty());
  CHECK_FALSE(defaults->allow_root);
}

TEST_CASE("config user: each bad value is reported at its line and column") {
  struct row {
    std::string lines;
    int line, column;
    std::string message;
  };
  const std::vector<row> rows = {
      {"user = 65534\n", 3, 8, "'user' must be a string"},
      {"user = \"\"\n", 3, 8, "'user' must be an account name (letters, digits, '.', '_', '-'): ''"},
      {"user = \"no body\"\n", 3, 8,
       "'user' must be an account name (letters, digits, '.', '_', '-'): 'no body'"},
      {"user = \"-x\"\n", 3, 8, "'user' must be an account name (letters, digits, '.', '_', '-'): '-x'"},
      {"user = \"a:b\"\n", 3, 8, "'user' must be an account name (letters, digits, '.', '_', '-'): 'a:b'"},
      {"user = \"nobody\"\ngroup = \"x/y\"\n", 4, 9,
       "'group' must be an account name (letters, digits, '.', '_', '-'): 'x/y'"},
      {"group = \"nogroup\"\n", 3, 9, "'group' needs 'user'"},
      {"allow_root = \"yes\"\n", 3, 14, "'allow_root' must be true or false"},
      {"users = \"nobody\"\n", 3, 1, "unknown key 'users' in [server]"},
  };
  for (const row& r : rows) {
    CAPTURE(r.lines);
    auto parsed = parse_with(r.lines);
    REQUIRE_FALSE(parsed.ok());
    REQUIRE(parsed.error().size() == 1);
    CHECK(parsed.error()[0].line == r.line);
    CHECK(parsed.error()[0].column == r.column);
    CHECK(parsed.error()[0].message == r.message);
  }
}

TEST_CASE("config user: check_on_disk reports unknown accounts at their keys along with the other problems") {
  const fs::path dir = test::fresh_temp_dir("config-user");
  fs::create_directories(dir / "r");
  auto parse_here = [&](const std::string& server_lines, const std::string& root) {
    return parse_config("[server]\nlisten = [\"127.0.0.1:1965\"]\n" + server_lines +
                            "[[host]]\nname = \"a\"\nroot = \"" + root + "\"\n",
                        "t.toml", dir);
  };

  auto known = parse_here("user = \"root\"\ngroup = \"root\"\n", "r");
  REQUIRE(known.ok());
  CHECK(check_on_disk(*known, "t.toml").empty());

  auto unknown =
      parse_here("user = \"" + missing_account + "\"\ngroup = \"" + missing_account + "\"\n", "missing");
  REQUIRE(unknown.ok());  // parsing asks no account database
  auto errors = check_on_disk(*unknown, "t.toml");
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].to_string().starts_with("t.toml:7:8: host 'a': root "));
  CHECK(errors[1].to_string() == "t.toml:3:8: user '" + missing_account + "': no such account");
  CHECK(errors[2].to_string() == "t.toml:4:9: group '" + missing_account + "': no such account");
  fs::remove_all(dir);
}

TEST_CASE("config user: the service example dist/twinstar.toml is valid and absolute") {
  const fs::path file = fs::path(TWINSTAR_TEST_DATA "/../../dist/twinstar.toml").lexically_normal();
  auto parsed = load_config(file);
  if (!parsed.ok()) {
    for (const config_error& e : parsed.error()) MESSAGE(e.to_string());
  }
  REQUIRE(parsed.ok());
  const server_config& c = *parsed;
  CHECK(c.user == "twinstar");
  CHECK(c.group == "twinstar");
  CHECK_FALSE(c.allow_root);
  // StateDirectory=twinstar and LogsDirectory=twinstar of the unit.
  CHECK(c.cert_dir == fs::path("/var/lib/twinstar/certs"));
  CHECK(c.access_log == "/var/log/twinstar/access.log");
  REQUIRE(c.hosts.size() == 1);
  CHECK(c.hosts[0].root == fs::path("/var/lib/twinstar/capsule"));
  CHECK(c.hosts[0].cert == fs::path("/var/lib/twinstar/certs/localhost.crt"));
  REQUIRE(c.gopher_listen.size() == 2);
  CHECK(c.gopher_listen[0].port == 70);
}
