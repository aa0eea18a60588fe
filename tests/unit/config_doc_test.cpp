// twinstar.toml(5) against the parser: every key the man page documents for
// [server], [[host.cgi]], [[host.scgi]] and [[host.titan]] is one the parser
// accepts (a renamed or misspelt key in the page fails here), and the keys of
// those tables are all documented.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "twinstar/config.hpp"

using namespace twinstar;

namespace {

std::string man_page() {
  std::ifstream in(
      std::filesystem::path(TWINSTAR_TEST_DATA "/../../doc/twinstar.toml.5.scd").lexically_normal());
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The keys of the [server] section: each definition line ("*a*, *b* = ...")
// names them before its " = ".
std::set<std::string> server_keys(const std::string& page) {
  std::set<std::string> keys;
  std::istringstream in(page);
  bool inside = false;
  const std::regex key(R"(\*([a-z_]+)\*)");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# ")) inside = line == "# [server]";
    if (!inside || !line.starts_with("*") || line.find(" = ") == std::string::npos) continue;
    const std::string names = line.substr(0, line.find(" = "));
    for (std::sregex_iterator it(names.begin(), names.end(), key), end; it != end; ++it)
      keys.insert((*it)[1]);
  }
  return keys;
}

// The keys of a *[[host.X]]* entry: in its indented paragraph, each written
// "*key* (" (what it is, its default).
std::set<std::string> table_keys(const std::string& page, const std::string& table) {
  std::set<std::string> keys;
  std::istringstream in(page);
  bool inside = false;
  const std::regex key(R"(\*([a-z_]+)\* \()");
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("\t")) inside = line == "*[[host." + table + "]]*";
    if (!inside) continue;
    for (std::sregex_iterator it(line.begin(), line.end(), key), end; it != end; ++it) keys.insert((*it)[1]);
  }
  return keys;
}

bool unknown(const std::string& text, const std::string& key) {
  auto parsed = parse_config(text, "t.toml", "/base");
  if (parsed.ok()) return false;
  for (const config_error& e : parsed.error())
    if (e.message.starts_with("unknown key '" + key + "'")) return true;
  return false;
}

const std::string host = "[[host]]\nname = \"a\"\nroot = \"r\"\n";

}  // namespace

TEST_CASE("config doc: every [server] key of twinstar.toml(5) is accepted and max_cgi is there") {
  const auto keys = server_keys(man_page());
  CHECK(keys.size() >= 15);
  for (const char* expected : {"max_cgi", "max_connections", "listen", "workers"}) {
    CAPTURE(expected);
    CHECK(keys.count(expected) == 1);
  }
  for (const std::string& key : keys) {
    CAPTURE(key);
    if (key == "listen") continue;  // written below already
    CHECK_FALSE(unknown("[server]\nlisten = [\"127.0.0.1:1965\"]\n" + key + " = 0\n" + host, key));
  }
}

TEST_CASE("config doc: [[host.cgi]] [[host.scgi]] and [[host.titan]] are documented key by key") {
  const std::string page = man_page();
  const std::map<std::string, std::set<std::string>> expected = {
      {"cgi", {"path", "dir", "timeout"}},
      {"scgi", {"path", "socket", "timeout"}},
      {"titan", {"prefix", "allowed_fingerprints", "token", "max_size", "mimes", "allow_delete"}},
  };
  for (const auto& [table, keys] : expected) {
    CAPTURE(table);
    const auto documented = table_keys(page, table);
    CHECK(documented == keys);
    for (const std::string& key : documented) {
      CAPTURE(key);
      CHECK_FALSE(unknown(
          "[server]\nlisten = [\"127.0.0.1:1965\"]\n" + host + "[[host." + table + "]]\n" + key + " = 0\n",
          key));
    }
    // The check itself can fail: a key the parser does not know is caught.
    CHECK(unknown(
        "[server]\nlisten = [\"127.0.0.1:1965\"]\n" + host + "[[host." + table + "]]\nnot_a_key = 0\n",
        "not_a_key"));
  }
}
