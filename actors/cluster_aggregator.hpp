#pragma once

#include "actors/cluster_view.hpp"
#include "actors/node_context.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace boa::actors {

/// A node's status as an aggregator saw it change.
struct node_change {
  enum class kind {
    joined,     ///< first beat heard from this node id
    restarted,  ///< a beat with a new start time: the same node id in a new process
    suspect,    ///< missed more than `suspect_after` intervals
    down,       ///< missed more than `down_after` intervals
    live_again, ///< a beat came after it had been suspect or down
    evicted,    ///< silent for longer than the eviction age: forgotten
    left,       ///< its last beat said it was shutting down on purpose
  };
  kind what = kind::joined;
  node_view node; ///< the node as the view shows it at the change
};

/// "joined", "restarted", "suspect", "down", "live again", "evicted", "left".
const char* to_string(node_change::kind what);

struct cluster_aggregator_settings {
  cluster_view_options view;
  /// How often statuses are judged again (changes reported): one heartbeat interval is enough.
  std::chrono::milliseconds check_interval{1000};
  /// How often silent nodes are evicted (after `view.eviction_age_ms`).
  std::chrono::milliseconds eviction_interval{5000};
  /// Called on the aggregator's thread for every change; may be empty.
  std::function<void(const node_change&)> on_change;
};

/// The cluster-state aggregator: subscribes to `topic:boa.heartbeat` and keeps a `cluster_view`
/// of what it hears, stamped with `ctx.clock` (the wall clock seam). Every beat is accepted once
/// observed; one that does not decode is rejected (dead-lettered) with the reason. Statuses are
/// judged every `check_interval` and silent nodes evicted every `eviction_interval` (actor
/// clock); `check_atom` and `evict_atom` do the same at once. `(cluster_view_atom)` answers a
/// `cluster_snapshot`. Send it an exit message to stop.
caf::actor spawn_cluster_aggregator(caf::actor_system& system, node_context& ctx,
                                    cluster_aggregator_settings settings);

} // namespace boa::actors
