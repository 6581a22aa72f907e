#pragma once

#include "protocol/job.hpp"
#include "protocol/routing.hpp"
#include "protocol/step_io.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace boa::protocol {

/// A job state to publish, and where: `queue:boa.jobs` to run its next step, a join queue when a
/// branch reaches its rendezvous, `queue:boa.archive` and a reduce queue when a job has ended.
struct outbound_job {
  std::string address;
  job state;
};

/// The pure rules of how a job moves from one step to the next. No I/O, no clock reads: the caller
/// passes the time. Shared by the node's actors and the simulator.
namespace transition {

/// Starts a job: definition properties, then start properties; state running at the entry step.
job start(std::string id, workflow_ptr workflow, const properties& start_props,
          std::int64_t now_ms);

/// Merges a step's own properties into the job before the step runs (definition < start < step).
void enter_step(job& j, const step& s);

/// Records one attempt and merges its return into the job (step < result). Returns the routing
/// result ("error" for a failed attempt).
std::string record_attempt(job& j, const step& s, const step_outcome& outcome, history_entry entry);

/// Delay before retry number `retry` (1-based) of a failed step, or -1 when no retry is left.
std::int64_t retry_delay_ms(const step& s, int attempt);

/// Routes a finished step: continues to the next step, forks (parallel step) or ends the job.
std::vector<outbound_job> advance(job j, const step& s, const std::string& result,
                                  std::int64_t now_ms);

/// Ends the job (or, inside a fork, the branch: it then reports to its rendezvous).
std::vector<outbound_job> end(job j, job_state state, std::string error, std::int64_t now_ms);

/// Where a job that is about to run `j.step` is published.
std::string address_for(const job& j);

/// True when this delivery is the main branch waiting for the other branches of its innermost
/// fork: it reached the join step, or it ended inside the fork.
bool is_rendezvous(const job& j);

/// Merges the main branch with the other branches of its innermost fork (in any order) and moves
/// on past the join. `branches` must hold exactly the other branches.
std::vector<outbound_job> join(job main, std::vector<job> branches, std::int64_t now_ms,
                               const std::string& node);

/// Key of the reduce a map step feeds ("<map step>-<history length>", inside a fork prefixed with
/// "<fork id>.<branch>."): names the reduce queue and is part of sub-job ids, identical when a
/// redelivered map step runs again.
std::string reduce_key(const job& j, const step& map_step);

/// What a map step publishes: one initial sub-job per item (to `queue:boa.jobs.new`) and the parent
/// moved to its reduce step, which waits for them.
struct map_fanout {
  std::vector<job> sub_jobs;
  outbound_job parent;
};

/// Starts one sub-job of `sub_workflow` per item. Sub-job ids are `<parent>.<reduce key>.<index>`,
/// so a redelivered map step starts the same ids again and the reduce counts each once.
map_fanout start_map(job parent, const step& map_step, const std::string& key,
                     const boost::json::array& items, const workflow_ptr& sub_workflow,
                     std::int64_t now_ms);

/// Folds one finished sub-job into the parent's reduce progress. Returns false (and changes
/// nothing) when that sub-job was already folded.
bool fold(job& parent, const step& reduce_step, const job& sub_job);

/// True once every sub-job of the pending reduce has been folded.
bool reduce_complete(const job& parent);

/// Writes the folded value into the parent's properties and routes past the reduce step.
std::vector<outbound_job> finish_reduce(job parent, const step& reduce_step, std::int64_t now_ms,
                                        const std::string& node);

} // namespace transition
} // namespace boa::protocol
