#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "twinstar/config.hpp"

using namespace twinstar;

namespace {

// Lines 1-5: a valid server and host.
const std::string base =
    "[server]\n"
    "listen = [\"127.0.0.1:1965\"]\n"
    "[[host]]\n"
    "name = \"a\"\n"
    "root = \"r\"\n";

std::vector<std::string> errors_of(const std::string& text) {
  std::vector<std::string> out;
  auto parsed = parse_config(base + text, "t.toml", "/base");
  if (parsed.ok()) return out;
  for (const auto& e : parsed.error()) out.push_back(e.to_string());
  return out;
}

}  // namespace

TEST_CASE("config: [[host.cgi]] and [[host.scgi]] parse with their defaults") {
  auto parsed = parse_config(base +
                                 "[[host.cgi]]\n"
                                 "path = \"/cgi-bin/\"\n"
                                 "[[host.cgi]]\n"
                                 "path = \"/tools/\"\n"
                                 "dir = \"/opt/tools\"\n"
                                 "timeout = 2.5\n"
                                 "[[host.scgi]]\n"
                                 "path = \"/app\"\n"
                                 "socket = \"run/app.sock\"\n",
                             "t.toml", "/base");
  REQUIRE(parsed.ok());
  const host_config& host = parsed.value().hosts.at(0);
  REQUIRE(host.cgi.size() == 2);
  CHECK(host.cgi[0].path == "/cgi-bin/");
  CHECK(host.cgi[0].dir == std::filesystem::path("/base/r/cgi-bin/"));
  CHECK(host.cgi[0].timeout == std::chrono::milliseconds(10'000));
  CHECK(host.cgi[0].at.line == 7);
  CHECK(host.cgi[1].dir == std::filesystem::path("/opt/tools"));
  CHECK(host.cgi[1].timeout == std::chrono::milliseconds(2500));
  REQUIRE(host.scgi.size() == 1);
  CHECK(host.scgi[0].socket == std::filesystem::path("/base/run/app.sock"));
}

TEST_CASE("config: every [[host.cgi]] and [[host.scgi]] problem is reported at its line") {
  struct row {
    std::string text;
    std::vector<std::string> expected;
  };
  const row rows[] = {
      {"[[host.cgi]]\npath = \"cgi-bin/\"\n", {"t.toml:7:8: CGI 'path' must be a directory path"}},
      {"[[host.cgi]]\npath = \"/cgi-bin\"\n", {"t.toml:7:8: CGI 'path' must be a directory path"}},
      {"[[host.cgi]]\npath = \"/../x/\"\n", {"t.toml:7:8: CGI 'path'"}},
      {"[[host.cgi]]\ndir = \"x\"\n", {"t.toml:6:1: [[host.cgi]] needs 'path'"}},
      {"[[host.cgi]]\npath = \"/c/\"\ntimeout = 0\n", {"t.toml:8:11: 'timeout'"}},
      {"[[host.cgi]]\npath = \"/c/\"\ncolour = 1\n", {"t.toml:8:1: unknown key 'colour' in [[host.cgi]]"}},
      {"[[host.cgi]]\npath = \"/c/\"\n[[host.scgi]]\npath = \"/c/\"\nsocket = \"s\"\n",
       {"t.toml:9:8: dynamic path '/c/' is used twice"}},
      {"[[host.scgi]]\npath = \"/app\"\n", {"t.toml:6:1: [[host.scgi]] needs 'socket'"}},
      {"[[host.scgi]]\npath = \"app\"\nsocket = \"s\"\n", {"t.toml:7:8: SCGI 'path' must be a path"}},
      // Two problems in two tables: both reported.
      {"[[host.cgi]]\npath = \"x\"\n[[host.scgi]]\npath = \"/a\"\nsocket = 3\n",
       {"t.toml:7:8: CGI 'path'", "t.toml:10:10: 'socket'"}},
      {"cgi = 1\n", {"t.toml:6:7: 'cgi' must be an array of tables (write [[host.cgi]])"}},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    const auto errors = errors_of(r.text);
    REQUIRE(errors.size() == r.expected.size());
    for (std::size_t i = 0; i < errors.size(); ++i) {
      CAPTURE(errors[i]);
      CHECK(errors[i].starts_with(r.expected[i]));
    }
  }
}

TEST_CASE("config: [server] max_cgi has a default and is read") {
  auto defaulted = parse_config(base, "t.toml", "/base");
  REQUIRE(defaulted.ok());
  CHECK(defaulted->max_cgi == default_max_cgi);
  CHECK(default_max_cgi == 16);
  for (const auto& [text, expected] :
       {std::pair{"max_cgi = 1\n", std::size_t{1}}, std::pair{"max_cgi = 4096\n", max_max_cgi}}) {
    CAPTURE(text);
    auto parsed = parse_config("[server]\nlisten = [\"127.0.0.1:1965\"]\n" + std::string(text) +
                                   "[[host]]\nname = \"a\"\nroot = \"r\"\n",
                               "t.toml", "/base");
    REQUIRE(parsed.ok());
    CHECK(parsed->max_cgi == expected);
  }
}

TEST_CASE("config: a bad max_cgi is reported at its line and column with the other problems") {
  struct row {
    std::string value;
    std::string expected;
  };
  const row rows[] = {
      {"0", "t.toml:3:11: 'max_cgi' must be between 1 and 4096"},
      {"-3", "t.toml:3:11: 'max_cgi' must be between 1 and 4096"},
      {"4097", "t.toml:3:11: 'max_cgi' must be between 1 and 4096"},
      {"\"16\"", "t.toml:3:11: 'max_cgi' must be an integer"},
      {"2.5", "t.toml:3:11: 'max_cgi' must be an integer"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.value);
    auto parsed = parse_config("[server]\nlisten = [\"127.0.0.1:1965\"]\nmax_cgi = " + r.value +
                                   "\n[[host]]\nname = \"a\"\nroot = \"r\"\n"
                                   "[[host.cgi]]\npath = \"cgi-bin\"\n",
                               "t.toml", "/base");
    REQUIRE_FALSE(parsed.ok());
    const auto& errors = parsed.error();
    REQUIRE(errors.size() == 2);  // the bad cap, and the bad CGI path after it
    CHECK(errors[0].to_string() == r.expected);
    CHECK(errors[1].to_string().starts_with("t.toml:8:8: CGI 'path'"));
  }
}

// The bundled twinstar.toml shows [[host.cgi]], [[host.scgi]] and
// [[host.titan]] commented out; an operator uncomments them. Each example,
// uncommented, must parse as the comments describe.
TEST_CASE("config: the commented dynamic and titan examples of the bundled twinstar.toml parse") {
  std::ifstream in(std::filesystem::path(TWINSTAR_TEST_DATA "/../../twinstar.toml").lexically_normal());
  REQUIRE(in);
  std::string text, line;
  int uncommented = 0;
  bool inside = false;  // in an example table: "# key = value" lines up to the next blank one
  while (std::getline(in, line)) {
    if (line == "# [[host.cgi]]" || line == "# [[host.scgi]]" || line == "# [[host.titan]]") inside = true;
    if (line.empty()) inside = false;
    if (inside && line.starts_with("# ")) {
      line = line.substr(2);
      ++uncommented;
    }
    text += line + '\n';
  }
  CHECK(uncommented >= 3 + 6);  // the three headers and their keys
  auto parsed = parse_config(text, "twinstar.toml", "/etc/twinstar");
  if (!parsed.ok()) {
    for (const config_error& e : parsed.error()) MESSAGE(e.to_string());
  }
  REQUIRE(parsed.ok());
  const host_config& host = parsed->hosts.at(0);
  REQUIRE(host.cgi.size() == 1);
  CHECK(host.cgi[0].path == "/cgi-bin/");
  CHECK(host.cgi[0].dir == std::filesystem::path("/etc/twinstar/cgi-bin"));
  CHECK(host.cgi[0].timeout == std::chrono::milliseconds(10'000));
  REQUIRE(host.scgi.size() == 1);
  CHECK(host.scgi[0].path == "/app");
  CHECK(host.scgi[0].socket == std::filesystem::path("/run/app/scgi.sock"));
  REQUIRE(host.titan.size() == 1);
  CHECK(host.titan[0].prefix == "/news/");
  CHECK(host.titan[0].allowed.size() == 1);
  CHECK(host.titan[0].token == std::optional<std::string>("change-me"));
  CHECK(host.titan[0].max_size == default_titan_max_size);
  CHECK_FALSE(host.titan[0].allow_delete);
  CHECK(parsed->max_cgi == default_max_cgi);
}
