#pragma once

#include "actors/bus/bus.hpp"
#include "protocol/client_messages.hpp"
#include "protocol/event.hpp"
#include "protocol/heartbeat.hpp"
#include "protocol/job.hpp"
#include "protocol/job_command.hpp"
#include "protocol/node_command.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace boa::boactl {

struct client_options {
  /// Names the private reply queue (`queue:boa.reply.<client_id>`) and prefixes message ids:
  /// unique per client process.
  std::string client_id = "boactl";
  /// The broker's URL, named in error messages (the session sets it).
  std::string broker_url;
  /// How long the broker may take to confirm a publish, and a node to answer a request.
  std::chrono::milliseconds timeout{10000};
  /// While waiting for a job to end: how often to ask a node for its state, so that an event
  /// that never came (a node restarted) cannot keep the wait from ending.
  std::chrono::milliseconds poll_interval{3000};
  /// After a job's job-ended event, how long to keep asking until a node shows the job ended
  /// (its store may lag the event by a moment); then the event alone tells how it ended.
  std::chrono::milliseconds end_grace{2000};
  /// How long `browse_dead` waits for the messages it asked for.
  std::chrono::milliseconds browse_wait{500};
  /// A command to every node listens to the heartbeats at least this long (one heartbeat
  /// interval and a little) to learn which nodes should answer; it ends sooner than `timeout` once
  /// every node heard has answered.
  std::chrono::milliseconds node_listen{1500};
};

/// What the nodes answered to a node command.
struct node_answers {
  /// One reply per node that answered, in arrival order.
  std::vector<protocol::node_reply> replies;
  /// Nodes whose heartbeats show them live but that did not answer in time (commands to every
  /// node only), sorted.
  std::vector<std::string> silent;
};

/// What a node said about a job while a client waited for it to end.
struct watch_callbacks {
  /// Each event of the job, in arrival order (may be empty).
  std::function<void(const protocol::job_event&)> on_event;
  /// Each state a poll found while the job had not ended (may be empty).
  std::function<void(const protocol::job&)> on_poll;
};

/// How a job ended.
struct job_end {
  protocol::job_state state = protocol::job_state::finished;
  std::string error;
  /// The ended job as a node showed it (show-job data), or null when no node showed it ended
  /// shortly after its job-ended event.
  boost::json::value job;
};

/// A client of the cluster that talks only to the broker, through the bus seam: requests to any
/// node with a private reply queue, start-job, job commands, job events, and a look at the
/// dead-letter queue. Every call blocks for at most about `options.timeout` (except
/// `wait_for_end`, which returns when the job ends). Not thread-safe: one caller thread.
class broker_client {
public:
  broker_client(std::shared_ptr<bus::bus> bus, client_options options);
  ~broker_client();
  broker_client(const broker_client&) = delete;
  broker_client& operator=(const broker_client&) = delete;

  const client_options& options() const { return options_; }

  /// Publishes `request` to `protocol::requests_address` with `reply-to` the private reply queue
  /// and waits for the reply that carries its message id as correlation id (replies to earlier,
  /// abandoned requests are dropped). A node's error comes back as a reply with `ok == false`.
  /// errc::timeout ("no node answered within N s") when none came; errc::io when the broker
  /// refused the publish or did not confirm it.
  expected<protocol::client_reply> request(const protocol::client_request& request);

  /// `request` for a start-job, published to `queue:boa.jobs.new`.
  expected<protocol::client_reply> start_job(const protocol::start_job_request& request);

  /// Publishes a job command on `topic:boa.commands` (a resume also on the durable
  /// `queue:boa.resumes`) and waits for the broker's confirmation of each.
  expected<void> send_command(const protocol::job_command& command);

  /// Starts following `topic:boa.events` for `job_id`. Call before anything that could make the
  /// job end (starting it, asking for its state) so that its job-ended event cannot pass unseen.
  expected<void> follow_events(const std::string& job_id);

