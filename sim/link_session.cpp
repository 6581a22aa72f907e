#include "sim/link_state.hpp"

namespace boa::sim {

void node_link::state::lose_session(const std::string& reason, bool close_on_broker,
                                    bool reconnect) {
  if (cut || !connected)
    return;
  connected = false;
  ++generation;
  silent_since.reset();
  ++counters.sessions_lost;
  events.record({"session-lost", node, reason});
  if (close_on_broker)
    core->close_session(session);
  for (auto& [tag, sub] : delivered)
    stale_tags.insert(tag);
  delivered.clear();
  for (auto i = subscriptions.begin(); i != subscriptions.end();) {
    if (i->second.ended) { // its unsubscribe was held: the lost session ended it anyway
      i = subscriptions.erase(i);
      continue;
    }
    i->second.core_id = 0;
    ++i;
  }
  // What was on the wire is lost with the connection. Publishes without their confirmation
  // fail (the bridge never re-sends), deliveries never arrive, settlements are dropped.
  auto out = std::move(held_out);
  held_out.clear();
  auto in = std::move(held_in);
  held_in.clear();
  for (auto& item : in) {
    if (item.local)
      held_in.push_back(std::move(item));
    else if (item.what == inbound::kind::delivery)
      drop_delivery(item.delivered, "session lost");
    else if (item.ok) // taken by the broker, but the confirmation never came
      refuse(item.to, item.token, reason);
    else
      refuse(item.to, item.token, item.error);
  }
  for (auto& op : out) {
    if (op.what == outbound::kind::publish) {
      events.record({"fail-publish", node, op.message.address, op.message.message_id});
      refuse(op.confirm_to, op.token, reason);
    } else if (op.what == outbound::kind::settle) {
      ++counters.dropped_settlements;
      events.record({"settle-dropped", node, settlement_name(op.how), op.reason});
    }
  }
  release_in();
  reconnect_pending = reconnect;
  if (reconnect)
    try_reconnect();
}

void node_link::state::try_reconnect() {
  if (cut || connected)
    return;
  if (blocked()) {
    reconnect_pending = true;
    return;
  }
  reconnect_pending = false;
  connected = true;
  ++counters.reconnects;
  events.record({"reconnect", node});
  // The subscriptions as they are when the new session opens, each with its unused credit.
  std::vector<std::uint64_t> ids;
  for (auto& [id, sub] : subscriptions)
    ids.push_back(id);
  for (auto id : ids) {
    auto sub = subscriptions.find(id);
    if (sub == subscriptions.end())
      continue;
    events.record({"resubscribe", node, sub->second.address});
    open(id, sub->second, static_cast<std::uint32_t>(sub->second.unused));
  }
}

void node_link::state::unblocked(bool was_blocked) {
  note_blocking(was_blocked);
  if (!connected) {
    release_in();
    if (reconnect_pending)
      try_reconnect();
    return;
  }
  release_out();
  release_in();
}

} // namespace boa::sim
