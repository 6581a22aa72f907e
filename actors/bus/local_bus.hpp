#pragma once

#include "actors/bus/bus.hpp"

#include <cstddef>
#include <memory>

namespace boa::metrics {
class node_metrics;
}

namespace boa::bus {

/// The bus of a single process (`boad run`, tests): the broker core, with deliveries and publish
/// confirmations turned into actor messages. A message body over `max_message_bytes` (0: no
/// limit) is refused as the AMQP bridge refuses it (`publish_over_limit`): not published, and
/// confirmed not ok with the reason.
class local_bus final : public bus {
public:
  explicit local_bus(std::shared_ptr<broker_core> core = std::make_shared<broker_core>(),
                     std::size_t max_message_bytes = 0);

  void publish(protocol::envelope message, const caf::actor& confirm_to,
               std::uint64_t token) override;
  expected<std::uint64_t> subscribe(const std::string& address, const caf::actor& consumer,
                                    std::uint32_t credit) override;
  void add_credit(std::uint64_t subscription, std::uint32_t n) override;
  void settle(std::uint64_t tag, settlement how, const std::string& reason = {}) override;
  void unsubscribe(std::uint64_t subscription) override;

  broker_core& core() { return *core_; }

  /// Counts deliveries (by address) and the time publishes take to be confirmed in `metrics`
  /// (may be null) from now on: set it before anyone subscribes. Not thread-safe.
  void meter(metrics::node_metrics* metrics) { metrics_ = metrics; }

private:
  std::shared_ptr<broker_core> core_;
  std::size_t max_message_bytes_;
  metrics::node_metrics* metrics_ = nullptr;
};

} // namespace boa::bus
