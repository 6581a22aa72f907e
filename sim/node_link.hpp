#pragma once

#include "actors/bus/bus.hpp"
#include "sim/trace.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boa::sim {

/// Which way a partition between a node and the broker stops traffic.
enum class link_direction {
  inbound,  ///< broker to node: deliveries and publish confirmations
  outbound, ///< node to broker: publishes, settlements, credit, subscriptions
  both,
};

const char* to_string(link_direction d);

/// What a link's faults did, for the run's summary.
struct link_counters {
  std::uint64_t held = 0;                ///< traffic held by a hang or a partition
  std::uint64_t dropped_deliveries = 0;  ///< held deliveries lost with their session
  std::uint64_t dropped_settlements = 0; ///< settlements of tags of a lost session
  std::uint64_t failed_publishes = 0;    ///< publishes confirmed not ok because a session was lost
  std::uint64_t duplicated = 0;          ///< accepts that never reached the broker (redelivered)
  std::uint64_t delayed = 0;             ///< deliveries handed over after a delay
  std::uint64_t sessions_lost = 0;       ///< idle timeouts and broker restarts
  std::uint64_t reconnects = 0;
  std::uint64_t lost_in_flight = 0; ///< publishes a crash took before the broker had them
};

/// Adds `more` to `sum` (a run's totals over its links).
link_counters& operator+=(link_counters& sum, const link_counters& more);

/// One simulated node's connection to the shared broker core: the bus its actors see. Its
/// subscriptions form one broker session, so a crash closes them all at once and the broker
/// releases every delivery the node held unsettled. Every publish, delivery and settlement is
/// recorded in the run's trace, and so is every fault.
///
/// The faults behave as the AMQP bridge (runtime/amqp) behaves over a real connection:
/// - a hang (`freeze`) or a partition (`partition`) holds traffic in order, as TCP holds bytes
///   until the connection is declared dead; `thaw`/`heal` let it through;
/// - a session the broker drops (`expire_if_silent`, `drop_session`, `restart_broker`) is lost:
///   deliveries still held never reach the actors (the broker released them), publishes sent or
///   held are confirmed not ok and never re-sent, settlements of its tags are dropped, credit the
///   actors add is kept for the next session;
/// - on reconnecting, every live subscription is made again on a new session with the credit its
///   consumer has not used (deliveries it still holds give theirs back as it settles them and
///   adds credit); the actors keep their subscription ids.
/// Without faults configured, the link behaves (and traces) exactly as a plain in-memory bus.
class node_link final : public boa::bus::bus {
public:
  /// `clock`: the virtual time in milliseconds, for `silent_since_ms` (0 without one).
  node_link(std::shared_ptr<boa::bus::broker_core> core, std::string node, std::uint64_t session,
            trace& events, boa::bus::clock_fn clock = {});
  ~node_link() override;
  node_link(const node_link&) = delete;
  node_link& operator=(const node_link&) = delete;

  void publish(protocol::envelope message, const caf::actor& confirm_to,
               std::uint64_t token) override;
  expected<std::uint64_t> subscribe(const std::string& address, const caf::actor& consumer,
                                    std::uint32_t credit) override;
  void add_credit(std::uint64_t subscription, std::uint32_t n) override;
  void settle(std::uint64_t tag, boa::bus::settlement how, const std::string& reason = {}) override;
  void unsubscribe(std::uint64_t subscription) override;
  /// False for a tag of a lost session (or of a crashed node), as the bridge says.
  bool holds(std::uint64_t tag) const override;

  // --- Hang ---
  /// The node's process stops while its connection stays open: what the broker delivers, and the
  /// confirmations of publishes, wait in the link; what the actors do on the bus waits too. The
  /// scheduler is expected to stop running the node's actors meanwhile.
  void freeze();
  /// Lets everything held through, in order (outbound first, as the process catches up with what
  /// it had written), and reconnects if the session was lost meanwhile.
  void thaw();
  bool frozen() const;

