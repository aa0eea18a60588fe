// Feed dates (RFC 3339 / W3C-DTF and the many spellings of RFC 822) -> a UTC
// calendar day.
#include "twinstar/import/dates.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "twinstar/ascii.hpp"

namespace twinstar::news {
namespace {

struct civil {
  long year = 0;
  int month = 0;
  int day = 0;
};

bool is_leap(long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(long year, int month) {
  static constexpr std::array<int, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : days[static_cast<std::size_t>(month - 1)];
}

bool valid(const civil& d) {
  return d.year >= 1 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
         d.day <= days_in_month(d.year, d.month);
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
long days_from_civil(const civil& d) {
  const long y = d.year - (d.month <= 2 ? 1 : 0);
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long mp = (d.month + 9) % 12;
  const long doy = (153 * mp + 2) / 5 + d.day - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

civil civil_from_days(long z) {
  z += 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const long doe = z - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

std::string format(const civil& d) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04ld-%02d-%02d", d.year, d.month, d.day);
  return buffer;
}

// A parsed date: its UTC day, and the instant when a time of day was stated.
struct moment {
  std::string day;
  std::optional<std::int64_t> seconds;  // since the Unix epoch
};

std::optional<moment> day_only(const civil& date) {
  if (!valid(date)) return std::nullopt;
  return moment{format(date), std::nullopt};
}

// `date` at local time hh:mm:ss in a zone `offset` minutes east of UTC.
std::optional<moment> to_utc(civil date, int hour, int minute, int second, int offset) {
  if (!valid(date) || hour < 0 || hour > 24 || minute < 0 || minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  const long minutes = hour * 60L + minute - offset;
  const long shift = minutes >= 0 ? minutes / 1440 : -((1439 - minutes) / 1440);
  const std::int64_t days = days_from_civil(date);
  return moment{format(civil_from_days(days + shift)), days * 86400 + minutes * 60 + second};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `count` digits at text[at].
std::optional<int> digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (!is_digit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// "+05:00", "-0500", "+05", "Z"; a malformed zone reads as UTC (feeds get
// this wrong, e.g. "+00:0", and a day is all we need).
int parse_offset(std::string_view zone) {
  if (zone.empty() || (zone[0] != '+' && zone[0] != '-')) return 0;
  const int sign = zone[0] == '-' ? -1 : 1;
  const auto hours = digits(zone, 1, 2);
  if (!hours) return 0;
  std::size_t at = 3;
  if (at < zone.size() && zone[at] == ':') ++at;
  const auto minutes = digits(zone, at, 2);
  if (at < zone.size() && !minutes) return 0;
  return sign * (*hours * 60 + minutes.value_or(0));
}

std::optional<moment> parse_rfc3339(std::string_view text) {
  civil d;
  const auto year = digits(text, 0, 4);
  if (!year) return std::nullopt;
  d.year = *year;
  if (text.size() == 4) return std::nullopt;  // a bare year is not a day
  const auto month = text.size() >= 7 && text[4] == '-' ? digits(text, 5, 2) : std::nullopt;
  if (!month) return std::nullopt;
  d.month = *month;
  if (text.size() == 7) {
    d.day = 1;
    return day_only(d);
  }
  const auto day = text.size() >= 10 && text[7] == '-' ? digits(text, 8, 2) : std::nullopt;
  if (!day) return std::nullopt;
  d.day = *day;
  if (text.size() == 10) return day_only(d);
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
  const auto hour = digits(text, 11, 2);
  const auto minute = text.size() >= 16 && text[13] == ':' ? digits(text, 14, 2) : std::nullopt;
  if (!hour || !minute) return std::nullopt;
  std::size_t at = 16;
  int second = 0;
  if (at < text.size() && text[at] == ':') {
    second = digits(text, at + 1, 2).value_or(0);
    at += 3;
  }
  while (at < text.size() && (text[at] == '.' || text[at] == ',' || is_digit(text[at]))) ++at;
  const std::string_view zone = at < text.size() ? text.substr(at) : std::string_view{};
  return to_utc(d, *hour, *minute, second, parse_offset(zone));
}

// Longer prefixes first where they overlap ("juin" before "jun").
constexpr std::pair<std::string_view, int> month_prefixes[] = {
    {"juin", 6},
    {"juil", 7},
    {"jan", 1},
    {"gen", 1},
    {"ene", 1},
    {"feb", 2},
    {"f\xC3\xA9v", 2},
    {"fev", 2},
    {"mar", 3},
    {"m\xC3\xA4r", 3},
    {"apr", 4},
    {"avr", 4},
    {"abr", 4},
    {"may", 5},
    {"mai", 5},
    {"mag", 5},
    {"jun", 6},
    {"giu", 6},
    {"jul", 7},
    {"lug", 7},
    {"aug", 8},
    {"ago", 8},
    {"ao\xC3\xBB", 8},
    {"aou", 8},
    {"sep", 9},
    {"set", 9},
    {"oct", 10},
    {"ott", 10},
    {"okt", 10},
    {"nov", 11},
    {"dec", 12},
    {"dic", 12},
    {"d\xC3\xA9"
     "c",
     12},
    {"dez", 12},
};

constexpr std::pair<std::string_view, int> zone_offsets[] = {
    {"gmt", 0},    {"ut", 0},     {"utc", 0},    {"z", 0},      {"est", -300},
    {"edt", -240}, {"cst", -360}, {"cdt", -300}, {"mst", -420}, {"mdt", -360},
    {"pst", -480}, {"pdt", -420}, {"cet", 60},   {"cest", 120}, {"bst", 60},
};

std::optional<moment> parse_rfc822(std::string_view text) {
  // Tokens split at spaces and commas; a token followed by a comma is a
  // weekday ("Thu," / Italian "mar,") and never a month.
  struct token {
    std::string text;
    bool comma = false;
  };
  std::vector<token> tokens;
  std::string current;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ' ';
    if (c == ' ' || c == ',' || c == '\t') {
      if (!current.empty()) tokens.push_back({ascii_lower(current), false});
      current.clear();
      if (c == ',' && !tokens.empty()) tokens.back().comma = true;
    } else {
      current += c;
    }
  }
  civil d;
  int hour = 0, minute = 0, second = 0, offset = 0;
  bool pm = false, am = false, timed = false;
  for (const token& t : tokens) {
    const std::string& s = t.text;
    if (is_digit(s[0]) && s.find(':') != std::string::npos) {
      const auto colon = s.find(':');
      hour = std::atoi(s.substr(0, colon).c_str());
      minute = std::atoi(s.substr(colon + 1, 2).c_str());
      if (s.size() > colon + 4 && s[colon + 3] == ':') second = std::atoi(s.substr(colon + 4, 2).c_str());
      timed = true;
    } else if (s.find_first_not_of("0123456789") == std::string::npos) {
      const int value = std::atoi(s.substr(0, 6).c_str());
      if (s.size() == 4) {
        d.year = value;
      } else if (s.size() <= 2 && d.day == 0) {
        d.day = value;
      } else if (s.size() <= 2) {
        d.year = value < 50 ? 2000 + value : 1900 + value;
      }
    } else if (s[0] == '+' || s[0] == '-') {
      offset = parse_offset(s);
    } else if (s == "am" || s == "pm") {
      (s == "pm" ? pm : am) = true;
    } else if (!t.comma) {
      for (const auto& [prefix, month] : month_prefixes) {
        if (s.starts_with(prefix)) {
          d.month = month;
          break;
        }
      }
      for (const auto& [zone, minutes] : zone_offsets) {
        if (s == zone) offset = minutes;
      }
    }
  }
  if (pm && hour < 12) hour += 12;
  if (am && hour == 12) hour = 0;
  if (!timed) return day_only(d);
  return to_utc(d, hour, minute, second, offset);
}

std::optional<moment> parse_moment(std::string_view text) {
  while (!text.empty() &&
         (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' || text.front() == '\r')) {
    text.remove_prefix(1);
  }
  while (!text.empty() &&
         (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  if (text.empty() || text.size() > 200) return std::nullopt;
  if (text.size() >= 4 && digits(text, 0, 4) && (text.size() == 4 || text[4] == '-')) {
    return parse_rfc3339(text);
  }
  return parse_rfc822(text);
}

}  // namespace

std::optional<std::string> parse_date(std::string_view text) {
  auto m = parse_moment(text);
  if (!m) return std::nullopt;
  return std::move(m->day);
}

std::optional<std::int64_t> parse_time(std::string_view text) {
  auto m = parse_moment(text);
  if (!m) return std::nullopt;
  return m->seconds;
}

bool is_calendar_date(std::string_view text) {
  if (text.size() != 10) return false;
  const auto m = parse_rfc3339(text);
  return m && m->day == text;
}

std::optional<std::string> date_prefix(std::string_view file_name) {
  const auto slash = file_name.find_last_of('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  if (file_name.size() < 10 || !is_calendar_date(file_name.substr(0, 10))) return std::nullopt;
  if (file_name.size() > 10 && file_name[10] != '-' && file_name[10] != '.' && file_name[10] != '_') {
    return std::nullopt;
  }
  return std::string(file_name.substr(0, 10));
}

std::string utc_date(std::chrono::system_clock::time_point when) {
  const auto days = std::chrono::floor<std::chrono::days>(when).time_since_epoch().count();
  return format(civil_from_days(static_cast<long>(days)));
}

}  // namespace twinstar::news
