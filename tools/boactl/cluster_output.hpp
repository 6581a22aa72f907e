#pragma once

#include "actors/cluster_view.hpp"
#include "tools/boactl/console.hpp"

#include <cstdint>
#include <string>

namespace boa::boactl {

/// Where a cluster view came from, for the header and the JSON.
struct view_origin {
  std::string observer;    ///< the node that answered, or "boactl" when it listened itself
  std::int64_t now_ms = 0; ///< this client's wall clock when printing (ages of job starts)
};

/// `cluster nodes`: one row per node: status (and restarts), age of its last beat, workers
/// busy/total, jobs running, 1-minute load, resident memory, host and pid, start time.
/// `--json`: `{"observer", "taken_ms", "listening_ms", "nodes": [{"node", "status", "age_ms",
/// "restarts", "heartbeat"}…]}`, one document a line.
void print_cluster_nodes(console& c, const actors::cluster_snapshot& view,
                         const view_origin& origin);

/// `cluster jobs`: one row per job: workflow, step, node, how long the step has run (on this
/// client's clock) and the age of the beat that reported it. `--json`: `{"observer",
/// "taken_ms", "listening_ms", "jobs": [{"job_id", "workflow", "step", "since_ms", "version",
/// "history_length", "node", "age_ms"}…]}`, one document a line.
void print_cluster_jobs(console& c, const actors::cluster_snapshot& view,
                        const view_origin& origin);

/// The line above each table of `--watch` or `--from-node`: when, from where, and how long it
/// has listened.
std::string watch_header(const actors::cluster_snapshot& view, const view_origin& origin);

} // namespace boa::boactl
