#include "twinstar/derived.hpp"

namespace twinstar {

std::shared_ptr<const std::string> derived_renderings::get(const std::string& key,
                                                           const std::function<std::string()>& make) const {
  const std::lock_guard lock(mutex_);
  auto& slot = made_[key];
  if (!slot) slot = std::make_shared<const std::string>(make());
  return slot;
}

}  // namespace twinstar
