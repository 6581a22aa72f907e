#pragma once

#include "actors/bus/bus.hpp"
#include "sim/trace.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace boa::sim {

/// One simulated node's connection to the shared broker core: the bus its actors see. Its
/// subscriptions form one broker session, so a crash closes them all at once and the broker
/// releases every delivery the node held unsettled. Every publish, delivery and settlement is
/// recorded in the run's trace.
class node_link final : public boa::bus::bus {
public:
  node_link(std::shared_ptr<boa::bus::broker_core> core, std::string node, std::uint64_t session,
            trace& events);

  void publish(protocol::envelope message, const caf::actor& confirm_to,
               std::uint64_t token) override;
  expected<std::uint64_t> subscribe(const std::string& address, const caf::actor& consumer,
                                    std::uint32_t credit) override;
  void add_credit(std::uint64_t subscription, std::uint32_t n) override;
  void settle(std::uint64_t tag, boa::bus::settlement how, const std::string& reason = {}) override;
  void unsubscribe(std::uint64_t subscription) override;

  /// The planted bug of `simulation_options::planted_early_accept`: deliveries are accepted on
  /// arrival (by `flush_early_accepts`, as the broker's callbacks must not call back into it),
  /// and the node's own later settlement of them does nothing.
  void accept_on_arrival() { early_accepts_ = std::make_shared<std::vector<std::uint64_t>>(); }
  /// Accepts what arrived since the last call (with `accept_on_arrival`); call it outside the
  /// broker's callbacks, e.g. after every scheduler step.
  void flush_early_accepts();

  /// The node is gone: its session closes (unsettled deliveries go back to their queues) and
  /// whatever its actors still do on the bus is lost, as on a dead connection.
  void cut();
  bool cut_off() const { return cut_; }
  /// Deliveries of messages the broker had delivered before (to this node or another).
  std::uint64_t redeliveries() const { return *redeliveries_; }

private:
  std::shared_ptr<boa::bus::broker_core> core_;
  std::string node_;
  std::uint64_t session_;
  trace& trace_;
  bool cut_ = false;
  /// Shared with the broker's delivery callbacks, which may outlive the link.
  std::shared_ptr<std::uint64_t> redeliveries_ = std::make_shared<std::uint64_t>(0);
  /// Tags that arrived and are to be accepted at once (planted bug); null when off.
  std::shared_ptr<std::vector<std::uint64_t>> early_accepts_;
  /// Ids for subscriptions made after the cut, far from the broker's own.
  std::uint64_t next_dead_subscription_ = std::uint64_t{1} << 62;
};

} // namespace boa::sim
