// build_flights: one build per missing answer at a time (shell.hpp).
#include "shell.hpp"

namespace twinstar::shell {

std::pair<std::shared_ptr<build_flights::flight>, bool> build_flights::join(const std::string& key,
                                                                            signal* done) {
  const std::lock_guard lock(mutex_);
  auto& slot = flights_[key];
  if (!slot) {
    slot = std::make_shared<flight>();
    return {slot, true};
  }
  // Over already: the channel gets its signal at once.
  if (slot->over) {
    done->try_send(std::error_code{}, true);
  } else {
    slot->waiting.push_back(done);
  }
  return {slot, false};
}

void build_flights::finish(const std::string& key, const std::shared_ptr<flight>& f,
                           std::shared_ptr<const void> result) {
  const std::lock_guard lock(mutex_);
  if (auto it = flights_.find(key); it != flights_.end() && it->second == f) flights_.erase(it);
  f->result = std::move(result);
  f->over = true;
  // Each waiter resumes on its own executor; a one-slot buffer holds the
  // signal if it has not begun to wait yet.
  for (signal* waiter : f->waiting) waiter->try_send(std::error_code{}, true);
  f->waiting.clear();
}

std::shared_ptr<const void> build_flights::result(const flight& f) {
  const std::lock_guard lock(mutex_);
  return f.result;
}

}  // namespace twinstar::shell
