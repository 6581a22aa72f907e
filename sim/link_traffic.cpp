#include "sim/link_state.hpp"

#include "actors/messages.hpp"

#include <caf/send.hpp>

#include <chrono>

namespace boa::sim {

const char* settlement_name(boa::bus::settlement how) {
  switch (how) {
  case boa::bus::settlement::accept:
    return "accept";
  case boa::bus::settlement::release:
    return "release";
  case boa::bus::settlement::reject:
    break;
  }
  return "reject";
}

void node_link::state::note_blocking(bool was_blocked) {
  if (!was_blocked && blocked() && connected)
    silent_since = now();
  if (!blocked())
    silent_since.reset();
}

boa::bus::deliver_fn node_link::state::on_delivery(std::uint64_t link_id, caf::actor consumer) {
  return [weak = weak_from_this(), link_id, consumer, gen = generation](boa::bus::delivery d) {
    auto self = weak.lock();
    if (!self || self->generation != gen)
      return; // a session that is gone: the broker releases it with the session
    self->delivered_by_broker(link_id, consumer, std::move(d));
  };
}

void node_link::state::delivered_by_broker(std::uint64_t link_id, const caf::actor& consumer,
                                           boa::bus::delivery d) {
  if (d.message.delivery_count > 0)
    ++redeliveries;
  if (early_accept)
    early_accepts.push_back(d.tag);
  events.record({"deliver", node, d.message.address, d.message.body,
                 std::to_string(d.message.delivery_count)});
  if (link_id != 0)
    d.subscription = link_id;
  delivered[d.tag] = d.subscription;
  if (inbound_blocked()) {
    hold_in(inbound::delivery_to(consumer, std::move(d)));
    return;
  }
  if (delay_random && courier) {
    auto delay =
        static_cast<std::int64_t>((*delay_random)() % static_cast<std::uint64_t>(max_delay_ms + 1));
    if (delay > 0) {
      ++counters.delayed;
      events.record({"delay", node, std::to_string(d.tag), std::to_string(delay)});
      caf::delayed_anon_send(courier, std::chrono::milliseconds(delay),
                             actors::delivery_atom::value, consumer, std::move(d));
      return;
    }
  }
  hand_over(consumer, std::move(d));
}

void node_link::state::hand_over(const caf::actor& consumer, boa::bus::delivery d) {
  auto sub = subscriptions.find(d.subscription);
  if (sub == subscriptions.end()) {
    if (subscribing) { // during its own subscribe call: it gets its entry right after
      ++handed_before_known[d.subscription];
      caf::anon_send(consumer, actors::delivery_atom::value, std::move(d));
    } else {
      drop_delivery(d, "gone");
    }
    return;
  }
  if (delivered.count(d.tag) == 0 || sub->second.ended) {
    drop_delivery(d, "gone");
    return;
  }
  if (sub->second.unused > 0)
    --sub->second.unused;
  caf::anon_send(consumer, actors::delivery_atom::value, std::move(d));
}

void node_link::state::drop_delivery(const boa::bus::delivery& d, const char* why) {
  ++counters.dropped_deliveries;
  delivered.erase(d.tag);
  events.record({"drop-delivery", node, d.message.address, d.message.body, why});
}

void node_link::state::due(const caf::actor& consumer, boa::bus::delivery d) {
  if (cut)
    return;
  if (inbound_blocked() && delivered.count(d.tag) != 0) {
    hold_in(inbound::delivery_to(consumer, std::move(d)));
    return;
  }
  hand_over(consumer, std::move(d));
}

void node_link::state::confirm(const caf::actor& to, std::uint64_t token, bool ok,
                               std::string error) {
  if (!to)
    return;
  if (inbound_blocked()) {
    hold_in(inbound::confirm_to(to, token, ok, std::move(error), false));
    return;
  }
  caf::anon_send(to, actors::published_atom::value, token, ok, std::move(error));
}

void node_link::state::refuse(const caf::actor& to, std::uint64_t token, const std::string& why) {
  ++counters.failed_publishes;
  if (!to)
    return;
  auto error = "connection lost: " + why;
  if (frozen) {
    hold_in(inbound::confirm_to(to, token, false, std::move(error), true));
    return;
  }
  caf::anon_send(to, actors::published_atom::value, token, false, std::move(error));
}

void node_link::state::hold_in(inbound item) {
  ++counters.held;
  events.record({"hold", node, item.what == inbound::kind::delivery ? "delivery" : "confirm"});
  held_in.push_back(std::move(item));
}

void node_link::state::release_in() {
  while (!held_in.empty()) {
    auto& item = held_in.front();
    if (item.local ? frozen : inbound_blocked())
      return;
    auto next = std::move(item);
    held_in.pop_front();
    if (next.what == inbound::kind::delivery)
      hand_over(next.to, std::move(next.delivered));
    else
      caf::anon_send(next.to, actors::published_atom::value, next.token, next.ok,
                     std::move(next.error));
  }
}

void node_link::state::send_out(outbound op) {
  if (connected && outbound_blocked()) {
    ++counters.held;
    static const char* names[] = {"publish", "subscribe", "credit", "settle", "unsubscribe"};
    events.record({"hold", node, names[static_cast<int>(op.what)]});
    held_out.push_back(std::move(op));
    return;
  }
  apply(std::move(op));
}

void node_link::state::publish_now(outbound op) {
  events.record({"publish", node, op.message.address, op.message.subject, op.message.message_id,
                 op.message.body});
  auto done = core->publish(std::move(op.message));
  confirm(op.confirm_to, op.token, done.has_value(), done ? std::string{} : done.error().message);
}

void node_link::state::arrive() {
  if (on_the_wire.empty())
    return;
  auto next = std::move(on_the_wire.front());
  on_the_wire.pop_front();
  if (cut) {
    ++counters.lost_in_flight; // the process died with it in its socket
    events.record({"lost-in-flight", node, next.op.message.message_id});
    return;
  }
  if (!connected || next.generation != generation) {
    // Its connection went away before the broker had it: the bridge fails it.
    events.record({"refuse-publish", node, next.op.message.address, next.op.message.message_id});
    if (early_confirm)
      ++counters.failed_publishes; // already confirmed (the bug): nobody hears of it
    else
      refuse(next.op.confirm_to, next.op.token, "connection lost before the broker had it");
    return;
  }
  if (early_confirm)
    next.op.confirm_to = nullptr; // confirmed when it was sent
  publish_now(std::move(next.op));
}

void node_link::state::apply(outbound op) {
  switch (op.what) {
  case outbound::kind::publish:
    if (!connected) {
      events.record({"refuse-publish", node, op.message.address, op.message.message_id});
      refuse(op.confirm_to, op.token, "no session");
      return;
    }
    if (wire) {
      // Sent, not yet with the broker: a crash now loses it, and only the broker's answer
      // confirms it (but for the planted bug).
      if (early_confirm)
        confirm(op.confirm_to, op.token, true, {});
      on_the_wire.push_back({std::move(op), generation});
      // The same latency for every publish keeps them in order (timers due at one time fire in
      // the order they were set).
      caf::delayed_anon_send(wire, wire_latency, arrive_atom::value);
      return;
    }
    publish_now(std::move(op));
    return;
  case outbound::kind::subscribe: {
    auto sub = subscriptions.find(op.subscription);
    if (!connected || sub == subscriptions.end() || sub->second.ended)
      return; // made on the next session, or no longer wanted
    events.record({"subscribe", node, sub->second.address});
    open(op.subscription, sub->second, op.n);
    return;
  }
  case outbound::kind::credit: {
    auto sub = subscriptions.find(op.subscription);
    if (connected && sub != subscriptions.end() && sub->second.core_id != 0)
      core->add_credit(sub->second.core_id, op.n);
    return;
  }
  case outbound::kind::settle:
    settle(op.tag, op.how, op.reason);
    return;
  case outbound::kind::unsubscribe: {
    auto sub = subscriptions.find(op.subscription);
    if (sub == subscriptions.end())
      return;
    if (connected && sub->second.core_id != 0)
      core->unsubscribe(sub->second.core_id); // releases what it still holds
    for (auto i = delivered.begin(); i != delivered.end();)
      i = i->second == op.subscription ? delivered.erase(i) : std::next(i);
    subscriptions.erase(sub);
    return;
  }
  }
}

void node_link::state::open(std::uint64_t link_id, subscription& sub, std::uint32_t credit) {
  auto made = core->subscribe(sub.address, credit, on_delivery(link_id, sub.consumer), session);
  sub.core_id = made ? *made : 0;
}

void node_link::state::settle(std::uint64_t tag, boa::bus::settlement how,
                              const std::string& reason) {
  if (stale_tags.erase(tag) != 0 || (!connected && delivered.count(tag) == 0)) {
    // The bridge ignores tags of a lost connection: the broker already took the message back.
    ++counters.dropped_settlements;
    events.record({"settle-dropped", node, settlement_name(how), reason});
    return;
  }
  auto known = delivered.erase(tag) != 0;
  if (known && how == boa::bus::settlement::accept && accept_random &&
      (*accept_random)() % 100 < lost_accept_percent) {
    // The accept is lost on its way, as only a failing connection loses a frame: the broker
    // keeps the message unsettled until the session ends, then delivers it again.
    ++counters.duplicated;
    events.record({"duplicate", node, std::to_string(tag)});
    return;
  }
  events.record({"settle", node, settlement_name(how), reason});
  core->settle(tag, how, reason);
}

void node_link::state::release_out() {
  while (!held_out.empty() && !outbound_blocked()) {
    auto op = std::move(held_out.front());
    held_out.pop_front();
    apply(std::move(op));
  }
}

} // namespace boa::sim
