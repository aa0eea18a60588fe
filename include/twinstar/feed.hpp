#pragma once
// News feeds: a directory of dated gemtext articles, marked as a feed in the
// config, becomes a subscribable gemtext index (the companion note
// "Subscribing to Gemini pages": a level-1 heading and link lines whose label
// starts with an ISO 8601 date) and an Atom 1.0 feed (RFC 4287).
// Scanning reads the disk (no sockets); everything else is string work.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinstar/config.hpp"

namespace twinstar::feed {

// How much of each article a scan reads: the heading, the date line and the
// first paragraph are near the top, and a scan of 10,000 articles must not
// read whole files.
inline constexpr std::size_t article_scan_bytes = 16 * 1024;
// A date line is looked for among the first lines of an article only.
inline constexpr std::size_t date_line_search_lines = 12;
// Atom documents carry the newest entries only; the gemtext index lists all.
inline constexpr std::size_t max_atom_entries = 100;

enum class date_source { file_name, date_line, mtime };

// Where an article stands on disk; a change means it must be read again.
struct file_stamp {
  std::int64_t mtime_ns = 0;  // since the Unix epoch
  std::uint64_t size = 0;
  bool operator==(const file_stamp&) const = default;
};

struct entry {
  std::string file;  // file name inside the feed directory, e.g. "2025-09-02-a.gmi"
  std::string date;  // "YYYY-MM-DD"
  date_source source = date_source::mtime;
  std::string title;    // the first heading, else the file stem
  std::string summary;  // the first paragraph, shortened; may be empty
  file_stamp stamp;
};

// What an article's first bytes say about it.
struct article_head {
  std::optional<std::string> date;   // from a date line, "YYYY-MM-DD"
  std::optional<std::string> title;  // the first heading (any level)
  std::string summary;
};

// "YYYY-MM-DD" at the start of `text` when it is a real calendar date and is
// not followed by another digit ("2025-09-02-title.gmi", "2025-09-02 · RT").
std::optional<std::string> date_prefix(std::string_view text);

// Reads the head of one article (gemtext). The date line is the first text
// line among the first date_line_search_lines lines that starts with a date,
// optionally after "Date:" or "Published:". The summary is the first
// paragraph (consecutive text lines after the first heading, the date line
// excluded, joined by spaces), cut on a word boundary to at most
// `summary_chars` code points with "…" appended; 0 disables summaries.
// Preformatted blocks are skipped. Never fails.
article_head parse_article(std::string_view text, std::size_t summary_chars);

// `text` shortened to at most `max_chars` code points at a space, with "…"
// appended when anything was cut; a single longer word is cut at a code
// point boundary. Invalid UTF-8 bytes count as one code point each.
std::string shorten(std::string_view text, std::size_t max_chars);

// Whether `name` is an article of a feed directory: a .gmi or .gemini file
// that is neither a dotfile nor one of the host's index files.
bool is_article_name(std::string_view name, const std::vector<std::string>& index_files);

// Stamps of the articles directly inside `directory` (regular files only:
// symlinks are not followed, so a link cannot pull in a file from outside the
// capsule), sorted by name. Unreadable directories give an empty list.
std::vector<std::pair<std::string, file_stamp>> list_articles(const std::filesystem::path& directory,
                                                              const std::vector<std::string>& index_files);

// Reads one article into an entry. A date comes from the file name, else the
// date line, else the modification time (UTC). An unreadable file gives an
// entry titled with its stem and dated by its stamp.
entry read_entry(const std::filesystem::path& directory, const std::string& name, const file_stamp& stamp,
                 std::size_t summary_chars);

// Newest date first, then by file name (byte order, locale-free).
void sort_newest_first(std::vector<entry>& entries);

// ---- Rendering (feed_render.cpp) --------------------------------------------

// The gemtext index: "# <title>", a link to atom.xml, then one "## <Month>
// <year>" section per month, newest first, of link lines
// "=> <file> <date> <title>" (file percent-encoded, relative to the feed
// directory), and a link home. An empty feed says so.
std::string render_index(const feed_config& feed, const std::vector<entry>& entries);

// The newest `count` entries as link lines with absolute paths
// ("=> /news/2025-09-02-a.gmi 2025-09-02 Title"), for pages outside the feed.
std::string render_latest(const feed_config& feed, const std::vector<entry>& entries, std::size_t count);

struct atom_context {
  std::string base_url;                  // "gemini://host[:port]" without a trailing slash
  std::string author;                    // feed-level <author><name>
  std::int64_t fallback_updated_ns = 0;  // <updated> of an empty feed
  std::string lang;                      // the host's lang ("en", "en,fr"); "" = no xml:lang
};

// An Atom 1.0 document (RFC 4287) of the newest max_atom_entries entries:
// feed id = the feed's gemini URL, a rel="self" link to atom.xml, a
// rel="alternate" link to the index, a feed-level author (so entries need
// none, RFC 4287 4.1.1), <updated> = the latest entry's, and xml:lang = the
// first tag of the host's lang when it has one. Each entry has id and
// alternate link = its absolute gemini URL, title, updated and its summary
// when it has one. An entry's updated is its mtime when that falls on or
// after its date (the importer gives a new file its source's publication
// time; a rewrite makes it later), else its date at 00:00:00Z; an undated
// entry's is its mtime.
// Text is XML-escaped; bytes that are not valid UTF-8 or not allowed in XML
// 1.0 become U+FFFD.
std::string render_atom(const feed_config& feed, const std::vector<entry>& entries,
                        const atom_context& context);

// RFC 3339 UTC time ("2025-09-02T10:11:12Z") of nanoseconds since the epoch.
std::string rfc3339(std::int64_t ns);

// Text escaped for XML content and attribute values (see render_atom).
std::string xml_escape(std::string_view text);

// ---- Markers in pages (feed_render.cpp) --------------------------------------

// A page line that is exactly "{{latest PATH}}" or "{{latest PATH N}}"
// (surrounding spaces allowed) outside preformatted blocks. Returns nullopt
// when `line` is no marker. N must be 1-100; a marker with a bad N is no
// marker (the line is served as written, so the author sees it).
struct latest_marker {
  std::string path;  // "/news/"
  std::optional<std::size_t> count;
};
std::optional<latest_marker> parse_marker(std::string_view line);

// Replaces every marker line of `page` with what `expand` returns for it;
// when `expand` returns nullopt (no such feed) the line stays as written.
// Line ends of the page are kept. Cheap when the page has no "{{latest".
using expand_fn = std::function<std::optional<std::string>(const latest_marker&)>;
std::string expand_markers(std::string_view page, const expand_fn& expand);
bool has_marker(std::string_view page);

}  // namespace twinstar::feed
