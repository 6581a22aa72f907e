#pragma once

#include "protocol/job.hpp"
#include "protocol/job_codec.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace boa::sim {

/// One step attempt as the executor ran it.
struct attempt_record {
  std::uint64_t seq = 0; ///< position in the run's one order of observations
  std::int64_t at_ms = 0;
  std::string job_id;
  std::string step;
  int attempt = 1;
  bool ok = true;
};

/// One job state a node published (to any job queue or the archive).
struct state_record {
  std::uint64_t seq = 0;
  std::int64_t at_ms = 0;
  std::string node;
  std::string address;
  std::string job_id;
  std::string step; ///< the step it is to run next; empty once ended
  /// The line of the job the state belongs to: "" outside any fork, else one
  /// "<fork id>.<branch>/" per enclosing fork, outermost first (a nested line starts with its
  /// parent's).
  std::string line;
  protocol::job_state state = protocol::job_state::running;
  std::string parent_id; ///< for sub-jobs of a map step
  std::int64_t version = 0;
};

/// Jobs of which some state (line and version) was published more than once to the same
/// address: copies of the job ran side by side (a redelivery around a crash, a lost session, a
/// lost accept), as at-least-once delivery allows.
std::set<std::string> jobs_with_copies(const std::vector<state_record>& states);

/// The line key of a job state (see `state_record::line`).
std::string line_of(const protocol::job& j);

/// Watches a run as it happens: every step attempt (told by the executor) and every job state a
/// node publishes (told by the trace), in one order, stamped with virtual time. The checkers read
/// what it kept once the run is over.
class run_observer {
public:
  void attempt(std::int64_t at_ms, const std::string& job_id, const std::string& step, int attempt,
               bool ok);
  /// A traced event; only `publish` events of job states are kept (fields as `node_link` records
  /// them: "publish", node, address, subject, message id, body).
  void traced(std::int64_t at_ms, std::initializer_list<std::string_view> fields);

  const std::vector<attempt_record>& attempts() const { return attempts_; }
  const std::vector<state_record>& states() const { return states_; }
  /// Published job states that do not decode (a node publishing garbage is a violation).
  const std::vector<std::string>& undecodable() const { return undecodable_; }
  /// Sub-jobs first published since the last call: the run must wait for them to end too.
  std::vector<std::string> take_new_sub_jobs();
  /// Jobs a state of which the broker delivered again (after a crash, a lost session or a lost
  /// accept): from then on, two runners may carry the job.
  const std::set<std::string>& redelivered() const { return redelivered_; }

private:
  std::uint64_t next_seq_ = 0;
  protocol::workflow_cache workflows_;
  std::vector<attempt_record> attempts_;
  std::vector<state_record> states_;
  std::vector<std::string> undecodable_;
  std::vector<std::string> new_sub_jobs_;
  std::set<std::string> redelivered_;
};

} // namespace boa::sim
