#pragma once
// Private to the capsule module (capsule.cpp resolves paths, listing.cpp
// lists directories): what a host never hands out, and how one path on disk
// is classified.
#include <filesystem>
#include <string>
#include <string_view>

#include "twinstar/config.hpp"

namespace twinstar::detail {

inline bool is_dotfile(std::string_view name) { return !name.empty() && name.front() == '.'; }

// Canonical form of `path`; empty when it is empty or cannot be resolved.
std::filesystem::path canonical_or_empty(const std::filesystem::path& path);

// What a host must never hand out: anything outside its root, anything
// reached through a dot component, its key and certificate, the cert dir.
struct guard {
  std::filesystem::path root;  // canonical
  std::filesystem::path cert;  // canonical, empty when absent
  std::filesystem::path key;
  std::filesystem::path cert_dir;

  guard(const host_config& host, std::filesystem::path canonical_root, const std::filesystem::path& certs);
  bool forbids(const std::filesystem::path& canon) const;
};

enum class entry_kind { missing, forbidden, unreadable, directory, file, other };

struct entry {
  entry_kind kind;
  std::filesystem::path canon;
};

// Follows symlinks, then classifies the target. Sockets, FIFOs and devices
// are `other`: never opened, since opening a FIFO would block the worker.
entry inspect(const guard& rules, const std::filesystem::path& candidate);

}  // namespace twinstar::detail
