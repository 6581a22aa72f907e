#pragma once

#include "actors/step_executor.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <cstddef>

namespace boa::actors {

class node_activity;
}
namespace boa::metrics {
class node_metrics;
}
namespace boa::actors {

/// Spawns a pool of `size` step workers, each a detached actor (its own thread, since steps may
/// block: processes, sleeps, C++ functions). The pool answers `(run_step_atom, step_request)` with
/// `(step_outcome, worker name)`; requests wait in FIFO order while every worker is busy. It grows
/// and shrinks on `workers_add_atom` / `workers_remove_atom` (see messages.hpp) and reports its
/// size to `activity` and its size and busy workers to `metrics` (either may be null).
/// `detached == false` spawns the workers as ordinary scheduled
/// actors, for executors that never block (the simulator's).
caf::actor spawn_worker_pool(caf::actor_system& system, step_executor_ptr executor,
                             std::size_t size, node_activity* activity = nullptr,
                             bool detached = true, metrics::node_metrics* metrics = nullptr);

} // namespace boa::actors
