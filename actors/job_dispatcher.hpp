#pragma once

#include "actors/node_context.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace boa::actors {

/// Spawns the node's job dispatcher: it consumes `queue:boa.jobs` (in-flight jobs, with most of
/// the node's credit) and `queue:boa.jobs.new` (new jobs, with a smaller share, so running jobs
/// finish before new ones start), and `topic:boa.commands` for job commands. Each job delivery
/// goes to a job runner, or to a join or reduce waiter; canceled and suspended jobs are settled
/// here before their next step. Undecodable messages go to the dead-letter queue.
caf::actor spawn_job_dispatcher(caf::actor_system& system, node_context& ctx);

} // namespace boa::actors
