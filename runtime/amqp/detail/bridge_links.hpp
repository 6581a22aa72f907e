#pragma once

#include "actors/metrics/node_metrics.hpp"
#include "runtime/amqp/detail/bridge_backoff.hpp"
#include "runtime/amqp/detail/bridge_outbox.hpp"
#include "runtime/amqp/detail/held_tags.hpp"

#include <caf/actor.hpp>

#include <proton/connection.hpp>
#include <proton/delivery.hpp>
#include <proton/link.h>
#include <proton/message.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>
#include <proton/tracker.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace boa::amqp::detail {

/// How the broker answered a publish.
enum class publish_outcome { accepted, rejected, released, settled };

/// The bus over one connection at a time, on the container thread: subscriptions with their
/// receiver links and credit, one sender link per address with the publishes waiting for its
/// credit, and the bridge's own maps of unconfirmed publishes and unsettled deliveries, which are
/// the source of truth (Proton may report an outcome twice). Subscriptions outlive connections;
/// links, tags and publishes in flight do not.
class bridge_links {
public:
  /// `retry_min`/`retry_max`: backoff for reopening a receiver link the broker closed.
  /// `metrics` (may be null): deliveries and publish confirmation times are counted there.
  bridge_links(std::chrono::milliseconds retry_min, std::chrono::milliseconds retry_max,
               metrics::node_metrics* metrics = nullptr, std::size_t max_message_bytes = 0);

  /// A connection opened: operations from now on use it. Call `reopen` after the operations
  /// queued while there was none have been applied.
  void connected(proton::connection c);
  /// Opens a receiver link for every subscription without one, with the credit its consumer has
  /// not used.
  void reopen();
  /// The connection is gone: every publish sent or waiting is confirmed not ok with `why`, tags and
  /// link handles are forgotten. Subscriptions stay, to be reopened on the next connection.
  void lost(const std::string& why);

  void apply(std::vector<bridge_op> ops);

  void on_message(proton::delivery& d, proton::message& m);
  void on_sendable(proton::sender& s);
  void on_outcome(proton::tracker& t, publish_outcome what);
  /// The broker closed or detached a link (refused it, or ended it later).
  void on_receiver_gone(proton::receiver& r);
  void on_sender_gone(proton::sender& s);

  /// The tags consumers hold unsettled on the current connection; read from any thread.
  const held_tags& held() const { return held_; }

private:
  struct subscription {
    std::string logical;
    std::string address;
    caf::actor consumer;
    metrics::delivery_meter counted;
    std::uint64_t unused = 0;  ///< credit granted by the consumer and not used by a delivery yet
    proton::receiver receiver; ///< empty without a link on the current connection
    bool retry_scheduled = false;
    bridge_backoff refusals;
  };
  struct publisher {
    proton::sender sender;
    std::deque<publish_op> waiting; ///< for link credit
  };
  struct unconfirmed {
    caf::actor confirm_to;
    std::uint64_t token;
    pn_link_t* link;
    std::chrono::steady_clock::time_point published;
  };
  struct unsettled {
    proton::delivery delivery;
    std::uint64_t subscription;
  };

  void publish(publish_op op);
  void subscribe(subscribe_op op);
  void add_credit(const credit_op& op);
  void settle(const settle_op& op);
  void unsubscribe(const unsubscribe_op& op);

  void open_receiver(std::uint64_t id, subscription& sub);
  void schedule_reopen(std::uint64_t id, subscription& sub);
  publisher& publisher_for(const std::string& address);
  void send_waiting(publisher& p);
  void send(publisher& p, publish_op op);
  void forget_tags_of(std::uint64_t subscription);

  const std::chrono::milliseconds retry_min_;
  const std::chrono::milliseconds retry_max_;
  metrics::node_metrics* const metrics_;
  const std::size_t max_message_bytes_; ///< 0: no limit
  proton::connection connection_;       ///< empty while disconnected
  std::uint64_t generation_ = 0; ///< counts connections, to drop work scheduled on an old one
  std::string down_reason_ = "not connected";
  std::uint64_t next_tag_ = 1;
  std::uint64_t next_link_ = 1;
  std::mt19937_64 random_{std::random_device{}()};

  std::unordered_map<std::uint64_t, subscription> subscriptions_;
  std::unordered_map<pn_link_t*, std::uint64_t> subscription_of_;
  std::unordered_map<std::string, publisher> publishers_; ///< by AMQP address
  std::unordered_map<pn_link_t*, std::string> address_of_;
  std::unordered_map<std::uint64_t, unconfirmed> unconfirmed_; ///< by publish id
  std::unordered_map<std::uint64_t, unsettled> unsettled_;     ///< by delivery tag
  held_tags held_; ///< the keys of unsettled_, for other threads
};

} // namespace boa::amqp::detail
