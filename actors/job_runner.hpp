#pragma once

#include "actors/bus/broker_core.hpp"
#include "actors/node_context.hpp"
#include "protocol/event.hpp"
#include "protocol/job.hpp"
#include "protocol/transition.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <cstdint>
#include <vector>

namespace boa::actors {

/// Spawns a job runner: a competing consumer of `queue:boa.jobs` (and, if `takes_new_jobs`, of
/// `queue:boa.jobs.new`) that holds one delivery at a time, with credit 1 on each queue while idle.
/// For each delivery it decodes the job (an undecodable message goes to the dead-letter queue),
/// applies a pending cancel or suspend, hands a rendezvous to a join or reduce waiter (registering
/// it with `dispatcher` as `(waiting_atom, waiter)`), or runs the job's current step (task or map)
/// on a worker, retrying with backoff, publishes the next state(s), and only once the bus has
/// confirmed them settles the delivery.
caf::actor spawn_job_runner(caf::actor_system& system, node_context& ctx, caf::actor dispatcher,
                            bool takes_new_jobs);

/// Spawns an actor that only publishes precomputed states (a canceled or suspended job, a resumed
/// one), then settles `tag` (released if a publish was refused) and tells `dispatcher`
/// `(done_atom, tag, published)`.
caf::actor spawn_job_publisher(caf::actor_system& system, node_context& ctx, caf::actor dispatcher,
                               std::uint64_t tag, std::vector<protocol::outbound_job> out,
                               std::vector<protocol::job_event> events);

} // namespace boa::actors
