#pragma once

#include "protocol/expected.hpp"

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace boa::sim {

/// How `check_recorded_run` judges a record.
struct recorded_run_options {
  /// Copies of a job that ended different ways (a redelivery around a fault, one copy meeting a
  /// cancel the other missed) count as violations, not only as `diverged` lines.
  bool strict_copies = false;
  /// How far apart the clocks of the nodes that wrote the histories may be, in milliseconds.
  std::int64_t skew_ms = 0;
};

/// What a recorded run came to: counts for the summary, and one line per problem.
struct recorded_run_report {
  std::size_t started = 0;
  std::size_t sub_jobs = 0;   ///< map sub-jobs of started jobs, known from their archived copies
  std::size_t copies = 0;     ///< archived messages read
  std::size_t duplicates = 0; ///< copies beyond the first of a job
  std::size_t finished = 0;   ///< started jobs (not sub-jobs) by end
  std::size_t failed = 0;
  std::size_t canceled = 0;
  std::size_t timed_out = 0;
  std::size_t unended = 0;
  std::vector<std::string> diverged;
  std::vector<std::string> violations;

  bool passed() const { return violations.empty(); }
};

/// The simulator's checkers on a run of real nodes, offline: the safety ledger (every started job
/// ended exactly one way, none was lost, none ended that was not started) and, on the first
/// archived copy of each job, `check_history` and `check_final_data` (for a job whose shape is
/// given; `check_steps_succeeded_once` for the others).
/// `started`: one started job a line, its id, then the words `cancelable` (a cancel was sent),
/// `timeout` (its workflow has one), `shape=NAME` (one of the simulator's workload shapes, whose
/// step ids and properties the job's workflow has) and `items=N` (a map-reduce's item count) when
/// they apply; blank lines and `#` comments are skipped.
/// `archive`: one archived message body (a job's JSON) a line, every copy the archive queue
/// delivered, in the order received. A sub-job (its `parent_id` names a started job, or a sub-job
/// of one) must end like any job.
/// Fails (invalid_input, naming the line) only when `started` cannot be read; a bad archived body
/// is a violation of the run, not an input error.
expected<recorded_run_report> check_recorded_run(std::istream& started, std::istream& archive,
                                                 const recorded_run_options& options = {});

} // namespace boa::sim
