#include "actors/bus/local_bus.hpp"

#include "actors/bus/publish_limit.hpp"
#include "actors/messages.hpp"
#include "actors/metrics/node_metrics.hpp"

#include <caf/send.hpp>

#include <chrono>

namespace boa::bus {

local_bus::local_bus(std::shared_ptr<broker_core> core, std::size_t max_message_bytes)
    : core_(std::move(core)), max_message_bytes_(max_message_bytes) {}

void local_bus::publish(protocol::envelope message, const caf::actor& confirm_to,
                        std::uint64_t token) {
  if (auto too_large = publish_over_limit(message, max_message_bytes_)) {
    if (confirm_to)
      caf::anon_send(confirm_to, actors::published_atom::value, token, false,
                     std::move(*too_large));
    return;
  }
  const bool timed = metrics_ && confirm_to;
  const auto start =
      timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
  auto done = core_->publish(std::move(message));
  if (timed)
    metrics_->publish_seconds().observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (confirm_to)
    caf::anon_send(confirm_to, actors::published_atom::value, token, done.has_value(),
                   done ? std::string{} : done.error().message);
}

expected<std::uint64_t> local_bus::subscribe(const std::string& address, const caf::actor& consumer,
                                             std::uint32_t credit) {
  auto counted = metrics_ ? metrics_->deliveries_from(address) : metrics::delivery_meter{};
  return core_->subscribe(address, credit, [consumer, counted](delivery d) {
    counted.count(d.message.delivery_count);
    caf::anon_send(consumer, actors::delivery_atom::value, std::move(d));
  });
}

void local_bus::add_credit(std::uint64_t subscription, std::uint32_t n) {
  core_->add_credit(subscription, n);
}

void local_bus::settle(std::uint64_t tag, settlement how, const std::string& reason) {
  core_->settle(tag, how, reason);
}

void local_bus::unsubscribe(std::uint64_t subscription) {
  core_->unsubscribe(subscription);
}

} // namespace boa::bus