  /// Waits until the job followed with `follow_events` ends: by its job-ended event, or by a
  /// poll (show-job every `poll_interval`) that finds it ended. Polls a node does not answer, or
  /// answers with an error, are skipped. Fails only when the broker has not taken a poll for
  /// `timeout` (it went away and did not come back).
  expected<job_end> wait_for_end(const std::string& job_id, const watch_callbacks& callbacks);

  /// Up to `limit` messages of `queue:boa.dead`, oldest first, left in the queue.
  expected<std::vector<protocol::envelope>> browse_dead(std::size_t limit);

  /// Publishes `command` to the node `node` (`topic:boa.node.<node>`), or to every node when
  /// `node` is "all" (`topic:boa.node.all`), and gathers the replies correlated with it. One node:
  /// returns once it answered; errc::timeout ("node X did not answer within T") otherwise. Every
  /// node: listens to the heartbeats meanwhile and returns once every node heard (after at least
  /// `node_listen`) has answered, or at `timeout` with the silent ones named; errc::timeout when
  /// no node answered at all. errc::io when the broker refused the publish.
  expected<node_answers> command_nodes(const std::string& node,
                                       const protocol::node_command& command);

  /// A heartbeat and when this client received it (wall clock, ms since the epoch).
  struct observed_beat {
    protocol::heartbeat beat;
    std::int64_t received_ms = 0;
  };
  /// The heartbeats published on `topic:boa.heartbeat` during the next `span`. Beats that do not
  /// decode are skipped.
  expected<std::vector<observed_beat>> listen_heartbeats(std::chrono::milliseconds span);

private:
  using clock = std::chrono::steady_clock;
  struct confirmation {
    bool ok = false;
    std::string error;
  };

  expected<void> ensure_reply_queue();
  expected<protocol::client_reply> ask(protocol::envelope message);
  expected<void> publish_confirmed(protocol::envelope message, clock::time_point deadline);
  /// Handles what arrives until `done()` holds or `deadline` passes; returns `done()`.
  bool await(clock::time_point deadline, const std::function<bool()>& done);
  void route(bus::delivery& d);
  void take_reply(bus::delivery& d);
  void take_event(bus::delivery& d);
  void take_heartbeat(bus::delivery& d);
  /// Starts collecting heartbeats into `beats_` (emptied first).
  expected<void> start_heartbeats();
  void stop_heartbeats();
  /// One show-job: the end when the job has ended, nothing while it runs or when no node gave
  /// a usable answer; an error only when the broker refused the request.
  expected<std::optional<job_end>> poll(const std::string& job_id,
                                        const watch_callbacks& callbacks);
  /// After the job-ended event: the job as a node shows it once it has stored the end.
  job_end end_after_event(const std::string& job_id, const protocol::job_event& ended);
  caf::actor me() const;
  std::string next_message_id();
  std::string seconds(std::chrono::milliseconds d) const;

  client_options options_;
  caf::actor_system_config config_;
  caf::actor_system system_;
  /// Declared after the actor system so that it goes first: a bridge may hold actor handles.
  std::shared_ptr<bus::bus> bus_;
  caf::scoped_actor self_;

  std::uint64_t next_id_ = 1;
  std::optional<std::uint64_t> reply_subscription_;
  std::optional<std::uint64_t> event_subscription_;
  std::optional<std::uint64_t> dead_subscription_;
  std::string awaited_id_;                      ///< message id of the request in flight
  std::optional<protocol::client_reply> reply_; ///< its reply, once here
  bool collecting_nodes_ = false;               ///< replies to awaited_id_ are node-replies
  std::vector<protocol::node_reply> node_replies_;
  std::uint64_t awaited_token_ = 0;       ///< of the publish in flight (tokens start at 1)
  std::optional<confirmation> confirmed_; ///< its confirmation, once here
  std::string followed_job_;
  std::deque<protocol::job_event> events_; ///< of the followed job, not yet handed out
  std::vector<bus::delivery> dead_;        ///< taken by `browse_dead`, unsettled
  std::optional<std::uint64_t> heartbeat_subscription_;
  std::vector<observed_beat> beats_; ///< taken by `listen_heartbeats`
};

} // namespace boa::boactl
