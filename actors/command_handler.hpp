#pragma once

#include "actors/heartbeat_emitter.hpp"
#include "actors/node_context.hpp"
#include "actors/request_handler.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <functional>

namespace boa::actors {

/// What a node's command handler acts on.
struct command_targets {
  caf::actor dispatcher;       ///< stopped, started and drained (the `workers` system)
  request_sources sources;     ///< answers list-jobs and show-job
  heartbeat_settings identity; ///< what `status` reports besides the live state
  /// Called once, after the reply to a `shutdown` command has gone out (or at once without a
  /// reply-to): the node process drains and exits as on SIGTERM. Empty: `shutdown` is refused.
  std::function<void()> on_shutdown_requested;
};

/// Spawns the node's command handler: it subscribes to `topic:boa.node.<ctx.node_id>` and
/// `topic:boa.node.all`, decodes each node-command (protocol/node_command.hpp), acts, and answers
/// to its reply-to with a node-reply correlated by the command's message id. Systems: `workers`
/// (the step worker pool and the job dispatcher). A command that does not decode is dead-lettered
/// with the reason (and answered with an error when it has a reply-to); nothing in a command is
/// ever evaluated. Send it an exit message to stop.
caf::actor spawn_command_handler(caf::actor_system& system, node_context& ctx,
                                 command_targets targets);

} // namespace boa::actors
