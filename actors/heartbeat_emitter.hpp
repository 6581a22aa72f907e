#pragma once

#include "actors/node_context.hpp"
#include "protocol/heartbeat.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace boa::actors {

/// What a heartbeat says about the machine and the process the node runs in.
struct host_facts {
  std::string host;
  std::int64_t pid = 0;
  std::vector<double> load;   ///< 1, 5 and 15 minute load averages; empty where unknown
  std::int64_t rss_bytes = 0; ///< resident memory; 0 where unknown
};

/// The host facts as the operating system tells them now (hostname, pid, getloadavg,
/// /proc/self/statm).
host_facts read_host_facts();

/// Where a node's host facts come from: a seam, so that a simulated node can report fixed ones.
using host_facts_source = std::function<host_facts()>;

struct heartbeat_settings {
  std::chrono::milliseconds interval{1000};
  /// Read at every beat (load and memory change); empty: `read_host_facts`.
  host_facts_source facts;
  std::string broker; ///< the broker URL the node is connected to
  std::int64_t started_ms = 0;
  std::int64_t workers = 0; ///< size of the step worker pool at start (it may be resized)
};

/// The node's state as a heartbeat reports it: identity, the worker pool (its current size from
/// `ctx.activity`, busy: steps running now, running: taking jobs), the steps running, the host
/// facts (host, pid, load average, resident memory) and counters. `seq` is the beat's sequence
/// number (0: not a beat). Shared by the heartbeat emitter and the answer to a `status` command.
protocol::heartbeat current_state(const node_context& ctx, const heartbeat_settings& settings,
                                  std::int64_t seq);

/// Publishes the node's state to `topic:boa.heartbeat` at once and then every interval (nobody has
/// to listen): identity, start time, a sequence number from 1, the worker pool (busy: steps
/// running now), the steps running, load average, resident memory and counters from
/// `ctx.activity`. Fire and forget: a beat the bus refuses is simply the next one's to make up.
/// `(leaving_atom)` makes the emitter publish one last beat that says the node is leaving
/// (`heartbeat::leaving`), then stop: listeners show the node as `left` at once instead of
/// waiting for it to go `down`.
using leaving_atom = caf::atom_constant<caf::atom("leaving")>;

caf::actor spawn_heartbeat_emitter(caf::actor_system& system, node_context& ctx,
                                   heartbeat_settings settings);

} // namespace boa::actors
