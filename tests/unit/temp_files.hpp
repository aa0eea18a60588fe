#pragma once
// Files for unit tests of the disk-facing core (capsule, feeds, caches).
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace twinstar::test {

inline void write_file(const std::filesystem::path& file, std::string_view content) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

// A new, empty directory under the system's temp directory (canonical path).
inline std::filesystem::path fresh_temp_dir(std::string_view tag) {
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  auto dir =
      std::filesystem::temp_directory_path() /
      ("twinstar-" + std::string(tag) + "-" + std::to_string(::getpid()) + "-" + std::to_string(stamp));
  std::filesystem::create_directories(dir);
  return std::filesystem::canonical(dir);
}

}  // namespace twinstar::test
