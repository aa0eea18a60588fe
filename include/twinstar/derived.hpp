#pragma once
// Renderings of an immutable value that depend on the request only through a
// key (a Gopher menu for one host:port, an Atom document for one base URL):
// built on first use, then shared. No sockets.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace twinstar {

class derived_renderings {
 public:
  // The rendering under `key`, made by `make` the first time. Thread-safe.
  std::shared_ptr<const std::string> get(const std::string& key,
                                         const std::function<std::string()>& make) const;

 private:
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<const std::string>> made_;
};

}  // namespace twinstar
