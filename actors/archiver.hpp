#pragma once

#include "actors/node_context.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace boa::actors {

/// Takes ended jobs from `queue:boa.archive`: records each in the node's job store and logs its
/// end, once per job even when a crash made the last step run twice (the copies carry the same
/// version and are told apart by the node's delivery claims), then accepts the message. A message
/// that is no job goes to the dead-letter queue with the reason. The end is in the job store
/// before the message is accepted. Exits (handing back what it
/// holds) on an exit message, like every actor of the node.
caf::actor spawn_archiver(caf::actor_system& system, node_context& ctx);

} // namespace boa::actors
