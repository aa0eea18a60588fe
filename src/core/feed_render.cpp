// Feed rendering: the gemtext index, latest-N link lines, the Atom document
// and the "{{latest PATH N}}" page markers. String work only.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include "twinstar/feed.hpp"
#include "twinstar/gemtext.hpp"
#include "twinstar/url.hpp"

namespace twinstar::feed {
namespace {

inline constexpr std::size_t max_marker_count = 100;
inline constexpr std::string_view marker_open = "{{latest";

constexpr std::string_view month_names[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};

// "## September 2025" for "2025-09-02".
std::string month_heading(std::string_view date) {
  const int month = (date[5] - '0') * 10 + (date[6] - '0');
  return "## " + std::string(month_names[month - 1]) + " " + std::string(date.substr(0, 4));
}

using gemtext::printable;

std::string link_line(std::string_view url, const entry& e) {
  return "=> " + std::string(url) + " " + e.date + " " + printable(e.title) + "\n";
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

struct decoded {
  char32_t code_point;
  std::size_t length;  // 0: invalid byte
};

// Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
decoded decode(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1};
  // Sequence length, payload bits of the lead byte, smallest code point that
  // needs this length (anything smaller is an overlong form).
  struct form {
    unsigned char mask, value, bits;
    std::size_t length;
    char32_t minimum;
  };
  static constexpr form forms[] = {
      {0xe0, 0xc0, 0x1f, 2, 0x80}, {0xf0, 0xe0, 0x0f, 3, 0x800}, {0xf8, 0xf0, 0x07, 4, 0x10000}};
  const form* match = nullptr;
  for (const auto& f : forms) {
    if ((lead & f.mask) == f.value) match = &f;
  }
  if (match == nullptr) return {0, 0};
  const std::size_t length = match->length;
  const char32_t minimum = match->minimum;
  char32_t cp = lead & match->bits;
  if (i + length > text.size()) return {0, 0};
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xc0) != 0x80) return {0, 0};
    cp = (cp << 6) | (byte(k) & 0x3f);
  }
  if (cp < minimum || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return {0, 0};
  return {cp, length};
}

// XML 1.0 Char production (section 2.2).
bool is_xml_char(char32_t cp) {
  return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
         (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

bool is_plain_ascii(char c) {
  return c >= 0x20 && c < 0x7f && c != '&' && c != '<' && c != '>' && c != '"' && c != '\'';
}

// Midnight UTC of a "YYYY-MM-DD" date, in nanoseconds since the epoch.
std::int64_t midnight_ns(std::string_view date) {
  using namespace std::chrono;
  auto number = [&](std::size_t at, std::size_t n) {
    int value = 0;
    for (std::size_t i = at; i < at + n && i < date.size(); ++i) value = value * 10 + (date[i] - '0');
    return value;
  };
  if (date.size() < 10) return 0;
  const sys_days day = year_month_day(year(number(0, 4)), month(static_cast<unsigned>(number(5, 2))),
                                      std::chrono::day(static_cast<unsigned>(number(8, 2))));
  return duration_cast<nanoseconds>(day.time_since_epoch()).count();
}

// When an entry last changed: its modification time when that falls on or
// after its date (the time of day it was published, or a later rewrite),
// else its date at midnight.
std::int64_t entry_updated_ns(const entry& e) {
  if (e.source == date_source::mtime) return e.stamp.mtime_ns;
  return std::max(midnight_ns(e.date), e.stamp.mtime_ns);
}

void element(std::string& out, std::string_view indent, std::string_view name, std::string_view text) {
  out += indent;
  out += "<" + std::string(name) + ">" + xml_escape(text) + "</" + std::string(name) + ">\n";
}

void link_element(std::string& out, std::string_view indent, std::string_view rel, std::string_view type,
                  std::string_view href) {
  out += std::string(indent) + "<link rel=\"" + std::string(rel) + "\" type=\"" + std::string(type) +
         "\" href=\"" + xml_escape(href) + "\"/>\n";
}

}  // namespace

std::string render_index(const feed_config& feed, const std::vector<entry>& entries) {
  std::string out = "# " + printable(feed.title) + "\n\n=> atom.xml Atom feed\n";
  if (entries.empty()) out += "\nNo articles yet.\n";
  std::string_view month;
  for (const auto& e : entries) {
    const std::string_view this_month = std::string_view(e.date).substr(0, 7);
    if (this_month != month) {
      out += "\n" + month_heading(e.date) + "\n\n";
      month = this_month;
    }
    out += link_line(percent_encode_path(e.file), e);
  }
  if (feed.path != "/") out += "\n=> / Home\n";
  return out;
}

std::string render_latest(const feed_config& feed, const std::vector<entry>& entries, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < entries.size() && i < count; ++i) {
    out += link_line(percent_encode_path(feed.path + entries[i].file), entries[i]);
  }
  return out;
}

