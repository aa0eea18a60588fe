// [[host.feed]]: a directory served as a news feed (see feed.hpp).
#include "config_feed.hpp"

#include <algorithm>

namespace twinstar::detail {
namespace {

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

bool is_valid_feed_path(std::string_view path) { return is_valid_rule_path(path, true); }

void read_feed(field_reader& reader, const toml::table& table, host_config& host) {
  reader.check_keys(table, {"path", "title", "author", "latest", "summary_chars"}, "[[host.feed]]");
  feed_config feed;
  bool ok = true;
  if (auto path = reader.read_string(table, "path")) {
    const auto same = [&](const feed_config& other) { return other.path == *path; };
    if (!is_valid_feed_path(*path)) {
      reader.error(*table.get("path"),
                   "feed 'path' must be a directory path like \"/news/\" (leading and trailing '/', "
                   "no empty, '.' or dot-file segments)");
      ok = false;
    } else if (std::any_of(host.feeds.begin(), host.feeds.end(), same)) {
      reader.error(*table.get("path"), "feed path '" + *path + "' is used twice");
      ok = false;
    } else {
      feed.path = *path;
      const auto at = pos_of(table.get("path")->source());
      feed.at = {at.line, at.column};
    }
  } else {
    if (!table.contains("path")) reader.error(table, "[[host.feed]] needs 'path'");
    ok = false;
  }
  if (auto title = reader.read_string(table, "title")) {
    if (title->empty() || has_control(*title)) {
      reader.error(*table.get("title"), "feed 'title' must be a non-empty line of text");
      ok = false;
    } else {
      feed.title = *title;
    }
  } else {
    if (!table.contains("title")) reader.error(table, "[[host.feed]] needs 'title'");
    ok = false;
  }
  if (auto author = reader.read_string(table, "author")) {
    if (has_control(*author)) {
      reader.error(*table.get("author"), "feed 'author' must be a line of text");
    } else {
      feed.author = *author;
    }
  }
  if (auto latest = reader.read_integer(table, "latest", 1, max_feed_latest)) {
    feed.latest = static_cast<std::size_t>(*latest);
  }
  if (auto chars = reader.read_integer(table, "summary_chars", 0, max_feed_summary_chars)) {
    feed.summary_chars = static_cast<std::size_t>(*chars);
  }
  if (ok) host.feeds.push_back(std::move(feed));
}

}  // namespace twinstar::detail
