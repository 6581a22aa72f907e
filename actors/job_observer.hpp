#pragma once

#include "actors/bus/bus.hpp"
#include "protocol/event.hpp"
#include "protocol/job.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <functional>

namespace boa::protocol {
class workflow_cache;
}

namespace boa::actors {

struct job_observer_callbacks {
  /// Each event from `topic:boa.events` (may be empty).
  std::function<void(const protocol::job_event&)> on_event;
  /// Each job taken from `queue:boa.archive` (may be empty: then the archive is not consumed).
  std::function<void(const protocol::job&)> on_archived;
  /// Each message taken from `queue:boa.dead`, with its `dead_letter_reason` (may be empty: then
  /// the dead-letter queue is not consumed). For a process that owns its bus (`boad run`): a
  /// job state refused there will never reach the archive.
  std::function<void(const protocol::envelope&)> on_dead;
};

/// Spawns an actor that follows jobs through the bus: events as they happen, and ended jobs from
/// the archive queue (accepted once the callback returns). Callbacks run on the actor's thread.
/// Send it an exit message to stop; it unsubscribes on the way out.
caf::actor spawn_job_observer(caf::actor_system& system, bus::bus& bus,
                              protocol::workflow_cache* workflows,
                              job_observer_callbacks callbacks);

} // namespace boa::actors
