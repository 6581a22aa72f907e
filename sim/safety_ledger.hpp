#pragma once

#include "protocol/job.hpp"
#include "protocol/job_codec.hpp"

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace boa::sim {

/// The first safety invariant, kept as a ledger of archived copies: every started job reaches
/// exactly one terminal state. Whoever reads the archive queue (the simulator's safety checker,
/// or `boasim check` from a soak's record) hands it each archived message; several copies of one
/// end (at-least-once) are fine, two different ends or none are not. Finished and error are
/// always legitimate ends; canceled only for a job someone asked to cancel, and an error that says
/// the job exceeded its timeout only for a job that has one.
class safety_ledger {
public:
  /// One archived message, as its body reads; a body that is no job is a violation.
  void record(std::string_view body);
  /// A job the workload started; only these must end.
  void expect(const std::string& job_id);
  /// A cancel command went out for this job: it may end canceled.
  void allow_cancel(const std::string& job_id);
  /// This job has a timeout: it may end timed out.
  void allow_timeout(const std::string& job_id);

  /// Jobs (and sub-jobs) that must end.
  std::size_t expected() const { return expected_.size(); }
  /// Whether this job must end.
  bool expects(const std::string& job_id) const { return expected_.count(job_id) > 0; }
  /// Jobs with at least one terminal state.
  std::size_t ended() const { return ends_.size(); }
  /// Jobs that must end and have not.
  std::size_t unended() const;
  bool all_ended() const { return ends_.size() >= expected_.size(); }
  /// Jobs (not sub-jobs of a map) that ended in `state`.
  std::size_t count(protocol::job_state state) const;
  std::size_t duplicate_ends() const { return duplicates_; }
  /// Jobs that ended in error because they exceeded their timeout.
  std::size_t timed_out() const { return timed_out_.size(); } // sub-jobs have no timeout
  /// The first archived copy of every ended job, by id, for the checkers of final data.
  const std::map<std::string, protocol::job>& archived() const { return archived_; }
  /// One line per violation; empty when the invariant holds.
  std::vector<std::string> violations() const;
  /// Jobs whose copies (made by a redelivery around a crash or a lost session) ended different
  /// ways: the first end archived stands, the others contradict it. One line per job; a run
  /// counts them as violations only when asked to (strict copies).
  std::vector<std::string> diverged() const;

private:
  protocol::workflow_cache workflows_;
  std::set<std::string> expected_;
  std::set<std::string> cancelable_;
  std::set<std::string> timeouts_;
  std::map<std::string, protocol::job> archived_;
  std::set<std::string> timed_out_;
  std::map<std::string, std::set<protocol::job_state>> ends_;
  std::vector<std::string> undecodable_;
  std::size_t duplicates_ = 0;
};

} // namespace boa::sim
