#pragma once

#include "protocol/job_command.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace boa::storage {
class claim_store;
}

namespace boa::actors {

/// Cancel and suspend requests waiting for their job's next step on this node. Written by the
/// dispatcher (from `topic:boa.commands`), read by every job actor before it runs a step; the
/// common case, no pending command at all, costs one atomic load. Also the resumes the node took
/// on: jobs it is to take back from their suspended queue once they are parked there.
///
/// A command is broadcast once, so a node must not forget one it heard: with a `durable` store
/// the pending requests and resumes are written there and read back when the node starts again
/// after a crash. Requests for jobs that end on other nodes are never cleared here: at most
/// `remembered` of each are kept, the oldest forgotten first.
class job_controls {
public:
  using action = protocol::job_command::action;

  /// A command waiting for its job, with when it was issued (0: unknown): the job knows which
  /// commands it has seen applied since (`job::commands_ms`), and so which pending ones are stale.
  struct pending_control {
    action what = action::cancel;
    std::int64_t issued_ms = 0;
  };

  /// `durable` may be null (nothing survives the process); otherwise the pending requests it
  /// holds are loaded now, and it must outlive this object.
  explicit job_controls(storage::claim_store* durable = nullptr,
                        std::size_t remembered = std::size_t{1} << 16);

  void request(const std::string& job_id, action what, std::int64_t issued_ms = 0);
  void clear(const std::string& job_id);

  /// Forgets the job's pending command if the job has seen a command issued at or after it
  /// applied (on another node, which had heard a later command that this node missed).
  void clear_stale(const std::string& job_id, std::int64_t commands_ms);

  /// Whether a command issued at `issued_ms` (0: unknown) is the newest this node has seen for
  /// the job, and so is to be applied; it becomes the newest. One issued before the newest
  /// applied arrived late (commands overtake each other on their way) and is stale.
  bool admit(const std::string& job_id, std::int64_t issued_ms);

  /// When the newest command this node admitted for the job was issued (0: none heard, or
  /// forgotten since).
  std::int64_t newest(const std::string& job_id) const;

  /// The node takes the job back from its suspended queue for the resume issued at `issued_ms`.
  void resuming(const std::string& job_id, std::int64_t issued_ms);
  /// It did, or found the job parked again by a later command: the resume is over.
  void resumed(const std::string& job_id);
  /// The resumes under way (job id -> issue time), for a node started again to take on.
  std::vector<std::pair<std::string, std::int64_t>> resumes() const;

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
  void remember(const std::string& job_id, pending_control control); // mutex_ held
  void forget(const std::string& job_id);                            // mutex_ held

  storage::claim_store* durable_;
  std::size_t remembered_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, pending_control> pending_;
  /// Jobs with a pending request, oldest first (may name jobs cleared since: skipped).
  std::deque<std::string> pending_order_;
  /// Per job, when the newest command applied here was issued.
  std::unordered_map<std::string, std::int64_t> newest_;
  std::deque<std::string> newest_order_;
  /// Resumes under way, by job (issue time), and the jobs oldest first.
  std::unordered_map<std::string, std::int64_t> resumes_;
  std::deque<std::string> resume_order_;
  std::atomic<std::size_t> size_{0};
  std::atomic<bool> any_newest_{false}; ///< newest_ has held an entry
};

} // namespace boa::actors
