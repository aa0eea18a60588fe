#pragma once
// Trust on first use (TOFU) for Gemini clients: the first certificate
// fingerprint seen for host:port is pinned; a later different one is reported.
// File format: one "host:port SHA256:<hex>" per line; '#' starts a comment.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace twinstar {

enum class tofu_verdict { first_use, match, changed };

class known_hosts {
 public:
  // Parse file text; malformed lines are ignored (reported through bad_lines()).
  static known_hosts parse(std::string_view text);
  // Read a file; a missing file is an empty store.
  static known_hosts load(const std::filesystem::path& file);

  // Compare and, on first use, pin. `key` is "host:port".
  tofu_verdict check(const std::string& key, const std::string& fingerprint);
  const std::string* pinned(const std::string& key) const;

  std::string serialize() const;
  // Write atomically (temp file + rename), creating parent directories.
  bool save(const std::filesystem::path& file) const;

  int bad_lines() const { return bad_lines_; }

 private:
  std::map<std::string, std::string> pins_;
  int bad_lines_ = 0;
};

}  // namespace twinstar
