#pragma once

#include "actors/bus/broker_core.hpp"
#include "sim/node_link.hpp"
#include "sim/trace.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace boa::sim {

/// The shared broker restarts: every session ends (unsettled deliveries go back to their queues
/// first), topics lose their subscribers, and the queues that are not durable
/// (`protocol::addresses::is_durable_queue`) lose their messages; durable queues keep theirs.
/// Every link that is not cut loses its session as on a dropped connection (see `node_link`) and
/// reconnects at once with `reconnect_at_once`, or when the caller calls `node_link::reconnect`
/// (the broker being down meanwhile: publishes are refused). Subscribers of the core that are not
/// links (a checker's own) lose their subscriptions too and must make them again. Returns how
/// many messages were dropped; the restart is recorded in `events`.
std::size_t restart_broker(boa::bus::broker_core& core, const std::vector<node_link*>& links,
                           trace& events, bool reconnect_at_once);

} // namespace boa::sim
