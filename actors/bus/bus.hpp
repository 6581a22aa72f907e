#pragma once

#include "actors/bus/broker_core.hpp"

#include <caf/actor.hpp>

#include <cstdint>
#include <string>

namespace boa::bus {

/// The bus seam as actors see it. Deliveries reach the consumer actor as
/// `(delivery_atom, bus::delivery)`; a publish is confirmed to `confirm_to` (when valid) as
/// `(published_atom, token, bool ok, std::string error)` once the broker has taken responsibility
/// for the message. Implementations: the in-process bus over `broker_core`, the AMQP bridge, and
/// the simulator's faulty broker. All methods are thread-safe and never block on the network.
class bus {
public:
  virtual ~bus() = default;

  virtual void publish(protocol::envelope message, const caf::actor& confirm_to,
                       std::uint64_t token) = 0;
  virtual expected<std::uint64_t> subscribe(const std::string& address, const caf::actor& consumer,
                                            std::uint32_t credit) = 0;
  virtual void add_credit(std::uint64_t subscription, std::uint32_t n) = 0;
  virtual void settle(std::uint64_t tag, settlement how, const std::string& reason = {}) = 0;
  virtual void unsubscribe(std::uint64_t subscription) = 0;

  /// Whether the delivery `tag` is still the consumer's to settle. False once the broker has
  /// taken it back unsettled (the connection or link it came on was lost): the broker delivers
  /// it again, to this node or another, and whatever the consumer made of it must not be
  /// published, or the job would go on twice. Also false once settled. A bus that never loses
  /// a delivery it handed out says true.
  virtual bool holds(std::uint64_t tag) const {
    (void)tag;
    return true;
  }
};

} // namespace boa::bus
