#pragma once

#include "actors/bus/broker_core.hpp"
#include "protocol/job.hpp"
#include "protocol/job_codec.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace boa::sim {

/// The first safety invariant: every started job reaches exactly one terminal state. It reads
/// `queue:boa.archive` (where every node sends a job's final message) as a consumer of its own;
/// several copies of one end (at-least-once) are fine, two different ends or none are not.
/// Finished and error are always legitimate ends; canceled only for a job someone asked to
/// cancel, and an error that says the job exceeded its timeout only for a job that has one.
class safety_checker {
public:
  explicit safety_checker(std::shared_ptr<bus::broker_core> core);

  /// Subscribes again after a broker restart (`restart_broker`) ended its subscription; what it
  /// had not accepted yet comes again, and counts as duplicate ends.
  void resubscribe();
  /// A job the workload started; only these must end.
  void expect(const std::string& job_id);
  /// A cancel command went out for this job: it may end canceled.
  void allow_cancel(const std::string& job_id);
  /// This job has a timeout: it may end timed out.
  void allow_timeout(const std::string& job_id);
  /// Accepts what arrived since the last call (the broker's callback may not settle itself).
  void settle();
  /// Jobs (and sub-jobs) that must end.
  std::size_t expected() const { return expected_.size(); }
  /// Jobs with at least one terminal state.
  std::size_t ended() const { return ends_.size(); }
  /// Jobs that must end and have not.
  std::size_t unended() const;
  bool all_ended() const { return ends_.size() >= expected_.size(); }
  /// Jobs (not sub-jobs of a map) that ended in `state`.
  std::size_t count(protocol::job_state state) const;
  std::size_t duplicate_ends() const { return duplicates_; }
  /// Jobs that ended in error because they exceeded their timeout.
  std::size_t timed_out() const;
  /// The first archived copy of every ended job, by id, for the checkers of final data.
  const std::map<std::string, protocol::job>& archived() const { return archived_; }
  /// One line per violation; empty when the invariant holds.
  std::vector<std::string> violations() const;
  /// Jobs whose copies (made by a redelivery around a crash or a lost session) ended different
  /// ways: the first end archived stands, the others contradict it. One line per job; the run
  /// counts them as violations only when asked to (`simulation_options::strict_copies`).
  std::vector<std::string> diverged() const;

private:
  void subscribe();

  std::shared_ptr<bus::broker_core> core_;
  protocol::workflow_cache workflows_;
  std::set<std::string> expected_;
  std::set<std::string> cancelable_;
  std::set<std::string> timeouts_;
  std::map<std::string, protocol::job> archived_;
  std::set<std::string> timed_out_;
  std::map<std::string, std::set<protocol::job_state>> ends_;
  std::vector<std::string> undecodable_;
  std::vector<std::uint64_t> to_accept_;
  std::size_t duplicates_ = 0;
};

} // namespace boa::sim
