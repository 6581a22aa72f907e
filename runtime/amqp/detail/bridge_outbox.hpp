#pragma once

#include "actors/bus/broker_core.hpp"

#include <caf/actor.hpp>

#include <proton/work_queue.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace boa::amqp::detail {

/// A message to send, encoded on the caller's thread so that the container thread only copies
/// bytes; `id` becomes its AMQP delivery tag.
struct publish_op {
  std::uint64_t id = 0;
  std::string address; ///< AMQP form
  std::vector<char> bytes;
  caf::actor confirm_to;
  std::uint64_t token = 0;
  /// When the caller published, if the time to the broker's answer is measured.
  std::chrono::steady_clock::time_point published{};
};

struct subscribe_op {
  std::uint64_t subscription = 0;
  std::string logical;
  std::string address; ///< AMQP form
  caf::actor consumer;
  std::uint32_t credit = 0;
};

struct credit_op {
  std::uint64_t subscription = 0;
  std::uint32_t n = 0;
};

struct settle_op {
  std::uint64_t tag = 0;
  bus::settlement how = bus::settlement::accept;
  std::string reason;
};

struct unsubscribe_op {
  std::uint64_t subscription = 0;
};

/// What a caller asks of the bridge, in the order it asked.
using bridge_op = std::variant<publish_op, subscribe_op, credit_op, settle_op, unsubscribe_op>;

/// The operations of every caller on their way to the container thread. Callers only append and,
/// at most once per batch, wake the open connection's work queue; the container thread takes the
/// whole batch at once. Thread-safe.
class bridge_outbox {
public:
  /// A connection opened: from now on a batch wakes `queue` with `drain` (on the container thread,
  /// in the connection's context, so what it sends is flushed).
  void attach(proton::work_queue& queue, std::function<void()> drain);
  /// The connection is gone (its work queue with it): returns what was still waiting. Until the
  /// next `attach`, `push_publish` refuses with `why`; other operations wait for the connection.
  std::vector<bridge_op> detach(std::string why);
  /// The bridge is closing: every later push is refused with `why`.
  void close(std::string why);

  /// Queues a publish while a connection is open; otherwise returns why it cannot be sent.
  std::optional<std::string> push_publish(publish_op op);
  /// Queues any other operation; false once the outbox was closed.
  bool push(bridge_op op);
  /// Runs `work` in the open connection's context; false without an open connection.
  bool run_on_connection(std::function<void()> work);

  /// Everything queued so far (container thread).
  std::vector<bridge_op> take();

private:
  void wake();

  std::mutex mutex_;
  std::vector<bridge_op> items_;
  proton::work_queue* queue_ = nullptr; ///< the open connection's, null without one
  std::function<void()> drain_;
  bool wake_pending_ = false;
  bool closed_ = false;
  std::string down_reason_ = "not connected yet";
};

} // namespace boa::amqp::detail
