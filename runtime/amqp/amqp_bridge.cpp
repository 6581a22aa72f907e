#include "runtime/amqp/amqp_bridge.hpp"

#include "runtime/amqp/detail/bridge_state.hpp"

namespace boa::amqp {

expected<std::unique_ptr<bridge>> bridge::connect(bridge_options options) {
  auto endpoint = detail::parse_bridge_url(options.url);
  if (!endpoint)
    return endpoint.error();
  if (options.connect_timeout.count() <= 0)
    return error{errc::invalid_input, "amqp bridge: the connect timeout must be positive"};
  if (options.reconnect_min.count() <= 0 || options.reconnect_max < options.reconnect_min)
    return error{errc::invalid_input,
                 "amqp bridge: the reconnect backoff needs 0 < reconnect_min <= reconnect_max"};
  if (options.idle_timeout.count() < 0)
    return error{errc::invalid_input, "amqp bridge: the idle timeout must not be negative"};
  auto state = std::make_unique<detail::bridge_state>(std::move(options), std::move(*endpoint));
  if (auto started = state->start(); !started)
    return started.error();
  return std::unique_ptr<bridge>(new bridge(std::move(state)));
}

bridge::bridge(std::unique_ptr<detail::bridge_state> state) : state_(std::move(state)) {}

bridge::~bridge() = default;

void bridge::publish(protocol::envelope message, const caf::actor& confirm_to,
                     std::uint64_t token) {
  state_->publish(std::move(message), confirm_to, token);
}

expected<std::uint64_t> bridge::subscribe(const std::string& address, const caf::actor& consumer,
                                          std::uint32_t credit) {
  return state_->subscribe(address, consumer, credit);
}

void bridge::add_credit(std::uint64_t subscription, std::uint32_t n) {
  state_->add_credit(subscription, n);
}

void bridge::settle(std::uint64_t tag, ::boa::bus::settlement how, const std::string& reason) {
  state_->settle(tag, how, reason);
}

void bridge::unsubscribe(std::uint64_t subscription) {
  state_->unsubscribe(subscription);
}

bool bridge::holds(std::uint64_t tag) const {
  return state_->holds(tag);
}

bool bridge::connected() const {
  return state_->connected();
}

void bridge::close() {
  state_->close();
}

} // namespace boa::amqp
