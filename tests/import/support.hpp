#pragma once
// Shared by the import tests: where the test data lives, temporary
// directories, whole-file reads.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace twinstar::test {

// tests/data in this repository: the feed corpus (feeds/, third-party, see
// its README), the bundled article's source text (news/), golden files.
inline std::filesystem::path data_dir() { return TWINSTAR_TEST_DATA; }

inline std::filesystem::path source_dir() { return TWINSTAR_SOURCE_DIR; }

inline std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << file.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::filesystem::path& file, std::string_view content) {
  std::ofstream out(file, std::ios::binary);
  out << content;
  REQUIRE(out.good());
}

// A fresh directory under the system temp dir, removed with its contents.
class temp_dir {
 public:
  temp_dir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("twinstar-import-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Every entry name in `dir`, sorted.
inline std::vector<std::string> list_dir(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace twinstar::test

#include "twinstar/import/article.hpp"

namespace twinstar::test {

// Body lines as the gemtext they render to (no title, byline or footer).
inline std::string body_text(const std::vector<gemtext::line>& lines) {
  news::article a;
  a.title = "T";
  a.body = lines;
  std::string text = news::render_gemtext(a);
  const std::string head = "# T\n\n";
  const std::string tail = "=> ./ More news\n=> / Home\n";
  REQUIRE(text.starts_with(head));
  REQUIRE(text.ends_with(tail));
  text = text.substr(head.size(), text.size() - head.size() - tail.size());
  if (text.ends_with("\n\n")) text.pop_back();
  return text;
}

}  // namespace twinstar::test
