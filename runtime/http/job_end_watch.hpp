#pragma once

#include "actors/bus/bus.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace boa::http {

/// Lets a request wait for a job's end without looking for it over and over: the `job-ended`
/// events of `topic:boa.events` (any node's: the job may end anywhere) wake the requests that
/// wait for that job. It follows the topic from the first `expect` on, so a node whose API
/// never waits does not read every event of the cluster. Thread-safe.
class job_end_watch {
public:
  job_end_watch(caf::actor_system& system, bus::bus& bus);
  ~job_end_watch();
  job_end_watch(const job_end_watch&) = delete;
  job_end_watch& operator=(const job_end_watch&) = delete;

  /// A registration to wait on; drop it to stop waiting.
  class ticket {
  public:
    ~ticket();
    ticket(const ticket&) = delete;
    ticket& operator=(const ticket&) = delete;

    /// Blocks until the job's end was seen (true), or `deadline` passed or the watch stopped
    /// (false).
    bool wait_until(std::chrono::steady_clock::time_point deadline);

  private:
    friend class job_end_watch;
    ticket(job_end_watch& watch, std::string job_id) : watch_(watch), job_id_(std::move(job_id)) {}
    job_end_watch& watch_;
    std::string job_id_;
  };

  /// Starts watching for `job_id`'s end. Call it before the job can end (before its start is
  /// published) so that no end goes unseen.
  std::unique_ptr<ticket> expect(const std::string& job_id);

  /// Wakes every waiter (they answer at once) and stops following the events.
  void stop();

private:
  void on_ended(const std::string& job_id);

  caf::actor_system& system_;
  bus::bus& bus_;
  std::mutex mutex_;
  std::condition_variable changed_;
  /// Waiters per job id, and whether its end was seen.
  struct watched {
    int waiters = 0;
    bool ended = false;
  };
  std::map<std::string, watched, std::less<>> jobs_;
  caf::actor observer_;
  bool stopped_ = false;
};

} // namespace boa::http
