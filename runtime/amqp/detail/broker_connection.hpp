#pragma once

#include "actors/bus/broker_core.hpp"

#include <proton/connection.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>
#include <proton/work_queue.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace boa::amqp::detail {

class broker_connection;

/// What a connection needs from the broker that accepted it. Called on the container thread.
class connection_owner {
public:
  virtual ~connection_owner() = default;
  /// Whether the broker is shutting down (new connections are closed as soon as they open).
  virtual bool stopping() const = 0;
  /// The connection's transport is gone and its core session closed.
  virtual void connection_closed(broker_connection& connection) = 0;
  /// Whether clients must have logged in with PLAIN (as one of the broker's users).
  virtual bool requires_login() const = 0;
};

/// Deliveries the core handed to a connection's subscriptions, on their way to the connection's
/// thread. Filled by core callbacks, which run on any thread under the core's lock and so only
/// queue and wake; emptied on the container thread.
class delivery_outbox {
public:
  /// Starts handing deliveries over: each batch adds `on_wake` to the connection's work queue,
  /// which runs it on the container thread.
  void attach(proton::work_queue& queue, std::function<void()> on_wake);
  /// Stops waking; later deliveries are dropped, as the core releases them with the session.
  void detach();
  void push(bus::delivery d);
  std::vector<bus::delivery> take();

private:
  std::mutex mutex_;
  std::vector<bus::delivery> items_;
  proton::work_queue* queue_ = nullptr; ///< null until the connection opens and once it closed
  std::function<void()> on_wake_;
  bool wake_pending_ = false;
};

/// One client connection: its links, mapped onto a core session. Client sender links publish to
/// the core; client receiver links are core subscriptions whose credit follows the link's.
/// Every method runs on the container thread.
class broker_connection final : public proton::messaging_handler,
                                public std::enable_shared_from_this<broker_connection> {
public:
  broker_connection(std::shared_ptr<bus::broker_core> core, connection_owner& owner,
                    std::uint64_t session, std::uint32_t publish_window,
                    std::size_t max_message_bytes = 0);

  /// Closes the connection with `amqp:connection:forced` (through its own work queue).
  void close_for_shutdown();
  /// Releases everything the connection holds in the core; idempotent.
  void tear_down();
  /// The Proton connection, until `tear_down` (null before it opened).
  const proton::connection& connection() const { return connection_; }

  void on_connection_open(proton::connection& c) override;
  void on_receiver_open(proton::receiver& r) override;
  void on_receiver_close(proton::receiver& r) override;
  void on_receiver_detach(proton::receiver& r) override;
  void on_message(proton::delivery& d, proton::message& m) override;
  void on_sender_open(proton::sender& s) override;
  void on_sender_close(proton::sender& s) override;
  void on_sender_detach(proton::sender& s) override;
  void on_sendable(proton::sender& s) override;
  void on_tracker_accept(proton::tracker& t) override;
  void on_tracker_reject(proton::tracker& t) override;
  void on_tracker_release(proton::tracker& t) override;
  void on_tracker_settle(proton::tracker& t) override;
  void on_session_close(proton::session& s) override;
  void on_transport_close(proton::transport& t) override;
  void on_error(const proton::error_condition& c) override;

private:
  /// A client receiver link: the core subscription behind it and the deliveries on their way.
  struct outgoing_link {
    proton::sender sender;
    bool presettled = false;
    std::deque<bus::delivery> pending; ///< taken from the core, waiting for link credit
    std::uint64_t handed = 0;          ///< credit given to the core over the link's life
    std::uint64_t sent = 0;            ///< deliveries sent over the link's life
  };

  void flush_outbox();
  void send_pending(std::uint64_t subscription, outgoing_link& link);
  void top_up_credit(std::uint64_t subscription, outgoing_link& link);
  void drop_outgoing(const proton::sender& s);
  void settle(proton::tracker& t, bus::settlement how, const std::string& reason = {});
  void publish(proton::delivery& d, proton::message& m);

  std::shared_ptr<bus::broker_core> core_;
  connection_owner& owner_;
  const std::uint64_t session_;
  const std::uint32_t publish_window_;
  const std::size_t max_message_bytes_; ///< 0: no limit
  std::shared_ptr<delivery_outbox> outbox_ = std::make_shared<delivery_outbox>();
  proton::connection connection_;
  bool torn_down_ = false;
  std::map<std::uint64_t, outgoing_link> outgoing_; ///< by core subscription
  std::map<proton::sender, std::uint64_t> subscription_of_;
  /// Client sender links and the logical address each publishes to (empty: the message's `to`).
  std::map<proton::receiver, std::string> incoming_;
  /// Deliveries sent and not yet settled, by core tag (the AMQP delivery tag carries it): the
  /// source of truth, since Proton may report one outcome more than once.
  std::unordered_map<std::uint64_t, std::uint64_t> unsettled_;
};

} // namespace boa::amqp::detail
