#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_set>

namespace boa::amqp::detail {

/// The delivery tags the bridge's consumers hold unsettled, readable from any thread
/// (`bridge::holds`). The container thread adds a tag before its delivery goes to the consumer
/// and removes it once it is settled, or given back to the broker with its link or connection.
class held_tags {
public:
  void add(std::uint64_t tag) {
    std::lock_guard guard{mutex_};
    tags_.insert(tag);
  }
  void remove(std::uint64_t tag) {
    std::lock_guard guard{mutex_};
    tags_.erase(tag);
  }
  void clear() {
    std::lock_guard guard{mutex_};
    tags_.clear();
  }
  bool contains(std::uint64_t tag) const {
    std::lock_guard guard{mutex_};
    return tags_.count(tag) != 0;
  }

private:
  mutable std::mutex mutex_;
  std::unordered_set<std::uint64_t> tags_;
};

} // namespace boa::amqp::detail
