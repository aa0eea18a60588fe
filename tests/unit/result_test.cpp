#include "twinstar/result.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>

using namespace twinstar;

namespace {

result<int, std::string> halve(int n) {
  if (n % 2 != 0) return fail("odd: " + std::to_string(n));
  return n / 2;
}

result<void, std::string> must_be_positive(int n) {
  if (n <= 0) return fail("not positive");
  return {};
}

}  // namespace

TEST_CASE("result: a value or an error") {
  auto half = halve(8);
  REQUIRE(half.ok());
  CHECK(*half == 4);
  auto odd = halve(3);
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.error() == "odd: 3");
}

TEST_CASE("result: a move-only value moves out") {
  result<std::unique_ptr<int>, std::string> r = std::make_unique<int>(7);
  REQUIRE(r);
  std::unique_ptr<int> p = std::move(r).value();
  REQUIRE(p);
  CHECK(*p == 7);
}

// result<void, E>: success carries nothing, so `if (r)` means "it worked",
// the opposite of the "empty optional<string> means success" it replaces.
TEST_CASE("result<void>: success is true and failure carries the error") {
  const auto good = must_be_positive(1);
  CHECK(good.ok());
  CHECK(static_cast<bool>(good));
  const auto bad = must_be_positive(0);
  CHECK_FALSE(bad.ok());
  CHECK_FALSE(static_cast<bool>(bad));
  CHECK(bad.error() == "not positive");
}
