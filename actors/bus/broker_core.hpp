#pragma once

#include "actors/bus/queue_durability.hpp"
#include "protocol/envelope.hpp"
#include "protocol/expected.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
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

/// Says whether messages of the queue at `address` are kept by the broker's durability hook.
using durable_filter = std::function<bool(const std::string& address)>;

/// The default filter: every `queue:` address. Topics are never durable, whatever a filter says.
bool every_queue_is_durable(const std::string& address);

/// Steady time in milliseconds, the broker's only notion of time (message ttl). Tests and the
/// simulator hand in their own.
using clock_fn = std::function<std::int64_t()>;

/// The default clock: `std::chrono::steady_clock`, in milliseconds.
std::int64_t steady_clock_ms();

/// Counts of one queue. For a topic address: the sums over the private queues of its current
/// subscriptions. A queue that holds nothing, owes nothing and has no consumer is forgotten, and
/// its counts with it.
struct queue_stats {
  std::size_t ready = 0;     ///< waiting for a consumer
  std::size_t unsettled = 0; ///< delivered, not yet settled
  std::size_t consumers = 0;
  std::size_t expired = 0; ///< dropped undelivered because their ttl ran out
};

/// The semantics every bus implementation provides, written once without I/O: named queues with
/// competing consumers and credit, fan-out topics (each subscription gets its own copy), deliveries
/// that stay unsettled until accepted and return to their queue when their consumer goes away,
/// release, and reject into the dead-letter queue. Thread-safe. Callbacks run under the broker's
/// lock, in delivery order, and must not call back into the broker.
///
/// Time to live: a message with `ttl_ms` gets its deadline when published (`clock() + ttl_ms`,
/// shared by every copy of a topic message). A message at the head of its queue whose deadline
/// has come is dropped instead of delivered and counted in `queue_stats::expired`; it is never
/// dead-lettered. Queues are checked as they deliver and on every publish, so expired messages do
/// not pile up behind a consumer without credit. An unsettled delivery does not expire; if it is
/// released after its deadline, it expires at the head of its queue. A dead-lettered copy has no
/// ttl (as in RabbitMQ).
class broker_core {
public:
  /// A broker that keeps everything in memory only.
  broker_core();
  explicit broker_core(clock_fn clock);
  /// A broker that keeps the messages of the queues `is_durable` selects in `durability`, after
  /// loading what it restores into ready queues. Restored messages come back in the order they
  /// entered their queue, each with the delivery count it had when it was stored: a message that
  /// was delivered but unsettled when the process died comes back ready and unchanged, as the
  /// store does not record deliveries. The ttl of a restored message starts again at the restore
  /// (the store keeps the ttl, not the time of the publish).
  explicit broker_core(std::unique_ptr<queue_durability> durability,
                       durable_filter is_durable = every_queue_is_durable,
                       clock_fn clock = steady_clock_ms);
  ~broker_core();
  broker_core(const broker_core&) = delete;
  broker_core& operator=(const broker_core&) = delete;

  /// Stores the message in its queue, or copies it to every subscription of its topic (a topic
  /// without subscribers drops it). Addresses start with `queue:` or `topic:`. A message for a
  /// durable queue is stored by the durability hook first; if that fails, so does the publish,
  /// and the message is not queued.
  expected<void> publish(protocol::envelope message);

  /// Starts consuming from `address` with `credit` deliveries allowed in flight. `session` groups
  /// subscriptions of one client so that `close_session` can drop them all at once, as a lost
  /// connection would.
  expected<std::uint64_t> subscribe(const std::string& address, std::uint32_t credit,
                                    deliver_fn on_delivery, std::uint64_t session = 0);
  /// Allows `n` more deliveries on a subscription.
  void add_credit(std::uint64_t subscription, std::uint32_t n);
  /// Settles one delivery; settling an unknown or already settled tag is a no-op returning false.
  /// A durability hook that fails to record the settlement leaves the message stored: it comes
  /// back after a restart (at-least-once), and the settlement still counts now.
  bool settle(std::uint64_t tag, settlement how, const std::string& reason = {});
  /// Ends a subscription; its unsettled deliveries are released to their queue.
  void unsubscribe(std::uint64_t subscription);
  /// Ends every subscription of a session (a dropped connection or a crashed node).
  void close_session(std::uint64_t session);
  /// What a broker process loses when it restarts, for simulations that keep one core across the
  /// restart: every subscription ends (of every session; unsettled deliveries are released first,
  /// so they count as delivered once more), topics lose their subscribers, and the queues `keeps`
  /// does not select lose their messages. Returns how many messages were dropped. The durability
  /// hook is not consulted: a core with one restarts by being built again over it.
  std::size_t restart(const durable_filter& keeps);

  queue_stats stats(const std::string& address) const;
  /// Names of queues that hold or owe messages (for diagnostics and checkers).
  std::vector<std::string> queue_names() const;

private:
  struct consumer;
  struct queue;
  /// A message in a queue; `seq` names it in the durability hook, 0 if it is not stored there.
  /// `deadline`: when it expires on the broker's clock (`no_deadline` without a ttl).
  struct queued {
    std::uint64_t seq;
    std::int64_t deadline;
    protocol::envelope message;
  };
  struct unsettled_entry {
    std::uint64_t subscription;
    queue* source;
    std::uint64_t seq;
    std::int64_t deadline;
    protocol::envelope message;
  };

  std::int64_t deadline_of(const protocol::envelope& message) const;
  queue& queue_named(const std::string& name);
  /// Drops expired messages from the head of `q`, then delivers what credit allows.
  void pump(queue& q);
  void expire_head(queue& q);
  void release_unsettled_of(std::uint64_t subscription);
  void remove_subscription(std::uint64_t subscription);
  void drop_if_unused(queue& q);
  void restore();
  expected<void> keep(std::initializer_list<durable_change> changes);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<queue>> queues_;
  std::unordered_map<std::uint64_t, std::unique_ptr<consumer>> consumers_;
  /// topic address -> private queues of its subscriptions
  std::unordered_map<std::string, std::vector<queue*>> topics_;
  std::map<std::uint64_t, unsettled_entry> unsettled_;
  std::uint64_t next_subscription_ = 1;
  std::uint64_t next_tag_ = 1;
  std::unique_ptr<queue_durability> durability_;
  durable_filter is_durable_;
  clock_fn clock_;
  std::uint64_t next_seq_ = 1;
};

} // namespace boa::bus
