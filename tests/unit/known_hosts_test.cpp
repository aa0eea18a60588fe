#include "twinstar/known_hosts.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <random>

using namespace twinstar;

TEST_CASE("known_hosts: first use pins / same matches / different is reported") {
  auto k = known_hosts::parse("");
  CHECK(k.check("example.org:1965", "SHA256:aa") == tofu_verdict::first_use);
  CHECK(k.check("example.org:1965", "SHA256:aa") == tofu_verdict::match);
  CHECK(k.check("example.org:1965", "SHA256:bb") == tofu_verdict::changed);
  // The pin is not replaced by the changed fingerprint.
  REQUIRE(k.pinned("example.org:1965"));
  CHECK(*k.pinned("example.org:1965") == "SHA256:aa");
  // Another port is another key.
  CHECK(k.check("example.org:1966", "SHA256:bb") == tofu_verdict::first_use);
}

TEST_CASE("known_hosts: parse skips comments and counts malformed lines") {
  struct row {
    const char* text;
    int pins_found;
    int bad;
  };
  const row rows[] = {
      {"# comment\nhost:1965 SHA256:ab\r\n", 1, 0},
      {"host:1965 SHA256:ab\nbroken line\n host SHA256:x\n", 1, 2},
      {"a:1 SHA256:1\nb:2 SHA256:2\n", 2, 0},
      {"a:1 MD5:1\n", 0, 1},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto k = known_hosts::parse(r.text);
    CHECK(k.bad_lines() == r.bad);
    auto again = known_hosts::parse(k.serialize());
    CHECK(again.bad_lines() == 0);
    int found =
        (again.pinned("host:1965") ? 1 : 0) + (again.pinned("a:1") ? 1 : 0) + (again.pinned("b:2") ? 1 : 0);
    CHECK(found == r.pins_found);
  }
}

TEST_CASE("known_hosts: save and load round-trip") {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() / ("twinstar-kh-" + std::to_string(rd()));
  auto file = dir / "sub" / "known_hosts";
  auto k = known_hosts::load(file);  // missing file: empty store
  CHECK(k.check("h:1965", "SHA256:01") == tofu_verdict::first_use);
  REQUIRE(k.save(file));
  auto back = known_hosts::load(file);
  CHECK(back.check("h:1965", "SHA256:01") == tofu_verdict::match);
  CHECK(back.check("h:1965", "SHA256:02") == tofu_verdict::changed);
  std::filesystem::remove_all(dir);
}
