#include "twinstar/import/dates.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>

using namespace twinstar::news;

TEST_CASE("dates: feed dates become UTC days") {
  struct row {
    const char* text;
    const char* day;  // nullptr = unparseable
  };
  const row rows[] = {
      // RFC 3339 / W3C-DTF
      {"2003-12-31T10:14:55Z", "2003-12-31"},
      {"2003-12-31T10:14:55.123Z", "2003-12-31"},
      {"2002-10-02T10:00:00-05:00", "2002-10-02"},
      {"2002-10-02T22:00:00-05:00", "2002-10-03"},
      {"2002-10-02T01:00:00+05:00", "2002-10-01"},
      {"2022-04-21T00:00:00+00:00", "2022-04-21"},
      {"2022-12-17", "2022-12-17"},
      {"2004-02", "2004-02-01"},
      {"2004-12-31T23:30:00-01:00", "2005-01-01"},
      {"2000-03-01T00:30:00+01:00", "2000-02-29"},
      {"2023-05-06T10:00:00+00:0", "2023-05-06"},  // broken zone reads as UTC
      {"  2024-02-29 \n", "2024-02-29"},
      {"2023-02-29", nullptr},
      {"2004", nullptr},
      {"2004-13-01", nullptr},
      // RFC 822 and friends
      {"Thu, 01 Jan 2004 19:48:21 GMT", "2004-01-01"},
      {"Thu, 1 Jan 04 19:48 +0000", "2004-01-01"},
      {"Wed, 16 Nov 2022 23:30:00 -0500", "2022-11-17"},
      {"Wed, 16 Nov 2022 00:30:00 +0200", "2022-11-15"},
      {"Sat, 07 Sep 2002 00:00:01 PST", "2002-09-07"},
      {"Sat, 07 Sep 2002 20:00:01 PST", "2002-09-08"},
      {"Sat, Dec 16 2023 02:02:33 PM", "2023-12-16"},
      {"Sat, Dec 16 2023 11:02:33 PM EST", "2023-12-17"},
      {"mer, 16 nov 2022 11:43:00 +0100", "2022-11-16"},
      {"mar, 15 nov 2022 11:43:00 +0100", "2022-11-15"},
      {"Di, 03 Okt 2023 08:00:00 +0200", "2023-10-03"},
      {"01 Jan 2004", "2004-01-01"},
      {"Mon, 31 Jun 2004 10:00:00 GMT", nullptr},
      {"\xCE\xA4\xCF\x81\xCE\xB9, 29 \xCE\x99\xCE\xBF\xCF\x8D\xCE\xBD 2004 12:53:00 GMT", nullptr},  // Greek
      {"yesterday", nullptr},
      {"", nullptr},
  };
  for (const row& r : rows) {
    CAPTURE(r.text);
    const auto day = parse_date(r.text);
    if (r.day == nullptr) {
      CHECK_FALSE(day.has_value());
    } else {
      REQUIRE(day.has_value());
      CHECK(*day == r.day);
    }
  }
}

TEST_CASE("dates: calendar dates and file-name prefixes") {
  CHECK(is_calendar_date("2025-09-02"));
  CHECK(is_calendar_date("2024-02-29"));
  CHECK_FALSE(is_calendar_date("2025-02-29"));
  CHECK_FALSE(is_calendar_date("2025-9-2"));
  CHECK_FALSE(is_calendar_date("2025-09-02T00:00"));
  CHECK(date_prefix("tests/data/news/2025-09-02-putin-xi-wwii-legacy.txt") ==
        std::optional<std::string>("2025-09-02"));
  CHECK(date_prefix("2025-09-02.md") == std::optional<std::string>("2025-09-02"));
  CHECK_FALSE(date_prefix("2025-09-021-x.txt").has_value());
  CHECK_FALSE(date_prefix("notes.txt").has_value());
  CHECK(utc_date(std::chrono::system_clock::time_point{}) == "1970-01-01");
  CHECK(utc_date(std::chrono::system_clock::time_point{std::chrono::seconds{951782400}}) == "2000-02-29");
}

TEST_CASE("dates: a stated time of day gives the instant, a bare day none") {
  struct row {
    const char* text;
    std::optional<std::int64_t> seconds;
  };
  const row rows[] = {
      {"2003-12-31T10:14:55Z", 1'072'865'695},
      {"2003-12-31T10:14:55.123Z", 1'072'865'695},
      {"2002-10-02T22:00:00-05:00", 1'033'614'000},  // 2002-10-03T03:00:00Z
      {"2002-10-02T10:00+02:00", 1'033'545'600},     // no seconds
      {"Thu, 01 Jan 2004 19:48:21 GMT", 1'072'986'501},
      {"Wed, 02 Oct 2002 08:00:00 EST", 1'033'563'600},
      {"2022-12-17", std::nullopt},
      {"2004-02", std::nullopt},
      {"01 Jan 2004", std::nullopt},
      {"not a date", std::nullopt},
  };
  for (const row& r : rows) {
    CAPTURE(r.text);
    CHECK(parse_time(r.text) == r.seconds);
  }
}
