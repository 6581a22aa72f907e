#pragma once

#include "protocol/envelope.hpp"
#include "protocol/job_command.hpp"
#include "protocol/workflow.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace boa::sim {

/// The workflow shapes a run draws its jobs from.
enum class shape {
  linear,    ///< three steps in a chain, the middle one retried
  fork_join, ///< a fork into two branches of two steps, joined, then one more step
  routing,   ///< a step's result picks one of three branches; one branch fails into its error route
  map_reduce, ///< one sub-job per item of a seeded list, summed by a reduce, then one more step
};

const char* to_string(shape s);

/// One job of the workload: its id and shape, what the workload expects of its final data, and
/// the start message a client would publish.
struct planned_job {
  std::string id;
  enum shape shape;
  /// map_reduce: how many items it fans out over; item i weighs 2^i, so the reduce's sum tells a
  /// sub-job counted twice or not at all from the right count.
  std::size_t items = 0;
  /// The job's timeout (the workflow's `timeout_ms`); none for most jobs.
  std::optional<std::int64_t> timeout_ms;
  protocol::envelope start;
};

/// Something the workload does at a moment of virtual time: start a job, or send a command about
/// one, as a client would (the message is what it publishes).
struct workload_event {
  enum class kind { start, command };
  std::int64_t at_ms = 0; ///< virtual milliseconds since the run began
  kind what = kind::start;
  std::string job_id;
  protocol::job_command::action action = protocol::job_command::action::cancel; ///< commands
  protocol::envelope message;
  /// The same command to further addresses, published right after `message`: a resume also goes
  /// to the durable resumes queue.
  std::vector<protocol::envelope> copies;
};

const char* to_string(workload_event::kind k);

/// A run's workload: the jobs, and every start and command, sorted by time (ties keep plan order:
/// a job's start before a command about it at the same moment).
struct workload_plan {
  std::vector<planned_job> jobs;
  std::vector<workload_event> events;
};

/// `count` jobs drawn from `seed`: their shapes, start times, timeouts, and the commands (cancel,
/// or suspend then resume) some of them get. `epoch_ms` is the wall-clock time of virtual time
/// zero (job timestamps). Ids are derived from the seed.
workload_plan plan_workload(std::uint64_t seed, std::size_t count, std::int64_t epoch_ms);

/// The weight of map/reduce item `index`, and the sum a reduce of `items` of them must give.
std::int64_t item_weight(std::size_t index);
std::int64_t expected_total(std::size_t items);

/// The branch the routing shape's `classify` step leads to for `result` (its routing result).
std::string routing_target(const std::string& result);

} // namespace boa::sim