  // --- Partition ---
  /// Stops traffic in `direction` (adding to a partition already in place); the actors keep
  /// running. Traffic is held, not lost, until `heal` or until the session is dropped.
  void partition(link_direction direction);
  /// Ends the partition: held traffic goes through in order, a lost session reconnects.
  void heal();
  bool inbound_blocked() const;
  bool outbound_blocked() const;

  // --- Idle timeout and sessions ---
  /// Since when (virtual ms) no traffic can cross in one direction at least (a hang or a
  /// partition), so that one side's idle timeout will fire; none if traffic flows or the session
  /// is already lost.
  std::optional<std::int64_t> silent_since_ms() const;
  /// Drops the session (`drop_session`) if the link has been silent for `idle_timeout_ms` at
  /// `now_ms`; true if it did. The link reconnects by itself once traffic can flow again.
  bool expire_if_silent(std::int64_t now_ms, std::int64_t idle_timeout_ms);
  /// The connection is declared dead now: the broker closes the session (its unsettled deliveries
  /// go back to their queues) and the link forgets it (see the class comment). With `reconnect`,
  /// the link makes a new session as soon as traffic can flow (at once if it can); without, only
  /// when `reconnect()` is called.
  void drop_session(const std::string& reason, bool reconnect = true);
  /// The broker already ended the session (a broker restart): as `drop_session`, without asking
  /// the broker to close it.
  void session_ended(const std::string& reason, bool reconnect);
  /// Makes a new session now (or as soon as traffic can flow) if the session was lost.
  void reconnect();
  bool connected() const;

  // --- Duplicate delivery ---
  /// From now on, each accept reaches the broker with `percent` % probability drawn from `seed`;
  /// the others are lost, as frames are lost only on a failing connection: the broker keeps the
  /// message unsettled until the session ends (`drop_session`), then redelivers it (delivery
  /// count + 1).
  void lose_accepts(std::uint64_t seed, unsigned percent);

  // --- Delay and reordering ---
  /// From now on, each delivery reaches its consumer after a delay drawn from `seed` in
  /// [0, `max_ms`] of `system`'s clock (virtual under the test coordinator), so deliveries can
  /// overtake each other. A delivery whose session or subscription ended meanwhile is dropped, as
  /// its bytes would be.
  void delay_deliveries(caf::actor_system& system, std::uint64_t seed, std::int64_t max_ms);

  // --- Publishes in flight ---
  /// From now on, a publish travels as a message of `system` (scheduled like any other) before
  /// it reaches the broker, as bytes take time on a connection: a crash in between loses it, and
  /// its confirmation comes only once the broker has it.
  void carry_publishes(caf::actor_system& system);
  /// The planted bug of `simulation_options::planted_early_confirm`: a publish is confirmed as
  /// soon as it is sent (with `carry_publishes`), as a bridge that confirmed what it had only
  /// buffered would; a crash before it arrives loses a message the node already counted as
  /// published.
  void confirm_on_send();

  /// The planted bug of `simulation_options::planted_early_accept`: deliveries are accepted on
  /// arrival (by `flush_early_accepts`, as the broker's callbacks must not call back into it),
  /// and the node's own later settlement of them does nothing.
  void accept_on_arrival();
  /// Accepts what arrived since the last call (with `accept_on_arrival`); call it outside the
  /// broker's callbacks, e.g. after every scheduler step.
  void flush_early_accepts();

  /// The node is gone: its session closes (unsettled deliveries go back to their queues) and
  /// whatever its actors still do on the bus is lost, as on a dead connection. Final.
  void cut();
  bool cut_off() const;
  /// Deliveries of messages the broker had delivered before (to this node or another).
  std::uint64_t redeliveries() const;
  link_counters counters() const;

  struct state;

private:
  /// Shared with the broker's delivery callbacks and delayed hand-overs, which may outlive the
  /// link.
  std::shared_ptr<state> state_;
};

} // namespace boa::sim
