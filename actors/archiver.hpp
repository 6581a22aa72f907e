#pragma once

#include "actors/node_context.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace boa::actors {

/// Takes ended jobs from `queue:boa.archive`: stores each in the node's archive (`ctx.archive`:
/// the job store by default, PostgreSQL when configured) and logs its end, once per job even when
/// a crash made the last step run twice (the copies carry the same version and are told apart by
/// the node's delivery claims), then accepts the message. The end is in the archive before the
/// message is accepted; when the archive fails (its database is down), the message goes back to
/// the queue after `ctx.archive_retry_delay`, to be taken again. A message that is no job goes
/// to the dead-letter queue with the reason. Exits (handing back what it holds) on an exit
/// message, like every actor of the node.
caf::actor spawn_archiver(caf::actor_system& system, node_context& ctx);

} // namespace boa::actors
