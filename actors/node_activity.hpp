#pragma once

#include "protocol/heartbeat.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace boa::actors {

/// What the node is doing, for its heartbeat and status: the steps running now, counters since
/// start, and the state of its systems. Written by job runners, the archiver, the worker pool and
/// the job dispatcher; read by the heartbeat emitter and the command handler. Thread-safe.
class node_activity {
public:
  struct snapshot {
    std::vector<protocol::running_job> running;
    std::int64_t steps_ok = 0;
    std::int64_t steps_failed = 0;
    std::int64_t jobs_finished = 0;
    std::int64_t workers = -1;   ///< step workers in the pool; -1 until the pool says
    bool workers_running = true; ///< the dispatcher takes jobs (not stopped, not draining)
    bool draining = false;       ///< the node takes no new work for good
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
  /// The worker pool's size changed (or was first set).
  void workers_resized(std::int64_t total) {
    std::lock_guard lock{mutex_};
    workers_ = total;
  }
  /// The job dispatcher stopped or started taking jobs.
  void workers_running(bool running) {
    std::lock_guard lock{mutex_};
    workers_running_ = running;
  }
  /// The node began to drain: it takes no new work from now on.
  void drain_started() {
    std::lock_guard lock{mutex_};
    draining_ = true;
    workers_running_ = false;
  }
  snapshot take() const {
    std::lock_guard lock{mutex_};
    snapshot s{{}, steps_ok_, steps_failed_, jobs_finished_, workers_, workers_running_, draining_};
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
  std::int64_t workers_ = -1;
  bool workers_running_ = true;
  bool draining_ = false;
};

} // namespace boa::actors
