#include "sim/node_link.hpp"

#include "sim/link_state.hpp"

#include "actors/messages.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <string>

namespace boa::sim {

const char* to_string(link_direction d) {
  switch (d) {
  case link_direction::inbound:
    return "inbound";
  case link_direction::outbound:
    return "outbound";
  case link_direction::both:
    break;
  }
  return "both";
}

link_counters& operator+=(link_counters& sum, const link_counters& more) {
  sum.held += more.held;
  sum.dropped_deliveries += more.dropped_deliveries;
  sum.dropped_settlements += more.dropped_settlements;
  sum.failed_publishes += more.failed_publishes;
  sum.duplicated += more.duplicated;
  sum.delayed += more.delayed;
  sum.sessions_lost += more.sessions_lost;
  sum.reconnects += more.reconnects;
  sum.lost_in_flight += more.lost_in_flight;
  return sum;
}

node_link::node_link(std::shared_ptr<boa::bus::broker_core> core, std::string node,
                     std::uint64_t session, trace& events, boa::bus::clock_fn clock)
    : state_(std::make_shared<state>(std::move(core), std::move(node), session, events,
                                     std::move(clock))) {}

node_link::~node_link() {
  if (state_->courier)
    caf::anon_send_exit(state_->courier, caf::exit_reason::user_shutdown);
  if (state_->wire)
    caf::anon_send_exit(state_->wire, caf::exit_reason::user_shutdown);
}

void node_link::publish(protocol::envelope message, const caf::actor& confirm_to,
                        std::uint64_t token) {
  if (state_->cut)
    return; // lost with the connection: never confirmed
  state::outbound op{state::outbound::kind::publish};
  op.message = std::move(message);
  op.confirm_to = confirm_to;
  op.token = token;
  state_->send_out(std::move(op));
}

expected<std::uint64_t> node_link::subscribe(const std::string& address, const caf::actor& consumer,
                                             std::uint32_t credit) {
  auto& s = *state_;
  if (s.cut)
    return s.next_dead_subscription++; // as on a dead connection not yet noticed: nothing arrives
  if (s.connected && !s.outbound_blocked()) {
    s.events.record({"subscribe", s.node, address});
    s.subscribing = true;
    auto made = s.core->subscribe(address, credit, s.on_delivery(0, consumer), s.session);
    s.subscribing = false;
    if (!made)
      return made;
    auto& sub = s.subscriptions[*made];
    sub = {address, consumer, credit, *made};
    if (auto early = s.handed_before_known.find(*made); early != s.handed_before_known.end()) {
      sub.unused -= std::min<std::uint64_t>(sub.unused, early->second);
      s.handed_before_known.erase(early);
    }
    return made;
  }
  // The broker hears of it when traffic flows, or on the next session.
  auto id = s.next_local_subscription++;
  s.subscriptions[id] = {address, consumer, credit, 0};
  state::outbound op{state::outbound::kind::subscribe};
  op.subscription = id;
  op.n = credit;
  if (s.connected)
    s.send_out(std::move(op));
  return id;
}

void node_link::add_credit(std::uint64_t subscription, std::uint32_t n) {
  auto& s = *state_;
  if (s.cut)
    return;
  if (auto sub = s.subscriptions.find(subscription); sub != s.subscriptions.end())
    sub->second.unused += n; // kept for the next session too, as the bridge keeps it
  state::outbound op{state::outbound::kind::credit};
  op.subscription = subscription;
  op.n = n;
  s.send_out(std::move(op));
}

void node_link::settle(std::uint64_t tag, boa::bus::settlement how, const std::string& reason) {
  if (state_->cut)
    return;
  state::outbound op{state::outbound::kind::settle};
  op.tag = tag;
  op.how = how;
  op.reason = reason;
  state_->send_out(std::move(op));
}

void node_link::unsubscribe(std::uint64_t subscription) {
  auto& s = *state_;
  if (s.cut)
    return;
  auto sub = s.subscriptions.find(subscription);
  if (sub == s.subscriptions.end())
    return;
  sub->second.ended = true;
  state::outbound op{state::outbound::kind::unsubscribe};
  op.subscription = subscription;
  s.send_out(std::move(op));
}

void node_link::freeze() {
  auto& s = *state_;
  if (s.cut || s.frozen)
    return;
  auto was_blocked = s.blocked();
  s.frozen = true;
  s.events.record({"freeze", s.node});
  s.note_blocking(was_blocked);
}

void node_link::thaw() {
  auto& s = *state_;
  if (s.cut || !s.frozen)
    return;
  auto was_blocked = s.blocked();
  s.frozen = false;
  s.events.record({"thaw", s.node});
  s.unblocked(was_blocked);
}

bool node_link::frozen() const {
  return state_->frozen;
}

void node_link::partition(link_direction direction) {
  auto& s = *state_;
  if (s.cut)
    return;
  auto was_blocked = s.blocked();
  if (direction != link_direction::outbound)
    s.partitioned_in = true;
  if (direction != link_direction::inbound)
    s.partitioned_out = true;
  s.events.record({"partition", s.node, to_string(direction)});
  s.note_blocking(was_blocked);
}

void node_link::heal() {
  auto& s = *state_;
  if (s.cut || (!s.partitioned_in && !s.partitioned_out))
    return;
  auto was_blocked = s.blocked();
  s.partitioned_in = s.partitioned_out = false;
  s.events.record({"heal", s.node});
  s.unblocked(was_blocked);
}

bool node_link::inbound_blocked() const {
  return state_->inbound_blocked();
}

bool node_link::outbound_blocked() const {
  return state_->outbound_blocked();
}

std::optional<std::int64_t> node_link::silent_since_ms() const {
  if (state_->cut || !state_->connected)
    return std::nullopt;
  return state_->silent_since;
}

bool node_link::expire_if_silent(std::int64_t now_ms, std::int64_t idle_timeout_ms) {
  auto since = silent_since_ms();
  if (!since || now_ms - *since < idle_timeout_ms)
    return false;
  drop_session("idle timeout", true);
  return true;
}

void node_link::drop_session(const std::string& reason, bool reconnect) {
  state_->lose_session(reason, true, reconnect);
}

void node_link::session_ended(const std::string& reason, bool reconnect) {
  state_->lose_session(reason, false, reconnect);
}

void node_link::reconnect() {
  state_->try_reconnect();
}

bool node_link::connected() const {
  return !state_->cut && state_->connected;
}

void node_link::lose_accepts(std::uint64_t seed, unsigned percent) {
  state_->accept_random.emplace(seed);
  state_->lost_accept_percent = percent;
}

void node_link::delay_deliveries(caf::actor_system& system, std::uint64_t seed,
                                 std::int64_t max_ms) {
  auto& s = *state_;
  s.delay_random.emplace(seed);
  s.max_delay_ms = max_ms < 0 ? 0 : max_ms;
  if (s.courier)
    return;
  // Delayed deliveries travel through an actor of the link's own, so that whether they may still
  // be handed over is decided when they are due.
  s.courier = system.spawn([weak = std::weak_ptr<state>(state_)](caf::event_based_actor*) {
    return caf::behavior{
        [weak](actors::delivery_atom, const caf::actor& consumer, boa::bus::delivery d) {
          if (auto self = weak.lock())
            self->due(consumer, std::move(d));
        }};
  });
}

void node_link::carry_publishes(caf::actor_system& system) {
  auto& s = *state_;
  if (s.wire)
    return;
  s.wire = system.spawn([weak = std::weak_ptr<state>(state_)](caf::event_based_actor*) {
    return caf::behavior{[weak](state::arrive_atom) {
      if (auto self = weak.lock())
        self->arrive();
    }};
  });
}

void node_link::confirm_on_send() {
  state_->early_confirm = true;
}

void node_link::accept_on_arrival() {
  state_->early_accept = true;
}

void node_link::flush_early_accepts() {
  auto& s = *state_;
  if (!s.early_accept)
    return;
  auto tags = std::move(s.early_accepts);
  s.early_accepts.clear();
  if (s.cut)
    return;
  for (auto tag : tags) {
    s.events.record({"settle", s.node, "accept", "on arrival (planted bug)"});
    s.delivered.erase(tag);
    s.core->settle(tag, boa::bus::settlement::accept);
  }
}

void node_link::cut() {
  auto& s = *state_;
  if (s.cut)
    return;
  s.cut = true;
  s.events.record({"crash", s.node});
  s.core->close_session(s.session);
  s.held_in.clear();
  s.held_out.clear();
  s.delivered.clear();
}

bool node_link::holds(std::uint64_t tag) const {
  const auto& s = *state_;
  return !s.cut && s.stale_tags.count(tag) == 0;
}

bool node_link::cut_off() const {
  return state_->cut;
}

std::uint64_t node_link::redeliveries() const {
  return state_->redeliveries;
}

link_counters node_link::counters() const {
  return state_->counters;
}

} // namespace boa::sim
