#include "twinstar/protocol.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "twinstar/gopher_site.hpp"

using namespace twinstar;

// The names are the access log's fields: log analysers match on them.
TEST_CASE("name_of: each protocol by its URL scheme") {
  CHECK(name_of(protocol::gemini) == "gemini");
  CHECK(name_of(protocol::gopher) == "gopher");
}

TEST_CASE("name_of: each gopher_kind by its access log word") {
  struct row {
    gopher_kind kind;
    const char* name;
  };
  const row rows[] = {{gopher_kind::menu, "menu"},   {gopher_kind::text, "text"},
                      {gopher_kind::file, "file"},   {gopher_kind::url, "url"},
                      {gopher_kind::error, "error"}, {gopher_kind::slow_down, "slow-down"}};
  std::set<std::string> seen;
  for (const auto& r : rows) {
    CAPTURE(r.name);
    CHECK(name_of(r.kind) == r.name);
    seen.emplace(name_of(r.kind));
  }
  CHECK(seen.size() == std::size(rows));
}
