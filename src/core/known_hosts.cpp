#include "twinstar/known_hosts.hpp"

#include <fstream>
#include <iterator>

namespace twinstar {

known_hosts known_hosts::parse(std::string_view text) {
  known_hosts k;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto space = line.find(' ');
    if (space == std::string_view::npos || space == 0 || !line.substr(space + 1).starts_with("SHA256:")) {
      ++k.bad_lines_;
      continue;
    }
    k.pins_[std::string(line.substr(0, space))] = std::string(line.substr(space + 1));
  }
  return k;
}

known_hosts known_hosts::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  std::string text{std::istreambuf_iterator<char>(in), {}};
  return parse(text);
}

tofu_verdict known_hosts::check(const std::string& key, const std::string& fingerprint) {
  auto it = pins_.find(key);
  if (it == pins_.end()) {
    pins_[key] = fingerprint;
    return tofu_verdict::first_use;
  }
  return it->second == fingerprint ? tofu_verdict::match : tofu_verdict::changed;
}

const std::string* known_hosts::pinned(const std::string& key) const {
  auto it = pins_.find(key);
  return it == pins_.end() ? nullptr : &it->second;
}

std::string known_hosts::serialize() const {
  std::string out = "# twinstar known hosts: host:port SHA256 fingerprint (trust on first use)\n";
  for (const auto& [key, fp] : pins_) out += key + " " + fp + "\n";
  return out;
}

bool known_hosts::save(const std::filesystem::path& file) const {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  auto temp = file;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out << serialize();
    if (!out) return false;
  }
  std::filesystem::rename(temp, file, ec);
  return !ec;
}

}  // namespace twinstar
