#include "sim/broker_restart.hpp"

#include "protocol/envelope.hpp"

#include <string>

namespace boa::sim {

std::size_t restart_broker(boa::bus::broker_core& core, const std::vector<node_link*>& links,
                           trace& events, bool reconnect_at_once) {
  // The links first, so that what they held for the old sessions is gone before the broker
  // forgets the sessions; then the broker, which delivers nothing while it restarts.
  for (auto* link : links)
    link->session_ended("broker restart", false);
  auto dropped = core.restart(
      [](const std::string& address) { return protocol::addresses::is_durable_queue(address); });
  events.record({"broker-restart", std::to_string(dropped)});
  if (reconnect_at_once)
    for (auto* link : links)
      link->reconnect();
  return dropped;
}

} // namespace boa::sim
