#include "twinstar/limits.hpp"

#include <doctest/doctest.h>

using namespace twinstar;
using namespace std::chrono_literals;

TEST_CASE("rate_limiter: burst / refill / retry time") {
  rate_limiter limiter({.per_second = 2.0, .burst = 3.0, .ban_after = 0, .ban_for = 600s});
  auto t0 = limit_clock::time_point{} + 1000s;
  for (int i = 0; i < 3; ++i) CHECK(limiter.admit("a", t0).allowed);  // the burst
  auto refused = limiter.admit("a", t0);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after == 1s);  // 1 token at 2/s: 0.5 s, rounded up
  CHECK(refused.log);
  CHECK_FALSE(limiter.admit("a", t0).log);        // logged once per offence
  CHECK(limiter.admit("b", t0).allowed);          // another client has its own bucket
  CHECK(limiter.admit("a", t0 + 500ms).allowed);  // refilled one token
  CHECK_FALSE(limiter.admit("a", t0 + 500ms).allowed);
  CHECK(limiter.admit("a", t0 + 10s).allowed);
}

TEST_CASE("rate_limiter: retry_after follows the refill rate") {
  struct row {
    double per_second;
    std::chrono::seconds expect;
  };
  for (auto r : {row{10, 1s}, row{1, 1s}, row{0.5, 2s}, row{0.1, 10s}}) {
    CAPTURE(r.per_second);
    rate_limiter limiter({.per_second = r.per_second, .burst = 1.0, .ban_after = 0, .ban_for = 600s});
    auto t = limit_clock::time_point{} + 1s;
    REQUIRE(limiter.admit("x", t).allowed);
    auto v = limiter.admit("x", t);
    CHECK_FALSE(v.allowed);
    CHECK(v.retry_after == r.expect);
  }
}

TEST_CASE("rate_limiter: repeated abuse starts a temporary ban") {
  rate_limiter limiter({.per_second = 1.0, .burst = 1.0, .ban_after = 3, .ban_for = 60s});
  auto t = limit_clock::time_point{} + 1s;
  CHECK(limiter.admit("x", t).allowed);
  CHECK_FALSE(limiter.admit("x", t).banned);
  CHECK_FALSE(limiter.admit("x", t).banned);
  CHECK_FALSE(limiter.banned("x", t));
  auto third = limiter.admit("x", t);
  CHECK(third.banned);
  CHECK(limiter.banned("x", t + 59s));
  CHECK_FALSE(limiter.banned("y", t));
  CHECK(third.log);
  CHECK(third.retry_after == 60s);
  // Banned even after the bucket would have refilled.
  auto later = limiter.admit("x", t + 30s);
  CHECK_FALSE(later.allowed);
  CHECK(later.banned);
  CHECK(later.retry_after == 30s);
  CHECK(limiter.admit("x", t + 61s).allowed);
}

TEST_CASE("rate_limiter: off when per_second is 0 / prune forgets idle clients") {
  rate_limiter off({.per_second = 0, .burst = 1, .ban_after = 0, .ban_for = 1s});
  for (int i = 0; i < 100; ++i) CHECK(off.admit("x", limit_clock::now()).allowed);
  CHECK(off.tracked() == 0);
  rate_limiter limiter({.per_second = 1.0, .burst = 2.0, .ban_after = 0, .ban_for = 1s});
  auto t = limit_clock::time_point{} + 1s;
  limiter.admit("a", t);
  limiter.admit("b", t);
  CHECK(limiter.tracked() == 2);
  limiter.prune(t);  // not yet refilled
  CHECK(limiter.tracked() == 2);
  limiter.prune(t + 5s);
  CHECK(limiter.tracked() == 0);
}

TEST_CASE("connection_limits: global and per-client caps / release frees") {
  connection_limits limits(3, 2);
  using a = connection_limits::admission;
  CHECK(limits.acquire("1.1.1.1") == a::ok);
  CHECK(limits.acquire("1.1.1.1") == a::ok);
  CHECK(limits.acquire("1.1.1.1") == a::over_client);
  CHECK(limits.acquire("2.2.2.2") == a::ok);
  CHECK(limits.acquire("3.3.3.3") == a::over_total);
  CHECK(limits.open() == 3);
  CHECK(limits.open_for("3.3.3.3") == 0);
  limits.release("1.1.1.1");
  CHECK(limits.open_for("1.1.1.1") == 1);
  CHECK(limits.acquire("3.3.3.3") == a::ok);
  limits.release("3.3.3.3");
  limits.release("2.2.2.2");
  limits.release("1.1.1.1");
  CHECK(limits.open() == 0);
  limits.release("9.9.9.9");  // never acquired: ignored
  CHECK(limits.open() == 0);
}

