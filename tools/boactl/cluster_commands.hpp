#pragma once

#include "tools/boactl/console.hpp"
#include "tools/boactl/session.hpp"

#include <chrono>
#include <optional>

namespace boa::boactl {

/// How `cluster nodes` and `cluster jobs` get their view and how often they show it.
struct cluster_view_args {
  /// Listen to the heartbeats this long before the first table (when listening itself).
  std::chrono::milliseconds listen{2500};
  /// Ask a node (any node that answers `queue:boa.requests`) for its view instead of listening:
  /// the node's aggregator may have listened for longer; a node asked for the first time has
  /// only just started to listen, and says so.
  bool from_node = false;
  /// Show the view again every heartbeat interval until SIGINT or SIGTERM (or `watch_for`).
  bool watch = false;
  std::optional<std::chrono::milliseconds> watch_for;
};

/// `cluster nodes`: every node heard, with its status and the age of its last beat (the view
/// is a picture of the past). Exit 3 when no node was heard (without --watch).
int cluster_nodes(session& s, console& c, const cluster_view_args& args);

/// `cluster jobs`: every job step running in the cluster, one per job (the most advanced report
/// wins when several nodes report a job), with its node and the age of the beat that said so.
/// Exit 3 when no node was heard while listening (without --watch).
int cluster_jobs(session& s, console& c, const cluster_view_args& args);

} // namespace boa::boactl
