#pragma once

#include <proton/binary.hpp>
#include <proton/connection.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/message.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>
#include <proton/tracker.hpp>
#include <proton/work_queue.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace boa::amqp::test {

/// How the broker answered a link or a connection: open, or closed with an error condition.
struct endpoint_state {
  bool open = false;
  bool closed = false;
  std::string error_name;
  std::string error_description;
};

enum class outcome { accepted, rejected, released, no_answer };

struct publish_result {
  outcome result = outcome::no_answer;
  std::string reason; ///< the broker's description of a rejection
};

/// A message taken from a receiver link; `id` names its delivery for settling.
struct received {
  std::uint64_t id = 0;
  proton::message message;
  bool settled_by_broker = false;
};

/// A blocking AMQP 1.0 client for tests: one connection, driven by a Proton container on a thread
/// of its own; every call hands its work to that thread and waits (up to `timeout`) for the
/// answer. Links are named by the caller.
class test_client final : public proton::messaging_handler {
public:
  static constexpr std::chrono::seconds timeout{10};

  explicit test_client(std::uint16_t port);
  /// Closes the connection cleanly (if still open) and waits for the container to end.
  ~test_client() override;

  bool connected();

  /// Opens a link and waits for the broker's attach; a refused link closes right after.
  endpoint_state open_sender(const std::string& name, const std::string& address);
  /// A receiver with manual credit (none until `add_credit`, or `credit` at once).
  endpoint_state open_receiver(const std::string& name, const std::string& address, int credit,
                               bool presettled = false);
  /// Waits until the broker closed the link and says why.
  endpoint_state wait_link_closed(const std::string& name);

  publish_result publish(const std::string& sender, const proton::message& message);
  /// Publishes a transfer of raw bytes, which need not be an AMQP message.
  publish_result publish_bytes(const std::string& sender, const std::vector<char>& bytes);
  /// Sends a transfer without a single byte, and does not wait for an answer.
  void send_empty_transfer(const std::string& sender);

  std::optional<received> receive(const std::string& receiver);
  /// Deliveries received and not yet taken with `receive`.
  std::size_t waiting(const std::string& receiver);
  void add_credit(const std::string& receiver, int credit);
  /// Asks the broker to use up or give back the link's credit, and waits until it did.
  bool drain(const std::string& receiver);
  /// The receiver link's credit as this client sees it.
  int credit(const std::string& receiver);
  void accept(const received& r);
  void release(const received& r);
  void reject(const received& r, const std::string& reason);
  /// Closes a link and waits for the broker to confirm.
  void close_link(const std::string& name);

  /// Closes the connection cleanly and waits for the container to end.
  void close();
  /// Drops the connection without an AMQP close, as a crashed process would.
  void abort();
  /// Waits until the broker closed the connection and says why.
  endpoint_state wait_connection_closed();

  void on_container_start(proton::container& c) override;
  void on_connection_open(proton::connection& c) override;
  void on_connection_close(proton::connection& c) override;
  void on_transport_close(proton::transport& t) override;
  void on_sender_open(proton::sender& s) override;
  void on_sender_close(proton::sender& s) override;
  void on_receiver_open(proton::receiver& r) override;
  void on_receiver_close(proton::receiver& r) override;
  void on_message(proton::delivery& d, proton::message& m) override;
  void on_receiver_drain_finish(proton::receiver& r) override;
  void on_tracker_accept(proton::tracker& t) override;
  void on_tracker_reject(proton::tracker& t) override;
  void on_tracker_release(proton::tracker& t) override;
  void on_error(const proton::error_condition& c) override;

private:
  /// Runs `work` on the container thread and waits until it ran.
  bool run_on_container(std::function<void()> work);
  bool wait_until(const std::function<bool()>& done);
  /// Runs `send` (given the delivery tag to use) on the container thread and waits for the
  /// broker's answer to that delivery.
  publish_result await_answer(const std::function<void(const proton::binary& tag)>& send);
  void record_answer(const proton::tracker& t, outcome result);
  void record_link_closed(const proton::link& l);
  void settle(const received& r, const std::function<void(proton::delivery&)>& how);

  const std::uint16_t port_;
  proton::container container_;
  std::thread thread_;

  std::mutex mutex_;
  std::condition_variable changed_;
  endpoint_state connection_state_;
  bool finished_ = false;
  proton::work_queue* queue_ = nullptr;
  std::map<std::string, endpoint_state> links_;
  std::map<std::string, int> drains_finished_;
  std::map<std::string, std::deque<received>> inbox_;
  std::map<std::uint64_t, publish_result> answers_;
  std::uint64_t next_id_ = 1;

  // Container thread.
  proton::connection connection_;
  std::map<std::string, proton::sender> senders_;
  std::map<std::string, proton::receiver> receivers_;
  std::map<std::uint64_t, proton::delivery> deliveries_;
  std::map<proton::binary, std::uint64_t> trackers_; ///< publishes by delivery tag
};

} // namespace boa::amqp::test
