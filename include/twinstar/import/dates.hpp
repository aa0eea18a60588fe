#pragma once
// Dates as the importer needs them: one calendar day, "YYYY-MM-DD", in UTC.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace twinstar::news {

// Parses the dates feeds carry and returns the UTC calendar day:
// - RFC 3339 / W3C-DTF: "2003-12-31T10:14:55Z", "2002-10-02T10:00:00-05:00",
//   "2022-12-17", "2004-02" (day 01), fractions of seconds allowed;
// - RFC 822 / RFC 1123 and its common misspellings: optional weekday,
//   "01 Jan 2004 19:48:21 GMT", two-digit years (< 50 -> 20xx), zones
//   GMT/UT/UTC/Z, US zones (EST ... PDT), military letters treated as UTC,
//   +hhmm/-hhmm/+hh:mm, month before day ("Dec 16 2023"), 12-hour clock
//   ("02:02:33 PM"), English, Italian, French, German and Spanish month
//   abbreviations.
// nullopt for anything else (e.g. Greek month names): callers fall back to
// another date. Never throws.
std::optional<std::string> parse_date(std::string_view text);

// The instant `text` names, in seconds since the Unix epoch, when it states
// a time of day as well as a day (the forms parse_date reads); nullopt for a
// bare day ("2022-12-17") or anything parse_date refuses.
std::optional<std::int64_t> parse_time(std::string_view text);

// "2025-09-02" when `text` is exactly a valid calendar date YYYY-MM-DD.
bool is_calendar_date(std::string_view text);

// The leading "YYYY-MM-DD" of a file name like "2025-09-02-slug.txt".
std::optional<std::string> date_prefix(std::string_view file_name);

// The UTC calendar day of a point in time.
std::string utc_date(std::chrono::system_clock::time_point when);

}  // namespace twinstar::news
