// Articles -> files: scanning the directory, names, update in place.
#include "twinstar/import/store.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>

namespace twinstar::news {
namespace {

namespace fs = std::filesystem;

// Larger files are not articles this importer wrote.
constexpr std::uintmax_t max_article_bytes = 8 * 1024 * 1024;

// A name plan_writes could choose, or an article's.
bool is_article_name(std::string_view name) {
  return name.ends_with(".gmi") && !name.starts_with('.') && name != "index.gmi";
}

// An article of the batch on its way to the plan.
struct pending {
  const article* source = nullptr;
  article_identity identity;
  std::string content;
};

// Identities and contents, with repeats dropped: a second article with the
// URL of an earlier one (its own URL: the same article), or with the title,
// date and bytes of one. A URL that differently titled articles of the batch
// share (a feed whose items all link to one section page) names none of
// them: they are told apart by title and date.
std::vector<pending> pending_articles(const std::vector<article>& articles) {
  std::map<std::string, std::set<std::string>> titles_by_url;
  for (const article& a : articles) {
    if (!a.source_url.empty()) titles_by_url[a.source_url].insert(a.title);
  }
  std::vector<pending> batch;
  std::set<std::string> urls_seen;
  for (const article& a : articles) {
    pending p{&a, identify(a), render_gemtext(a)};
    if (!p.identity.by_url.empty() && titles_by_url[a.source_url].size() > 1) p.identity.by_url.clear();
    const bool repeat =
        p.identity.by_url.empty()
            ? std::any_of(batch.begin(), batch.end(),
                          [&](const pending& q) {
                            return q.identity.by_title == p.identity.by_title && q.content == p.content;
                          })
            : !urls_seen.insert(p.identity.by_url).second;
    if (!repeat) batch.push_back(std::move(p));
  }
  return batch;
}

}  // namespace

std::vector<planned_write> plan_writes(const std::vector<existing_file>& existing,
                                       const std::vector<article>& articles) {
  // Name order: which of several files is chosen must not depend on the
  // order the directory listed them in.
  std::vector<const existing_file*> files;
  for (const existing_file& file : existing) files.push_back(&file);
  std::sort(files.begin(), files.end(), [](auto* a, auto* b) { return a->name < b->name; });
  std::set<std::string> taken;
  std::multimap<std::string, std::size_t> by_url;
  std::multimap<std::string, std::size_t> by_title;
  for (std::size_t i = 0; i < files.size(); ++i) {
    taken.insert(files[i]->name);
    const article_identity identity = identify_gemtext(files[i]->content);
    if (!identity.by_url.empty()) by_url.emplace(identity.by_url, i);
    if (!identity.by_title.empty()) by_title.emplace(identity.by_title, i);
  }
  const std::vector<pending> batch = pending_articles(articles);
  std::map<std::string, std::size_t> title_count;  // how many articles of the batch share a by_title
  for (const pending& p : batch) ++title_count[p.identity.by_title];

  // First the files an article repeats byte for byte, so that in a group of
  // look-alikes the unchanged ones are taken before anything is guessed.
  std::vector<bool> claimed(files.size(), false);
  std::vector<std::optional<std::size_t>> match(batch.size());
  for (std::size_t n = 0; n < batch.size(); ++n) {
    const auto [first, last] = by_title.equal_range(batch[n].identity.by_title);
    for (auto it = first; it != last && !match[n]; ++it) {
      if (!claimed[it->second] && files[it->second]->content == batch[n].content) match[n] = it->second;
    }
    if (match[n]) claimed[*match[n]] = true;
  }
  // Then rewrites in place: by the article's own URL when exactly one file
  // has it, else by title and date when neither the batch nor the directory
  // has another with them. Anything less certain is a new file.
  auto only_unclaimed = [&](const std::multimap<std::string, std::size_t>& index,
                            const std::string& key) -> std::optional<std::size_t> {
    if (index.count(key) != 1) return std::nullopt;
    const std::size_t i = index.find(key)->second;
    return claimed[i] ? std::nullopt : std::optional<std::size_t>(i);
  };
  for (std::size_t n = 0; n < batch.size(); ++n) {
    if (match[n]) continue;
    const article_identity& identity = batch[n].identity;
    if (!identity.by_url.empty() && by_url.count(identity.by_url) <= 1) {
      match[n] = only_unclaimed(by_url, identity.by_url);
    } else if (title_count[identity.by_title] == 1) {
      match[n] = only_unclaimed(by_title, identity.by_title);
    }
    if (match[n]) claimed[*match[n]] = true;
  }

  std::vector<planned_write> plan;
  for (std::size_t n = 0; n < batch.size(); ++n) {
    planned_write write;
    write.content = batch[n].content;
    if (match[n]) {
      const existing_file& file = *files[*match[n]];
      write.name = file.name;
      write.action = file.content == write.content ? write_action::unchanged : write_action::update;
    } else {
      const article& a = *batch[n].source;
      const std::string stem = a.date + "-" + make_slug(a.title);
      write.name = stem + ".gmi";
      for (int k = 2; taken.contains(write.name); ++k) write.name = stem + "-" + std::to_string(k) + ".gmi";
      write.action = write_action::create;
      write.mtime = a.published;
    }
    taken.insert(write.name);
    plan.push_back(std::move(write));
  }
  return plan;
}

result<std::vector<existing_file>, import_error> scan_directory(const fs::path& dir) {
  std::vector<existing_file> files;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return files;
  fs::directory_iterator it(dir, ec);
  if (ec)
    return fail(import_error{.file = dir.string(), .message = "cannot list the directory: " + ec.message()});
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec)
      return fail(
          import_error{.file = dir.string(), .message = "cannot list the directory: " + ec.message()});
    existing_file file;
    file.name = it->path().filename().string();
    if (!is_article_name(file.name)) continue;
    if (!it->is_regular_file(ec) || it->file_size(ec) > max_article_bytes) {
      files.push_back(std::move(file));  // no article, but its name is taken
      continue;
    }
    std::ifstream in(it->path(), std::ios::binary);
    if (!in) return fail(import_error{.file = it->path().string(), .message = "cannot read the file"});
    file.content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) return fail(import_error{.file = it->path().string(), .message = "read error"});
    files.push_back(std::move(file));
  }
  return files;
}

}  // namespace twinstar::news
