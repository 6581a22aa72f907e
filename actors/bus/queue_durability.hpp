#pragma once

#include "protocol/envelope.hpp"
#include "protocol/expected.hpp"

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace boa::bus {

/// One change to the stored messages of durable queues. Every message that enters a durable queue
/// gets a `seq`, unique for the life of the store (restarts included), that names it until it
/// leaves.
struct durable_change {
  enum class kind {
    store,  ///< `message` entered `queue` as message `seq`
    remove, ///< message `seq` left `queue` for good
  };
  kind what = kind::store;
  std::string_view queue;
  std::uint64_t seq = 0;
  const protocol::envelope* message = nullptr; ///< only for `store`
};

struct restored_message {
  std::uint64_t seq = 0;
  protocol::envelope message;
};

/// What a store held when the broker started.
struct restored_queues {
  /// Queue address -> its messages in increasing seq order (the order they entered the queue).
  std::map<std::string, std::vector<restored_message>> queues;
  /// The highest seq ever stored, even if that message has left since; the broker continues after.
  std::uint64_t highest_seq = 0;
};

/// Where the broker core keeps the messages of its durable queues, so that they outlive the
/// process. The broker calls it under its lock, so calls never overlap and come in the order the
/// broker applied them; an implementation must not call back into the broker.
///
/// What is stored: a message published to a durable queue (stored before the publish succeeds);
/// its removal when accepted; on reject, its copy in `queue:boa.dead` (if that queue is durable)
/// and its removal, in one `apply`. A release or a lost consumer changes nothing stored: the
/// message is still there, under the same seq.
class queue_durability {
public:
  virtual ~queue_durability() = default;

  /// Everything stored, handed over once by the broker's constructor.
  virtual restored_queues restore() = 0;

  /// Applies `changes` atomically: after a crash either all of them are stored or none.
  virtual expected<void> apply(std::span<const durable_change> changes) = 0;
};

} // namespace boa::bus
