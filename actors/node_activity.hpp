#pragma once

#include "protocol/heartbeat.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace boa::actors {

/// What the node is doing, for its heartbeat: the steps running now and counters since start.
/// Written by job runners and the archiver, read by the heartbeat emitter. Thread-safe.
class node_activity {
public:
  struct snapshot {
    std::vector<protocol::running_job> running;
    std::int64_t steps_ok = 0;
    std::int64_t steps_failed = 0;
    std::int64_t jobs_finished = 0;
  };

  /// A step attempt started on the runner `runner` (its actor id: fork branches share a job id).
  void step_started(std::uint64_t runner, protocol::running_job job) {
    std::lock_guard lock{mutex_};
    running_[runner] = std::move(job);
  }
  void step_ended(std::uint64_t runner, bool ok) {
    std::lock_guard lock{mutex_};
    running_.erase(runner);
    ++(ok ? steps_ok_ : steps_failed_);
  }
  /// The runner left (node stopping) without an outcome: its step is not running here any more.
  void forget(std::uint64_t runner) {
    std::lock_guard lock{mutex_};
    running_.erase(runner);
  }
  void job_finished() {
    std::lock_guard lock{mutex_};
    ++jobs_finished_;
  }
  snapshot take() const {
    std::lock_guard lock{mutex_};
    snapshot s{{}, steps_ok_, steps_failed_, jobs_finished_};
    s.running.reserve(running_.size());
    for (const auto& [runner, job] : running_)
      s.running.push_back(job);
    return s;
  }

private:
  mutable std::mutex mutex_;
  std::map<std::uint64_t, protocol::running_job> running_;
  std::int64_t steps_ok_ = 0;
  std::int64_t steps_failed_ = 0;
  std::int64_t jobs_finished_ = 0;
};

} // namespace boa::actors
