#pragma once

#include "protocol/envelope.hpp"
#include "protocol/expected.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace boa::bus {

/// How a consumer settles a delivery.
enum class settlement {
  accept,  ///< done with it: the broker forgets the message
  release, ///< not handled: back to the head of its queue, for any consumer
  reject,  ///< cannot be handled: moved to `queue:boa.dead` with the reason
};

/// One message handed to one subscription; it stays unsettled until `settle` or until the
/// subscription (or its session) goes away, which releases it.
struct delivery {
  std::uint64_t subscription = 0;
  std::uint64_t tag = 0;
  protocol::envelope message;
};

using deliver_fn = std::function<void(delivery)>;

struct queue_stats {
  std::size_t ready = 0;     ///< waiting for a consumer
  std::size_t unsettled = 0; ///< delivered, not yet settled
  std::size_t consumers = 0;
};

/// The semantics every bus implementation provides, written once without I/O: named queues with
/// competing consumers and credit, fan-out topics (each subscription gets its own copy), deliveries
/// that stay unsettled until accepted and return to their queue when their consumer goes away,
/// release, and reject into the dead-letter queue. Thread-safe. Callbacks run under the broker's
/// lock, in delivery order, and must not call back into the broker.
class broker_core {
public:
  broker_core();
  ~broker_core();
  broker_core(const broker_core&) = delete;
  broker_core& operator=(const broker_core&) = delete;

  /// Stores the message in its queue, or copies it to every subscription of its topic (a topic
  /// without subscribers drops it). Addresses start with `queue:` or `topic:`.
  expected<void> publish(protocol::envelope message);

  /// Starts consuming from `address` with `credit` deliveries allowed in flight. `session` groups
  /// subscriptions of one client so that `close_session` can drop them all at once, as a lost
  /// connection would.
  expected<std::uint64_t> subscribe(const std::string& address, std::uint32_t credit,
                                    deliver_fn on_delivery, std::uint64_t session = 0);
  /// Allows `n` more deliveries on a subscription.
  void add_credit(std::uint64_t subscription, std::uint32_t n);
  /// Settles one delivery; settling an unknown or already settled tag is a no-op returning false.
  bool settle(std::uint64_t tag, settlement how, const std::string& reason = {});
  /// Ends a subscription; its unsettled deliveries are released to their queue.
  void unsubscribe(std::uint64_t subscription);
  /// Ends every subscription of a session (a dropped connection or a crashed node).
  void close_session(std::uint64_t session);

  queue_stats stats(const std::string& address) const;
  /// Names of queues that hold or owe messages (for diagnostics and checkers).
  std::vector<std::string> queue_names() const;

private:
  struct consumer;
  struct queue;
  struct unsettled_entry {
    std::uint64_t subscription;
    queue* source;
    protocol::envelope message;
  };

  queue& queue_named(const std::string& name);
  void pump(queue& q);
  void release_unsettled_of(std::uint64_t subscription);
  void remove_subscription(std::uint64_t subscription);
  void drop_if_unused(queue& q);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<queue>> queues_;
  std::unordered_map<std::uint64_t, std::unique_ptr<consumer>> consumers_;
  /// topic address -> private queues of its subscriptions
  std::unordered_map<std::string, std::vector<queue*>> topics_;
  std::map<std::uint64_t, unsettled_entry> unsettled_;
  std::uint64_t next_subscription_ = 1;
  std::uint64_t next_tag_ = 1;
};

} // namespace boa::bus
