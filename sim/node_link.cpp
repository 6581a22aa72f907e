#include "sim/node_link.hpp"

#include "actors/messages.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>

namespace boa::sim {

namespace {

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

/// Ids the link gives subscriptions made while the broker cannot be asked for one, far from the
/// broker's own (which the link passes on otherwise, so that a link without faults is a plain bus).
constexpr std::uint64_t first_local_subscription = std::uint64_t{1} << 61;
/// Ids for subscriptions made after a crash.
constexpr std::uint64_t first_dead_subscription = std::uint64_t{1} << 62;

} // namespace

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
  return sum;
}

struct node_link::state : std::enable_shared_from_this<node_link::state> {
  /// A subscription as the actors know it; `core_id` is its subscription on the current session
  /// (0 while there is none: not yet made, or the session was lost).
  struct subscription {
    std::string address;
    caf::actor consumer;
    std::uint64_t unused = 0; ///< credit the consumer granted and no delivery used yet
    std::uint64_t core_id = 0;
    bool ended = false; ///< unsubscribed; the broker hears of it when outbound traffic flows
  };

  /// Something on its way to the node's actors. `local` ones come from the link itself (refused
  /// publishes), so only a hang holds them; the others come from the broker.
  struct inbound {
    enum class kind { delivery, confirm } what = kind::delivery;
    caf::actor to;
    boa::bus::delivery delivered;
    std::uint64_t token = 0;
    bool ok = false;
    std::string error;
    bool local = false;

    static inbound delivery_to(const caf::actor& consumer, boa::bus::delivery d) {
      inbound item;
      item.to = consumer;
      item.delivered = std::move(d);
      return item;
    }
    static inbound confirm_to(const caf::actor& to, std::uint64_t token, bool ok, std::string error,
                              bool local) {
      inbound item;
      item.what = kind::confirm;
      item.to = to;
      item.token = token;
      item.ok = ok;
      item.error = std::move(error);
      item.local = local;
      return item;
    }
  };

  /// Something the actors asked of the broker.
  struct outbound {
    enum class kind { publish, subscribe, credit, settle, unsubscribe } what;
    protocol::envelope message;
    caf::actor confirm_to;
    std::uint64_t token = 0;
    std::uint64_t subscription = 0;
    std::uint32_t n = 0;
    std::uint64_t tag = 0;
    boa::bus::settlement how = boa::bus::settlement::accept;
    std::string reason;

    explicit outbound(kind k) : what(k) {}
  };

  state(std::shared_ptr<boa::bus::broker_core> c, std::string n, std::uint64_t s, trace& t,
        boa::bus::clock_fn clk)
      : core(std::move(c)), node(std::move(n)), session(s), events(t), clock(std::move(clk)) {}

  std::shared_ptr<boa::bus::broker_core> core;
  std::string node;
  std::uint64_t session;
  trace& events;
  boa::bus::clock_fn clock;

  bool cut = false;
  bool frozen = false;
  bool partitioned_in = false;
  bool partitioned_out = false;
  bool connected = true;
  bool reconnect_pending = false;
  /// Counts sessions, so that deliveries the broker makes to a lost one are ignored.
  std::uint64_t generation = 0;
  std::optional<std::int64_t> silent_since;

  std::map<std::uint64_t, subscription> subscriptions;
  /// Deliveries handed to a subscription during its own `subscribe` call, before it had an entry.
  std::map<std::uint64_t, std::uint64_t> handed_before_known;
  /// Tags delivered on the current session and not settled yet -> subscription (link id).
  std::map<std::uint64_t, std::uint64_t> delivered;
  /// Tags of lost sessions the actors may still settle.
  std::set<std::uint64_t> stale_tags;
  std::deque<inbound> held_in;
  std::deque<outbound> held_out;
  /// Set while the broker makes a first subscription, which may deliver before it returns.
  bool subscribing = false;
  std::uint64_t next_local_subscription = first_local_subscription;
  std::uint64_t next_dead_subscription = first_dead_subscription;

  std::uint64_t redeliveries = 0;
  link_counters counters;
  bool early_accept = false;
  std::vector<std::uint64_t> early_accepts;

  std::optional<std::mt19937_64> accept_random;
  unsigned lost_accept_percent = 0;
  std::optional<std::mt19937_64> delay_random;
  std::int64_t max_delay_ms = 0;
  caf::actor courier;

  bool inbound_blocked() const { return frozen || partitioned_in; }
  bool outbound_blocked() const { return frozen || partitioned_out; }
  bool blocked() const { return inbound_blocked() || outbound_blocked(); }
  std::int64_t now() const { return clock ? clock() : 0; }

  void note_blocking(bool was_blocked) {
    if (!was_blocked && blocked() && connected)
      silent_since = now();
    if (!blocked())
      silent_since.reset();
  }

  // --- Broker to node ---

