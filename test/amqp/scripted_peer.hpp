#pragma once

#include "test/amqp/test_client.hpp"

#include <proton/connection.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/listen_handler.hpp>
#include <proton/listener.hpp>
#include <proton/message.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/sender.hpp>
#include <proton/tracker.hpp>
#include <proton/work_queue.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace boa::amqp::test {

/// The terminus a client asked for on a link it attached.
struct attached_terminus {
  bool durable = false;       ///< any durability but `NONDURABLE`
  bool never_expires = false; ///< expiry policy `NEVER`
};

/// A fake AMQP 1.0 broker that does what a test scripts, to reach the corners a well-behaved
/// broker does not: it never answers what clients publish (until `stop` drops them), offers
/// clients any message (an envelope or not) and records their answers, and refuses a client's
/// first receiving links if asked to.
class scripted_peer final : public proton::messaging_handler {
public:
  static constexpr std::chrono::seconds timeout{10};

  /// Listens on an ephemeral loopback port; refuses the first `refused_receivers` receiving links
  /// clients attach (with `amqp:resource-locked`).
  explicit scripted_peer(int refused_receivers = 0);
  ~scripted_peer() override;

  std::uint16_t port() const { return port_; }

  /// Waits until clients have published `n` messages (none of which is ever answered).
  bool wait_published(std::size_t n);
  /// Sends `message` to the client consuming from `address` once it has credit; returns the
  /// index to ask `answer` about.
  std::size_t offer(const std::string& address, proton::message message);
  /// Sends the client consuming from `address` a transfer without a single byte, which no AMQP
  /// client can decode (Proton throws out of its event loop).
  void offer_empty_transfer(const std::string& address);
  /// How the client settled the offered message `index`; `no_answer` if it did not in time.
  publish_result answer(std::size_t index);
  /// Receiving links clients attached to `address`, refused ones included.
  int receivers_attached(const std::string& address);
  /// The source of the last receiving link a client attached to `address`, if any.
  std::optional<attached_terminus> consuming_terminus(const std::string& address);
  /// The target of the last sending link a client attached to `address`, if any.
  std::optional<attached_terminus> publishing_terminus(const std::string& address);
  /// The messages clients published, in arrival order.
  std::vector<proton::message> published_messages();

  /// Drops every connection at once, as a crashed broker would, and stops listening.
  void stop();

  void on_connection_open(proton::connection& c) override;
  void on_receiver_open(proton::receiver& r) override;
  void on_sender_open(proton::sender& s) override;
  void on_sendable(proton::sender& s) override;
  void on_message(proton::delivery& d, proton::message& m) override;
  void on_tracker_accept(proton::tracker& t) override;
  void on_tracker_reject(proton::tracker& t) override;
  void on_tracker_release(proton::tracker& t) override;
  void on_transport_close(proton::transport& t) override;
  void on_error(const proton::error_condition& c) override;

private:
  struct listener_events final : proton::listen_handler {
    scripted_peer& peer;
    explicit listener_events(scripted_peer& p) : peer(p) {}
    void on_open(proton::listener& l) override;
    void on_error(proton::listener& l, const std::string& what) override;
  };

  bool wait_until(const std::function<bool()>& done);
  void send_offers(const std::string& address);
  void record_answer(const proton::tracker& t, outcome what);

  listener_events listener_events_{*this};
  proton::container container_;
  std::thread thread_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint16_t port_ = 0;
  bool listening_ = false;
  bool stopped_ = false;
  proton::work_queue* queue_ = nullptr; ///< the client connection's
  int refusals_left_;
  std::size_t published_ = 0;
  std::map<std::string, int> attached_;
  std::map<std::string, attached_terminus> consuming_termini_;
  std::map<std::string, attached_terminus> publishing_termini_;
  std::vector<proton::message> published_messages_;
  std::vector<publish_result> answers_;

  // Container thread.
  std::map<std::string, proton::sender> senders_;
  std::map<std::string, std::deque<std::pair<std::size_t, proton::message>>> offers_;
  std::vector<proton::delivery> unanswered_; ///< kept so that nothing settles them
};

} // namespace boa::amqp::test
