// [[host.titan]] tables (src/core/config_titan.cpp), through parse_config.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "twinstar/config.hpp"

using namespace twinstar;

namespace {

// Lines 1-2: a valid [server]; lines 3-5: a valid [[host]].
const std::string head =
    "[server]\n"
    "listen = [\"127.0.0.1:1965\"]\n"
    "[[host]]\n"
    "name = \"a\"\n"
    "root = \"r\"\n";
const std::string hex(64, 'a');

}  // namespace

TEST_CASE("config: [[host.titan]] tables parse with defaults") {
  auto parsed = parse_config(head +
                                 "[[host.titan]]\n"
                                 "prefix = \"/news/\"\n"
                                 "allowed_fingerprints = [\"SHA256:" +
                                 std::string(64, 'A') +
                                 "\"]\n"
                                 "[[host.titan]]\n"
                                 "prefix = \"/drafts/\"\n"
                                 "allowed_fingerprints = [\"" +
                                 hex + "\", \"sha256:" + std::string(64, 'b') +
                                 "\"]\n"
                                 "token = \"s3cret\"\n"
                                 "max_size = 4096\n"
                                 "mimes = [\"Text/Gemini\"]\n"
                                 "allow_delete = true\n",
                             "t.toml", "/base");
  REQUIRE(parsed.ok());
  const auto& rules = parsed->hosts[0].titan;
  REQUIRE(rules.size() == 2);
  CHECK(rules[0].prefix == "/news/");
  CHECK(rules[0].allowed == std::vector<std::string>{"SHA256:" + hex});
  CHECK_FALSE(rules[0].token);
  CHECK(rules[0].max_size == default_titan_max_size);
  CHECK(rules[0].mimes == std::vector<std::string>{"text/gemini", "text/plain"});
  CHECK_FALSE(rules[0].allow_delete);
  CHECK(rules[0].at.line == 7);
  CHECK(rules[1].allowed.size() == 2);
  CHECK(rules[1].token == "s3cret");
  CHECK(rules[1].max_size == 4096);
  CHECK(rules[1].mimes == std::vector<std::string>{"text/gemini"});
  CHECK(rules[1].allow_delete);
}

TEST_CASE("config: [[host.titan]] errors are each reported at their line and column") {
  struct row {
    std::string titan;  // lines 6.. of the text
    int line;
    int column;
    std::string message;
  };
  const std::string prints = "allowed_fingerprints = [\"" + hex + "\"]\n";
  const std::string prefix_message =
      "titan 'prefix' must be a directory path like \"/news/\" (leading and trailing '/', no empty, '.' or "
      "dot-file segments)";
  const std::vector<row> rows = {
      {"[[host.titan]]\n" + prints, 6, 1, "[[host.titan]] needs 'prefix'"},
      {"[[host.titan]]\nprefix = \"/news/\"\n", 6, 1, "[[host.titan]] needs 'allowed_fingerprints'"},
      {"[[host.titan]]\nprefix = \"/news/\"\nallowed_fingerprints = []\n", 8, 24,
       "[[host.titan]] 'allowed_fingerprints' must not be empty"},
      {"[[host.titan]]\nprefix = \"/news/\"\nallowed_fingerprints = [\"abc\"]\n", 8, 25,
       "'allowed_fingerprints' entries must be SHA-256 fingerprints (64 hex digits)"},
      {"[[host.titan]]\nprefix = \"news/\"\n" + prints, 7, 10, prefix_message},
      {"[[host.titan]]\nprefix = \"/a/../b/\"\n" + prints, 7, 10, prefix_message},
      {"[[host.titan]]\nprefix = \"/n/\"\n" + prints + "max_size = 0\n", 9, 12,
       "'max_size' must be between 1 and 1073741824"},
      {"[[host.titan]]\nprefix = \"/n/\"\n" + prints + "token = \"a b\"\n", 9, 9,
       "titan 'token' must be non-empty, without spaces, ';' or control characters"},
      {"[[host.titan]]\nprefix = \"/n/\"\n" + prints + "mimes = [\"text\"]\n", 9, 10,
       "'mimes' entries must be bare types like \"text/gemini\""},
      {"[[host.titan]]\nprefix = \"/n/\"\n" + prints + "allow_delete = 1\n", 9, 16,
       "'allow_delete' must be true or false"},
      {"[[host.titan]]\nprefix = \"/n/\"\n" + prints + "size = 1\n", 9, 1,
       "unknown key 'size' in [[host.titan]]"},
      {"[[host.titan]]\nprefix = \"/n/\"\n" + prints + "[[host.titan]]\nprefix = \"/n/\"\n" + prints, 10, 10,
       "titan prefix '/n/' is used twice"},
      {"titan = 1\n", 6, 9, "'titan' must be an array of tables (write [[host.titan]])"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.titan);
    auto parsed = parse_config(head + r.titan, "t.toml", "/base");
    REQUIRE_FALSE(parsed.ok());
    const auto& errors = parsed.error();
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == r.line);
    CHECK(errors[0].column == r.column);
    CHECK(errors[0].message == r.message);
  }
}

TEST_CASE("config: every [[host.titan]] problem is reported in one run") {
  auto parsed = parse_config(head +
                                 "[[host.titan]]\n"
                                 "prefix = \"news\"\n"
                                 "allowed_fingerprints = [\"xyz\"]\n"
                                 "max_size = -5\n",
                             "t.toml", "/base");
  REQUIRE_FALSE(parsed.ok());
  REQUIRE(parsed.error().size() == 3);
  CHECK(parsed.error()[0].line == 7);
  CHECK(parsed.error()[1].line == 8);
  CHECK(parsed.error()[2].line == 9);
}
