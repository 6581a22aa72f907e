#pragma once

#include "actors/bus/broker_core.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace boa::test {

/// A run to interrupt: `count` messages published one by one to `queue:work`, whose one consumer
/// has credit for the first `credit` of them and accepts each delivery at once unless its number is
/// a multiple of 3. What must survive: the delivered multiples of 3 (unsettled), and every message
/// past the credit (never delivered), in publish order.
struct crash_scenario {
  int count = 1000;
  int credit = 600;

  static std::string body(int i) { return "m" + std::to_string(i); }

  /// Runs the scenario; false if the broker refused a publish or a settlement.
  bool run(bus::broker_core& broker) const {
    std::vector<bus::delivery> received;
    auto sub = broker.subscribe("queue:work", static_cast<std::uint32_t>(credit),
                                [&](bus::delivery d) { received.push_back(std::move(d)); });
    if (!sub)
      return false;
    for (int i = 0; i < count; ++i) {
      protocol::envelope m;
      m.address = "queue:work";
      m.subject = "step";
      m.message_id = "id-" + std::to_string(i);
      m.body = body(i);
      if (!broker.publish(std::move(m)))
        return false;
      if (i < credit && i % 3 != 0) {
        if (received.empty() || received.back().message.body != body(i))
          return false;
        if (!broker.settle(received.back().tag, bus::settlement::accept))
          return false;
      }
    }
    return true;
  }

  std::vector<std::string> survivors() const {
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i)
      if (i >= credit || i % 3 == 0)
        out.push_back(body(i));
    return out;
  }
};

} // namespace boa::test
