#pragma once

#include "actors/bus/bus.hpp"
#include "protocol/expected.hpp"
#include "protocol/node_command.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace boa::http {

/// Sends node commands to one node over the broker and waits for its node-reply, for the HTTP
/// routes under `/cluster/nodes/{node}/…`: nodes never talk directly, so the node serving the
/// request asks as `boactl node` does. Replies come to one transient queue of this node,
/// `queue:boa.reply.<node>-http`, subscribed on first use; each is matched to its waiting request
/// by correlation id, and a reply that comes after its request gave up is accepted and dropped.
/// Thread-safe: any HTTP thread may ask.
class node_proxy {
public:
  node_proxy(caf::actor_system& system, bus::bus& bus, std::string node_id);
  ~node_proxy();
  node_proxy(const node_proxy&) = delete;
  node_proxy& operator=(const node_proxy&) = delete;

  /// Sends `command` to node `node` and returns its reply, or errc::timeout when none came
  /// within `timeout` (the node is down, partitioned or busy), errc::io when the broker refused
  /// the command or the reply queue.
  expected<protocol::node_reply> ask(std::string_view node, const protocol::node_command& command,
                                     std::chrono::milliseconds timeout);

  /// Stops receiving replies (the node stops): later asks fail with errc::io. Idempotent.
  void close();

  /// The queue the replies come to.
  const std::string& reply_queue() const { return reply_queue_; }

private:
  struct shared_state;
  expected<void> ensure_subscribed();

  caf::actor_system& system_;
  bus::bus& bus_;
  std::string node_id_;
  std::string reply_queue_;
  std::shared_ptr<shared_state> state_;
  std::mutex subscribe_mutex_;
  caf::actor receiver_;
  std::optional<std::uint64_t> subscription_;
  bool closed_ = false;
};

} // namespace boa::http
