#pragma once

#include "protocol/job_command.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
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

  /// A command waiting for its job, with when it was issued (0: unknown): the job knows which
  /// commands it has seen applied since (`job::commands_ms`), and so which pending ones are stale.
  struct pending_control {
    action what = action::cancel;
    std::int64_t issued_ms = 0;
  };

  void request(const std::string& job_id, action what, std::int64_t issued_ms = 0) {
    std::lock_guard guard{mutex_};
    pending_.insert_or_assign(job_id, pending_control{what, issued_ms});
    size_.store(pending_.size(), std::memory_order_release);
  }

  void clear(const std::string& job_id) {
    std::lock_guard guard{mutex_};
    pending_.erase(job_id);
    size_.store(pending_.size(), std::memory_order_release);
  }

  /// Forgets the job's pending command if the job has seen a command issued at or after it
  /// applied (on another node, which had heard a later command that this node missed).
  void clear_stale(const std::string& job_id, std::int64_t commands_ms) {
    std::lock_guard guard{mutex_};
    auto i = pending_.find(job_id);
    if (i == pending_.end() || !protocol::is_stale_command(i->second.issued_ms, commands_ms))
      return;
    pending_.erase(i);
    size_.store(pending_.size(), std::memory_order_release);
  }

  /// Whether a command issued at `issued_ms` (0: unknown) is the newest this node has seen for
  /// the job, and so is to be applied; it becomes the newest. One issued before the newest
  /// applied arrived late (commands overtake each other on their way) and is stale.
  bool admit(const std::string& job_id, std::int64_t issued_ms) {
    if (issued_ms <= 0)
      return true;
    std::lock_guard guard{mutex_};
    auto [i, fresh] = newest_.try_emplace(job_id, issued_ms);
    if (!fresh) {
      if (issued_ms < i->second)
        return false;
      i->second = issued_ms;
      return true;
    }
    newest_order_.push_back(job_id);
    if (newest_order_.size() > remembered_jobs) { // bounded: the oldest jobs are forgotten
      newest_.erase(newest_order_.front());
      newest_order_.pop_front();
    }
    return true;
  }

  std::optional<pending_control> find(const std::string& job_id) const {
    if (size_.load(std::memory_order_acquire) == 0)
      return std::nullopt;
    std::lock_guard guard{mutex_};
    auto i = pending_.find(job_id);
    if (i == pending_.end())
      return std::nullopt;
    return i->second;
  }

private:
  static constexpr std::size_t remembered_jobs = 1 << 16;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, pending_control> pending_;
  /// Per job, when the newest command applied here was issued.
  std::unordered_map<std::string, std::int64_t> newest_;
  std::deque<std::string> newest_order_;
  std::atomic<std::size_t> size_{0};
};

} // namespace boa::actors