  /// The broker's callback for one subscription on session `gen`. `link_id`: the actors' id of
  /// the subscription, or 0 for the broker's own (a first subscribe, whose id the broker returns
  /// only after it may have delivered).
  boa::bus::deliver_fn on_delivery(std::uint64_t link_id, caf::actor consumer) {
    return [weak = weak_from_this(), link_id, consumer, gen = generation](boa::bus::delivery d) {
      auto self = weak.lock();
      if (!self || self->generation != gen)
        return; // a session that is gone: the broker releases it with the session
      self->delivered_by_broker(link_id, consumer, std::move(d));
    };
  }

  void delivered_by_broker(std::uint64_t link_id, const caf::actor& consumer,
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
      auto delay = static_cast<std::int64_t>((*delay_random)() %
                                             static_cast<std::uint64_t>(max_delay_ms + 1));
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

  /// The delivery reaches its consumer now, unless its session or subscription is gone.
  void hand_over(const caf::actor& consumer, boa::bus::delivery d) {
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

  void drop_delivery(const boa::bus::delivery& d, const char* why) {
    ++counters.dropped_deliveries;
    delivered.erase(d.tag);
    events.record({"drop-delivery", node, d.message.address, d.message.body, why});
  }

  /// A delayed delivery is due.
  void due(const caf::actor& consumer, boa::bus::delivery d) {
    if (cut)
      return;
    if (inbound_blocked() && delivered.count(d.tag) != 0) {
      hold_in(inbound::delivery_to(consumer, std::move(d)));
      return;
    }
    hand_over(consumer, std::move(d));
  }

  void confirm(const caf::actor& to, std::uint64_t token, bool ok, std::string error) {
    if (!to)
      return;
    if (inbound_blocked()) {
      hold_in(inbound::confirm_to(to, token, ok, std::move(error), false));
      return;
    }
    caf::anon_send(to, actors::published_atom::value, token, ok, std::move(error));
  }

  /// The link itself refuses a publish: the actors hear of it unless the process is hung.
  void refuse(const caf::actor& to, std::uint64_t token, const std::string& why) {
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

  void hold_in(inbound item) {
    ++counters.held;
    events.record({"hold", node, item.what == inbound::kind::delivery ? "delivery" : "confirm"});
    held_in.push_back(std::move(item));
  }

  /// Lets held inbound traffic through in order, as far as it can go now.
  void release_in() {
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

  // --- Node to broker ---

  void send_out(outbound op) {
    if (connected && outbound_blocked()) {
      ++counters.held;
      static const char* names[] = {"publish", "subscribe", "credit", "settle", "unsubscribe"};
      events.record({"hold", node, names[static_cast<int>(op.what)]});
      held_out.push_back(std::move(op));
      return;
    }
    apply(std::move(op));
  }

  /// One request reaches the broker, or, without a session, is answered as the bridge answers it.
  void apply(outbound op) {
    switch (op.what) {
    case outbound::kind::publish:
      if (!connected) {
        events.record({"refuse-publish", node, op.message.address, op.message.message_id});
        refuse(op.confirm_to, op.token, "no session");
        return;
      }
      {
        events.record({"publish", node, op.message.address, op.message.subject,
                       op.message.message_id, op.message.body});
        auto done = core->publish(std::move(op.message));
        confirm(op.confirm_to, op.token, done.has_value(),
                done ? std::string{} : done.error().message);
      }
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

  void open(std::uint64_t link_id, subscription& sub, std::uint32_t credit) {
    auto made = core->subscribe(sub.address, credit, on_delivery(link_id, sub.consumer), session);
    sub.core_id = made ? *made : 0;
  }

  void settle(std::uint64_t tag, boa::bus::settlement how, const std::string& reason) {
    if (stale_tags.erase(tag) != 0 || (!connected && delivered.count(tag) == 0)) {
      // The bridge ignores tags of a lost connection: the broker already took the message back.
      ++counters.dropped_settlements;
      events.record({"settle-dropped", node, settlement_name(how), reason});
      return;
    }
    auto known = delivered.erase(tag) != 0;
    if (known && how == boa::bus::settlement::accept && accept_random &&
        (*accept_random)() % 100 < lost_accept_percent) {
      // The accept is lost on its way: the broker delivers the message again.
      ++counters.duplicated;
      events.record({"duplicate", node, std::to_string(tag)});
      core->settle(tag, boa::bus::settlement::release);
      return;
    }
    events.record({"settle", node, settlement_name(how), reason});
    core->settle(tag, how, reason);
  }

  void release_out() {
    while (!held_out.empty() && !outbound_blocked()) {
      auto op = std::move(held_out.front());
      held_out.pop_front();
      apply(std::move(op));
    }
  }

  // --- Sessions ---

  void lose_session(const std::string& reason, bool close_on_broker, bool reconnect) {
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

  void try_reconnect() {
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

  void unblocked(bool was_blocked) {
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
};

node_link::node_link(std::shared_ptr<boa::bus::broker_core> core, std::string node,
                     std::uint64_t session, trace& events, boa::bus::clock_fn clock)
    : state_(std::make_shared<state>(std::move(core), std::move(node), session, events,
                                     std::move(clock))) {}

node_link::~node_link() {
  if (state_->courier)
    caf::anon_send_exit(state_->courier, caf::exit_reason::user_shutdown);
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
