#pragma once

#include "protocol/envelope.hpp"
#include "protocol/expected.hpp"
#include "runtime/amqp/amqp_bridge.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace boa::amqp::test {

/// The error of a failed `expected`, for a test message (empty for a value).
template <class T> std::string why(const boa::expected<T>& e) {
  return e ? std::string() : e.error().message;
}

inline std::string url_of(std::uint16_t port) {
  return "amqp://127.0.0.1:" + std::to_string(port);
}

inline protocol::envelope message_to(const std::string& address, int n) {
  protocol::envelope e;
  e.address = address;
  e.subject = "test";
  e.message_id = "m-" + std::to_string(n);
  e.body = R"({"v":1,"type":"test","n":)" + std::to_string(n) + "}";
  return e;
}

/// A bridge as the tests want it: quick to retry, every connection event recorded.
struct recorded_events {
  std::mutex mutex;
  std::vector<bridge_connection_event> events;

  std::size_t count(bridge_connection_event::kind what) {
    std::lock_guard guard{mutex};
    return std::count_if(events.begin(), events.end(),
                         [&](const auto& e) { return e.what == what; });
  }
};

inline bridge_options options_for(std::uint16_t port,
                                  std::shared_ptr<recorded_events> record = {}) {
  bridge_options options;
  options.url = url_of(port);
  options.container_id = "boa-bridge-test";
  options.connect_timeout = std::chrono::milliseconds(5000);
  options.reconnect_min = std::chrono::milliseconds(20);
  options.reconnect_max = std::chrono::milliseconds(200);
  if (record)
    options.on_event = [record](const bridge_connection_event& e) {
      std::lock_guard guard{record->mutex};
      record->events.push_back(e);
    };
  return options;
}

} // namespace boa::amqp::test