// Regression: a reload (SIGHUP) built fresh limiters, so it lifted every ban
// and refilled every bucket.
TEST_CASE("rate_limiter: a reloaded limiter keeps bans, refusals and spent tokens") {
  const rate_limit_config config{1.0, 2.0, 2, 60s};
  rate_limiter before(config);
  auto t0 = limit_clock::time_point{} + 1000s;
  CHECK(before.admit("abuser", t0).allowed);
  CHECK(before.admit("abuser", t0).allowed);
  CHECK_FALSE(before.admit("abuser", t0).allowed);
  CHECK(before.admit("abuser", t0).banned);  // second refusal in a row: banned
  CHECK(before.admit("spender", t0).allowed);
  CHECK(before.admit("spender", t0).allowed);  // no tokens left

  rate_limiter same(config, before);
  CHECK(same.banned("abuser", t0 + 1s));
  CHECK_FALSE(same.admit("spender", t0).allowed);
  CHECK(same.admit("newcomer", t0).allowed);

  // A smaller burst caps what was carried over; the ban still holds.
  rate_limiter smaller({.per_second = 1.0, .burst = 1.0, .ban_after = 2, .ban_for = 60s}, before);
  CHECK(smaller.banned("abuser", t0 + 59s));
  CHECK_FALSE(smaller.banned("abuser", t0 + 61s));
  CHECK(smaller.admit("x", t0).allowed);
  CHECK_FALSE(smaller.admit("x", t0).allowed);
}

TEST_CASE("rate_limiter: the connection limit goes with the request limit") {
  struct row {
    double per_second, burst;
    double expect_rate, expect_burst;
  };
  for (auto r : {row{0, 20, 0, 50}, row{1, 20, 2, 50}, row{0.5, 2, 1, 14}}) {
    CAPTURE(r.per_second);
    const auto c = rate_limiter::for_connections(
        {.per_second = r.per_second, .burst = r.burst, .ban_after = 3, .ban_for = 60s});
    CHECK(c.per_second == doctest::Approx(r.expect_rate));
    CHECK(c.burst == doctest::Approx(r.expect_burst));
    CHECK(c.ban_after == 3u);
    CHECK(rate_limiter(c).enabled() == (r.per_second > 0));
  }
  // A client that keeps to the request limit never meets the connection limit.
  const rate_limit_config requests{2.0, 5.0, 0, 60s};
  rate_limiter per_request(requests), per_connection(rate_limiter::for_connections(requests));
  auto t = limit_clock::time_point{} + 1000s;
  for (int i = 0; i < 200; ++i, t += 500ms) {
    CHECK(per_connection.admit("c", t).allowed);
    CHECK(per_request.admit("c", t).allowed);
  }
}

TEST_CASE("rate_limit_line: one wording for both protocols / a ban says so") {
  rate_limiter limiter({.per_second = 1.0, .burst = 1.0, .ban_after = 2, .ban_for = 600s});
  const auto t0 = limit_clock::time_point{} + 1000s;
  CHECK(limiter.admit("a", t0).allowed);
  auto told = limiter.admit("a", t0);
  REQUIRE_FALSE(told.allowed);
  CHECK(rate_limit_line(told, "192.0.2.1") == "rate limit: 192.0.2.1 told to wait 1 s");
  auto banned = limiter.admit("a", t0);
  REQUIRE(banned.banned);
  CHECK(rate_limit_line(banned, "-") == "rate limit: - banned for 600 s");
}

TEST_CASE("running_cap: refuses past the cap at once / a slot gives itself back once") {
  running_cap cap(2);
  auto a = cap.try_acquire();
  auto b = cap.try_acquire();
  CHECK(a);
  CHECK(b);
  CHECK(cap.running() == 2);
  {
    const auto refused = cap.try_acquire();  // full: an empty slot, nothing waits
    CHECK_FALSE(refused);
  }
  CHECK(cap.running() == 2);  // the empty slot gave nothing back
  b.release();
  CHECK(cap.running() == 1);
  b.release();  // a second release, and b's destructor, do nothing
  CHECK(cap.running() == 1);
  {
    auto c = cap.try_acquire();
    CHECK(c);
    CHECK(cap.running() == 2);
  }  // destroyed: released
  CHECK(cap.running() == 1);
  running_cap::slot moved = std::move(a);  // the count moves with the slot
  CHECK(cap.running() == 1);
  moved = cap.try_acquire();  // assigning releases what it held
  CHECK(cap.running() == 1);
  moved = running_cap::slot();
  CHECK(cap.running() == 0);
}

TEST_CASE("running_cap: a lower cap (reload) counts running work and admits below it") {
  running_cap cap(3);
  auto a = cap.try_acquire(), b = cap.try_acquire();
  cap.set_max(1);
  CHECK(cap.max() == 1);
  CHECK_FALSE(cap.try_acquire());
  a.release();
  CHECK_FALSE(cap.try_acquire());  // still one running: the cap
  b.release();
  CHECK(cap.try_acquire());
}
