#pragma once

#include "protocol/job_command.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace boa::actors {

/// Cancel and suspend requests waiting for their job's next step on this node. Written by the
/// dispatcher (from `topic:boa.commands`), read by every job actor before it runs a step; the
/// common case, no pending command at all, costs one atomic load.
class job_controls {
public:
  using action = protocol::job_command::action;

  void request(const std::string& job_id, action what) {
    std::lock_guard guard{mutex_};
    pending_.insert_or_assign(job_id, what);
    size_.store(pending_.size(), std::memory_order_release);
  }

  void clear(const std::string& job_id) {
    std::lock_guard guard{mutex_};
    pending_.erase(job_id);
    size_.store(pending_.size(), std::memory_order_release);
  }

  std::optional<action> find(const std::string& job_id) const {
    if (size_.load(std::memory_order_acquire) == 0)
      return std::nullopt;
    std::lock_guard guard{mutex_};
    auto i = pending_.find(job_id);
    if (i == pending_.end())
      return std::nullopt;
    return i->second;
  }

private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, action> pending_;
  std::atomic<std::size_t> size_{0};
};

} // namespace boa::actors
