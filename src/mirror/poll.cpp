// One poll of one feed: conditional fetch, parse, filter, import, remember
// the validators. Failures are values; nothing half-done reaches the disk.
#include <algorithm>
#include <exception>
#include <fstream>

#include "twinstar/ascii.hpp"
#include "twinstar/import/dates.hpp"
#include "twinstar/import/mirror.hpp"
#include "twinstar/import/store.hpp"
#include "twinstar/import/web_feed.hpp"

namespace twinstar::news {
namespace {

// Tabs and line ends would break the state file's lines.
std::string state_field(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

poll_result failed(std::string message) {
  poll_result r;
  r.kind = poll_result::outcome::failed;
  r.message = std::move(message);
  return r;
}

mirror_state read_state(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_mirror_state(text);
}

poll_result poll(const mirror_config& feed, const poll_options& options) {
  const std::filesystem::path state_path = feed.into / std::string(mirror_state_file);
  mirror_state state = read_state(state_path);
  const feed_validators old = state.contains(feed.url) ? state[feed.url] : feed_validators{};

  fetch_request request;
  request.url = feed.url;
  request.etag = old.etag;
  request.last_modified = old.last_modified;
  request.timeout = options.timeout;
  request.cancel = options.cancel;
  auto response = fetch(request);
  if (!response) return failed(response.error());
  if (response->status == 304) {
    poll_result r;
    r.kind = poll_result::outcome::not_modified;
    return r;
  }
  if (response->status != 200) return failed("HTTP status " + std::to_string(response->status));

  auto parsed = parse_web_feed(response->body, feed.url, response->url);
  if (!parsed) return failed(parsed.error().to_string());
  const auto now =
      options.now == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now() : options.now;
  const std::string today = options.today.empty() ? utc_date(now) : options.today;
  poll_result r;
  std::vector<article> selected;
  for (article& a : web_feed_articles(parsed.value(), today)) {
    if (!title_selected(feed, a.title)) {
      ++r.filtered;
    } else if (selected.size() < feed.max_items) {
      selected.push_back(std::move(a));
    }
  }
  auto existing = scan_directory(feed.into);
  if (!existing) return failed(existing.error().to_string());
  const std::vector<planned_write> plan = plan_writes(existing.value(), selected);
  const apply_report applied = apply_writes(feed.into, plan, now);
  if (!applied.ok()) {
    std::string message;
    for (const import_error& e : applied.errors) message += e.to_string() + "; ";
    return failed(message + failure_summary(applied));
  }
  r.removed_temporaries = applied.removed_temporaries.size();
  for (const planned_write& w : plan) {
    ++(w.action == write_action::create   ? r.created
       : w.action == write_action::update ? r.updated
                                          : r.unchanged);
  }
  state[feed.url] = {response->etag, response->last_modified};
  auto saved = write_atomically(state_path, format_mirror_state(state));
  if (!saved) return failed("articles written, but " + saved.error().to_string());
  r.kind = poll_result::outcome::imported;
  return r;
}

}  // namespace

mirror_state parse_mirror_state(std::string_view text) {
  mirror_state state;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line.empty() || line.starts_with('#')) continue;
    const auto first = line.find('\t');
    const auto second = first == std::string_view::npos ? first : line.find('\t', first + 1);
    if (second == std::string_view::npos || first == 0) continue;
    state[std::string(line.substr(0, first))] = {std::string(line.substr(first + 1, second - first - 1)),
                                                 std::string(line.substr(second + 1))};
  }
  return state;
}

std::string format_mirror_state(const mirror_state& state) {
  std::string out = "# twinstar mirror state: URL <TAB> ETag <TAB> Last-Modified\n";
  for (const auto& [url, v] : state) {
    out += state_field(url) + "\t" + state_field(v.etag) + "\t" + state_field(v.last_modified) + "\n";
  }
  return out;
}

bool title_selected(const mirror_config& feed, std::string_view title) {
  const std::string lower = ascii_lower(title);
  auto contains = [&](const std::string& needle) {
    return lower.find(ascii_lower(needle)) != std::string::npos;
  };
  if (!feed.include.empty() && std::none_of(feed.include.begin(), feed.include.end(), contains)) return false;
  return std::none_of(feed.exclude.begin(), feed.exclude.end(), contains);
}

std::string poll_result::to_string(std::string_view url) const {
  std::string line = "mirror " + std::string(url) + ": ";
  switch (kind) {
    case outcome::not_modified:
      return line + "not modified";
    case outcome::failed:
      return line + "failed: " + message;
    case outcome::imported:
      break;
  }
  line += std::to_string(created) + " new, " + std::to_string(updated) + " updated, " +
          std::to_string(unchanged) + " unchanged";
  if (filtered > 0) line += ", " + std::to_string(filtered) + " filtered out";
  if (removed_temporaries > 0) {
    line += ", " + std::to_string(removed_temporaries) + " stale temporary file(s) removed";
  }
  return line;
}

poll_result poll_feed(const mirror_config& feed, const poll_options& options) {
  try {
    return poll(feed, options);
  } catch (const std::exception& e) {  // bad_alloc, filesystem surprises
    return failed(e.what());
  }
}

}  // namespace twinstar::news
