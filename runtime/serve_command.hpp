#pragma once

#include "runtime/config/node_config.hpp"

namespace boa::runtime {

/// Exit codes of `boad` as a long-lived node.
inline constexpr int serve_stopped = 0;     ///< stopped by a signal, work handed back cleanly
inline constexpr int serve_bad_config = 2;  ///< bad settings, unusable data directory or plugin
inline constexpr int serve_unavailable = 3; ///< the embedded broker could not be started

/// Runs a node until SIGTERM or SIGINT: the embedded broker (durable queues in the data
/// directory) unless the config names a cluster broker (tried until it answers), the AMQP bridge
/// to it, the workflow repository, and the node's actors. On the first signal the node stops taking
/// deliveries, lets running steps finish within the grace period, hands back what it still holds
/// and closes its connection; a second signal ends the process at once. Logs go to stderr, one line
/// per event with level and node id.
int serve(const config::node_config& config);

/// `boad broker`: runs only the embedded broker (durable queues in the data directory) on
/// `config.listen` until SIGTERM or SIGINT, for clusters whose nodes should all be alike: every
/// node joins it with `--broker`, and any of them may stop without taking the broker along.
/// Refuses a config that names a cluster broker. Same exit codes as `serve`.
int serve_broker(const config::node_config& config);

} // namespace boa::runtime
