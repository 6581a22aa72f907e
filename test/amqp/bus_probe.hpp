#pragma once

#include "actors/bus/broker_core.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace boa::amqp::test {

/// How a bus confirmed a publish.
struct confirmation {
  bool ok = false;
  std::string error;
};

/// A CAF actor that records what a bus sends it, `(delivery_atom, delivery)` and
/// `(published_atom, token, ok, error)`, for a test thread to wait on.
class bus_probe {
public:
  static constexpr std::chrono::seconds timeout{10};

  explicit bus_probe(caf::actor_system& system);
  /// Stops the actor.
  ~bus_probe();
  bus_probe(const bus_probe&) = delete;
  bus_probe& operator=(const bus_probe&) = delete;

  const caf::actor& actor() const { return actor_; }

  /// The next delivery, in arrival order; empty if none came within `timeout`.
  std::optional<bus::delivery> next_delivery();
  /// Deliveries received and not taken yet.
  std::size_t deliveries_waiting() const;
  /// The confirmation of the publish with `token`; empty if none came within `timeout`.
  std::optional<confirmation> confirmation_of(std::uint64_t token);
  /// Confirmations received so far.
  std::size_t confirmations() const;

private:
  struct record {
    mutable std::mutex mutex;
    std::condition_variable changed;
    std::deque<bus::delivery> deliveries;
    std::map<std::uint64_t, confirmation> confirmations;
  };
  std::shared_ptr<record> record_ = std::make_shared<record>();
  caf::actor actor_;
};

/// Waits (up to 10 s, polling) until `condition` holds; returns whether it did.
bool eventually(const std::function<bool()>& condition);

} // namespace boa::amqp::test
