#pragma once

#include "actors/node_context.hpp"
#include "protocol/job.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <cstdint>

namespace boa::actors {

/// Spawns the actor that holds a fork's main branch (delivery `tag`) while it takes the other
/// branches from the fork's join queue, then publishes the merged job and accepts every delivery.
/// It holds deliveries, not a worker. If the node dies meanwhile, all of them are redelivered and
/// the join is redone elsewhere.
caf::actor spawn_join_waiter(caf::actor_system& system, node_context& ctx, std::uint64_t tag,
                             protocol::job main_branch);

/// Spawns the actor that holds a parent job at its reduce step (delivery `tag`) and folds its
/// finished sub-jobs from the reduce queue. Every `ctx.reduce_checkpoint_every` folds it publishes
/// the parent with its progress (folded ids and values), accepts what it folded, and hands over to
/// whichever node takes the checkpointed parent; so no sub-job is lost or counted twice.
caf::actor spawn_reduce_waiter(caf::actor_system& system, node_context& ctx, std::uint64_t tag,
                               protocol::job parent);

} // namespace boa::actors