std::string rfc3339(std::int64_t ns) {
  using namespace std::chrono;
  const sys_time<nanoseconds> when{nanoseconds(ns)};
  const auto day = floor<days>(when);
  const year_month_day ymd(day);
  const hh_mm_ss time(floor<seconds>(when - day));
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return text;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    // Runs of printable ASCII that need no escaping are copied at once.
    std::size_t plain = i;
    while (plain < text.size() && is_plain_ascii(text[plain])) ++plain;
    out.append(text, i, plain - i);
    i = plain;
    if (i == text.size()) break;
    const auto [cp, length] = decode(text, i);
    if (length == 0 || !is_xml_char(cp)) {
      out += "\xef\xbf\xbd";  // U+FFFD
      i += std::max<std::size_t>(length, 1);
      continue;
    }
    switch (cp) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

std::string render_atom(const feed_config& feed, const std::vector<entry>& entries,
                        const atom_context& context) {
  const std::string feed_url = context.base_url + percent_encode_path(feed.path);
  std::string updated = entries.empty() ? rfc3339(context.fallback_updated_ns) : std::string();
  if (!entries.empty()) {
    // The latest entry's time (see entry_updated_ns). Runs per request over
    // every entry: no strings are built in the loop.
    std::int64_t latest = entry_updated_ns(entries.front());
    for (const auto& e : entries) latest = std::max(latest, entry_updated_ns(e));
    updated = rfc3339(latest);
  }

  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"";
  // xml:lang takes one tag: the first of a host's "en,fr".
  const std::string_view lang = std::string_view(context.lang).substr(0, context.lang.find(','));
  if (!lang.empty()) out += " xml:lang=\"" + xml_escape(lang) + "\"";
  out += ">\n";
  element(out, "  ", "title", feed.title);
  element(out, "  ", "id", feed_url);
  element(out, "  ", "updated", updated);
  out += "  <author>\n";
  element(out, "    ", "name", context.author);
  out += "  </author>\n";
  link_element(out, "  ", "self", "application/atom+xml", feed_url + "atom.xml");
  link_element(out, "  ", "alternate", "text/gemini", feed_url);
  element(out, "  ", "generator", "twinstar");
  for (std::size_t i = 0; i < entries.size() && i < max_atom_entries; ++i) {
    const auto& e = entries[i];
    const std::string url = feed_url + percent_encode_path(e.file);
    out += "  <entry>\n";
    element(out, "    ", "title", e.title);
    element(out, "    ", "id", url);
    element(out, "    ", "updated", rfc3339(entry_updated_ns(e)));
    link_element(out, "    ", "alternate", "text/gemini", url);
    if (!e.summary.empty()) element(out, "    ", "summary", e.summary);
    out += "  </entry>\n";
  }
  out += "</feed>\n";
  return out;
}

std::optional<latest_marker> parse_marker(std::string_view line) {
  line = trim(line);
  if (!line.starts_with(marker_open) || !line.ends_with("}}")) return std::nullopt;
  auto inner = line.substr(marker_open.size(), line.size() - marker_open.size() - 2);
  if (inner.empty() || (inner.front() != ' ' && inner.front() != '\t')) return std::nullopt;  // "{{latestx"
  inner = trim(inner);
  const auto space = inner.find_first_of(" \t");
  latest_marker marker{std::string(inner.substr(0, space)), std::nullopt};
  if (!marker.path.starts_with('/')) return std::nullopt;
  if (space != std::string_view::npos) {
    const auto digits = trim(inner.substr(space));
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    std::size_t n = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (n < 1 || n > max_marker_count) return std::nullopt;
    marker.count = n;
  }
  return marker;
}

bool has_marker(std::string_view page) { return page.find(marker_open) != std::string_view::npos; }

std::string expand_markers(std::string_view page, const expand_fn& expand) {
  if (!has_marker(page)) return std::string(page);
  std::string out;
  out.reserve(page.size());
  bool preformatted = false;
  while (!page.empty()) {
    const auto lf = page.find('\n');
    const auto whole = page.substr(0, lf == std::string_view::npos ? page.size() : lf + 1);
    page.remove_prefix(whole.size());
    auto text = whole;
    if (text.ends_with('\n')) text.remove_suffix(1);
    const bool crlf = text.ends_with('\r');
    if (crlf) text.remove_suffix(1);

    if (text.starts_with("```")) preformatted = !preformatted;
    std::optional<std::string> replacement;
    if (!preformatted) {
      if (auto marker = parse_marker(text)) replacement = expand(*marker);
    }
    if (!replacement) {
      out += whole;
      continue;
    }
    for (char c : *replacement) {
      if (c == '\n' && crlf) out += '\r';
      out += c;
    }
    if (!whole.ends_with('\n') && out.ends_with('\n')) out.resize(out.size() - (crlf ? 2 : 1));
  }
  return out;
}

}  // namespace twinstar::feed
