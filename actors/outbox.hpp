#pragma once

#include "actors/node_context.hpp"
#include "protocol/event.hpp"
#include "protocol/transition.hpp"

#include <caf/actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace boa::actors {

/// What an actor publishes for one transition: job states (confirmed by the bus before the
/// actor settles what it consumed) and events (fire and forget). Also keeps the node's job store
/// current. One per actor; not thread-safe.
class outbox {
public:
  outbox(node_context& ctx, caf::actor self) : ctx_(ctx), self_(std::move(self)) {}

  /// Publishes one job state, one version on from the state it came from (`job::version` is
  /// raised in `out`), under a message id no other publish uses; the bus confirms it to the
  /// owning actor with `published_atom`.
  void send(protocol::outbound_job& out);
  void send_all(std::vector<protocol::outbound_job>& out);
  /// Publishes an event on `topic:boa.events`; nobody has to listen.
  void event(const protocol::job_event& e);

  /// Counts one confirmation. Returns true when nothing is pending any more.
  bool confirmed(bool ok, const std::string& error);
  bool pending() const { return pending_ != 0; }
  /// True if any publish was refused: the consumed deliveries must be released, not accepted.
  bool failed() const { return failed_; }
  const std::string& failure() const { return failure_; }
  /// True if a job state was over `limits.max-message-bytes` and not published: sending the
  /// consumed delivery back would only bring it again, so it belongs in the dead-letter queue.
  bool too_large() const { return too_large_; }

private:
  void record(const protocol::job& j, const std::string& body);

  node_context& ctx_;
  caf::actor self_;
  std::uint64_t next_token_ = 1;
  std::size_t pending_ = 0;
  bool failed_ = false;
  bool too_large_ = false;
  std::string failure_;
};

} // namespace boa::actors
