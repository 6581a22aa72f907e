#pragma once

#include "protocol/workflow.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace boa::protocol {

enum class job_state { initial, running, suspended, finished, error, canceled };

const char* to_string(job_state state);
std::ostream& operator<<(std::ostream& out, job_state state);
std::optional<job_state> job_state_from_string(std::string_view text);
/// finished, error and canceled are terminal: nothing runs after them.
bool is_terminal(job_state state);

/// One attempt of one step, as recorded in the job's history.
struct history_entry {
  std::string step;
  int attempt = 1;
  std::string node;
  std::string worker;
  std::int64_t start_ms = 0; ///< wall-clock milliseconds since the epoch
  std::int64_t end_ms = 0;
  std::string result; ///< the routing result ("error" when the attempt failed)
  std::string error;  ///< failure text (stderr tail, exception, timeout), empty on success
};

/// One level of fork bookkeeping: this job message is branch `branch` of `branches` started by the
/// parallel step `fork_step`. Branch 0 is the main branch; it holds the rendezvous.
struct fork_frame {
  /// Unique per fork within a job: "<branch scope><fork step>-<history length at the fork>", where
  /// the scope "<outer fork id>.<branch>." tells apart forks inside sibling branches.
  std::string fork_id;
  std::string fork_step;
  int branch = 0;
  int branches = 1;
  /// The job's properties when it forked: a join merges only what each branch changed from it,
  /// so a branch never writes back a value it merely inherited.
  properties base;
};

/// Progress of a reduce step, checkpointed in the job so that no sub-job is lost or counted twice.
struct reduce_progress {
  std::string map_step;      ///< the reduce key, "<map step id>-<history length>" (names the queue)
  std::int64_t expected = 0; ///< number of sub-jobs the map step started
  std::vector<std::string> folded;        ///< sub-job ids already folded (sorted)
  std::vector<boost::json::object> items; ///< folded properties by item index (collect/merge)
  double sum = 0;                         ///< running total (sum)
  std::vector<std::string> errors;        ///< "<sub-job id>: <error>" for sub-jobs that failed
};

/// The whole state of a job (or of one branch of it): this value is the message that moves between
/// nodes. It pins the workflow definition it started with.
struct job {
  std::string id;
  workflow_ptr workflow;
  properties props;
  std::string step; ///< the step to run next; empty once the job has ended
  int attempt = 1;  ///< attempt number of `step`
  /// Counts the states published in this job's line (one line per fork branch): each message a
  /// node publishes for the job carries one more than the state it came from. Two messages of
  /// one line with the same version are copies made by a step that ran twice after a crash; a
  /// node runs only one of them (actors/delivery_claims.hpp).
  std::int64_t version = 0;
  job_state state = job_state::initial;
  std::vector<history_entry> history;
  std::vector<fork_frame> forks; ///< innermost fork last
  std::optional<reduce_progress> reduce;
  std::string parent_id;        ///< for sub-jobs started by a map step
  std::string parent_step;      ///< the parent's map step
  std::int64_t item_index = -1; ///< position of this sub-job in the parent's item array
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::int64_t ended_ms = 0;    ///< 0 while running
  std::int64_t deadline_ms = 0; ///< job timeout as an absolute time; 0: none
  /// When the newest job command applied to this job (a cancel or suspend that stopped it, a
  /// resume that took it back) was issued; 0: none yet. A command issued at or before it is
  /// stale for this job: a node that missed the later ones must not apply it again.
  std::int64_t commands_ms = 0;
  std::string error; ///< why the job ended in error
};

} // namespace boa::protocol
