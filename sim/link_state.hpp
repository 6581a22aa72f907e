#pragma once

#include "sim/node_link.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace boa::sim {

/// The trace's name of a settlement.
const char* settlement_name(boa::bus::settlement how);

/// What one node's link knows of its connection: the subscriptions as its actors know them, the
/// traffic a hang or a partition holds, the tags of the current session and the faults
/// configured. Traffic (link_traffic.cpp): what crosses between the actors and the broker.
/// Sessions (link_session.cpp): losing one and reconnecting as the AMQP bridge does.
struct node_link::state : std::enable_shared_from_this<node_link::state> {
  /// Ids the link gives subscriptions made while the broker cannot be asked for one, far from
  /// the broker's own (which the link passes on otherwise, so that a link without faults is a
  /// plain bus).
  static constexpr std::uint64_t first_local_subscription = std::uint64_t{1} << 61;
  /// Ids for subscriptions made after a crash.
  static constexpr std::uint64_t first_dead_subscription = std::uint64_t{1} << 62;

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

  /// Publishes on their way to the broker (`carry_publishes`), in order; each carries the
  /// session it was sent on.
  struct in_flight {
    outbound op;
    std::uint64_t generation = 0;
  };
  std::deque<in_flight> on_the_wire;
  /// How long a publish takes to reach the broker: long enough for a crash to fall in between.
  static constexpr std::chrono::milliseconds wire_latency{1};
  caf::actor wire;
  /// The planted bug: publishes are confirmed when sent, not when the broker has them.
  bool early_confirm = false;

  /// The next publish on the wire reaches the broker, unless its connection is gone.
  void arrive();
  /// Tells the wire actor that a publish is on its way.
  using arrive_atom = caf::atom_constant<caf::atom("arrive")>;

  bool inbound_blocked() const { return frozen || partitioned_in; }
  bool outbound_blocked() const { return frozen || partitioned_out; }
  bool blocked() const { return inbound_blocked() || outbound_blocked(); }
  std::int64_t now() const { return clock ? clock() : 0; }

  void note_blocking(bool was_blocked);

  // --- Broker to node ---

  /// The broker's callback for one subscription on session `gen`. `link_id`: the actors' id of
  /// the subscription, or 0 for the broker's own (a first subscribe, whose id the broker returns
  /// only after it may have delivered).
  boa::bus::deliver_fn on_delivery(std::uint64_t link_id, caf::actor consumer);

  /// Hands a delivery on: held while inbound traffic is, after its delay, or at once.
  void delivered_by_broker(std::uint64_t link_id, const caf::actor& consumer, boa::bus::delivery d);

  /// The delivery reaches its consumer now, unless its session or subscription is gone.
  void hand_over(const caf::actor& consumer, boa::bus::delivery d);

  void drop_delivery(const boa::bus::delivery& d, const char* why);

  /// A delayed delivery is due.
  void due(const caf::actor& consumer, boa::bus::delivery d);

  void confirm(const caf::actor& to, std::uint64_t token, bool ok, std::string error);

  /// The link itself refuses a publish: the actors hear of it unless the process is hung.
  void refuse(const caf::actor& to, std::uint64_t token, const std::string& why);

  void hold_in(inbound item);

  /// Lets held inbound traffic through in order, as far as it can go now.
  void release_in();

  // --- Node to broker ---

  void send_out(outbound op);

  /// One request reaches the broker, or, without a session, is answered as the bridge answers it.
  /// Publishes go on the wire first when the link carries them (`carry_publishes`).
  void apply(outbound op);
  void publish_now(outbound op);

  void open(std::uint64_t link_id, subscription& sub, std::uint32_t credit);

  void settle(std::uint64_t tag, boa::bus::settlement how, const std::string& reason);

  void release_out();

  // --- Sessions ---

  void lose_session(const std::string& reason, bool close_on_broker, bool reconnect);

  void try_reconnect();

  void unblocked(bool was_blocked);
};

} // namespace boa::sim
