#pragma once

#include "actors/node_context.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace boa::actors {

/// Spawns the node's job dispatcher: it starts `ctx.max_in_flight` job runners (each a competing
/// consumer of `queue:boa.jobs`; a quarter of them also of `queue:boa.jobs.new`, so running jobs
/// finish before many new ones start) and replaces one that fails; it takes job commands from
/// `topic:boa.commands` into the node's job controls, resumes suspended jobs (told by that topic
/// or by the durable `queue:boa.resumes`, of which it is a competing consumer), and stops runners
/// and join/reduce waiters when the node stops, so that what they hold goes back to the bus.
/// `pause_atom` retires every runner (each settles the delivery in hand first) and starts none
/// until `resume_atom`; `drain_atom` does the same for good and answers once every runner has
/// left (see messages.hpp). Both tell `ctx.activity` whether the node takes jobs.
caf::actor spawn_job_dispatcher(caf::actor_system& system, node_context& ctx);

} // namespace boa::actors
