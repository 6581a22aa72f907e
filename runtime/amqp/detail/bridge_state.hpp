#pragma once

#include "runtime/amqp/amqp_bridge.hpp"
#include "runtime/amqp/detail/bridge_backoff.hpp"
#include "runtime/amqp/detail/bridge_endpoint.hpp"
#include "runtime/amqp/detail/bridge_links.hpp"
#include "runtime/amqp/detail/bridge_outbox.hpp"

#include <proton/connection.hpp>
#include <proton/container.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/ssl.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <thread>

struct pn_proactor_t;

namespace boa::amqp::detail {

/// The bridge behind `amqp::bridge`: a Proton container on a thread of its own with at most one
/// connection, reconnected with backoff when it drops. The caller-side members only queue work
/// (see bridge_outbox); the Proton handlers run on the container thread and hand the bus work to
/// bridge_links. `mutex_` guards what both sides touch.
class bridge_state final : public proton::messaging_handler {
public:
  bridge_state(bridge_options options, bridge_endpoint endpoint);
  ~bridge_state() override;

  /// Starts the container and waits for the first connection (see `bridge::connect`).
  expected<void> start();
  void close();
  bool connected() const;
  bool holds(std::uint64_t tag) const { return links_.held().contains(tag); }

  void publish(protocol::envelope message, const caf::actor& confirm_to, std::uint64_t token);
  expected<std::uint64_t> subscribe(const std::string& address, const caf::actor& consumer,
                                    std::uint32_t credit);
  void add_credit(std::uint64_t subscription, std::uint32_t n);
  void settle(std::uint64_t tag, bus::settlement how, const std::string& reason);
  void unsubscribe(std::uint64_t subscription);

  void on_container_start(proton::container& c) override;
  void on_connection_open(proton::connection& c) override;
  void on_connection_close(proton::connection& c) override;
  void on_transport_error(proton::transport& t) override;
  void on_transport_close(proton::transport& t) override;
  void on_message(proton::delivery& d, proton::message& m) override;
  void on_sendable(proton::sender& s) override;
  void on_tracker_accept(proton::tracker& t) override;
  void on_tracker_reject(proton::tracker& t) override;
  void on_tracker_release(proton::tracker& t) override;
  void on_tracker_settle(proton::tracker& t) override;
  void on_receiver_close(proton::receiver& r) override;
  void on_receiver_detach(proton::receiver& r) override;
  void on_sender_close(proton::sender& s) override;
  void on_sender_detach(proton::sender& s) override;
  void on_session_close(proton::session& s) override;
  void on_error(const proton::error_condition& c) override;

private:
  enum class phase { connecting, open, down, failed, closed };

  void run();
  /// Runs one container until it stops; false if it failed (threw).
  bool run_container();
  void attempt_connect();
  void attempt_timed_out(std::uint64_t attempt);
  /// What `amqps://` connects with: the CA file and client certificate of the options.
  proton::ssl_client_options tls_options() const;
  /// The current attempt failed or the open connection ended: decides `connect`, or reconnects.
  void on_attempt_failed();
  /// Forgets the connection: publishes in flight fail with `reason`, links and tags are dropped.
  void end_connection(const std::string& reason);
  void schedule_reconnect(const std::string& reason);
  void drain();
  void report(bridge_connection_event::kind what, const std::string& reason,
              std::chrono::milliseconds retry_in = {});

  const bridge_options options_;
  const bridge_endpoint endpoint_;
  bridge_outbox outbox_;
  std::atomic<std::uint64_t> next_subscription_{1};
  std::atomic<std::uint64_t> next_publish_{1};

  std::mutex close_mutex_; ///< one `close` at a time
  std::thread thread_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  phase phase_ = phase::connecting;
  bool closing_ = false;
  std::string first_error_; ///< why the first connection did not open
  /// `invalid_input` when the first connection failed on what the user set: its login, or a
  /// broker certificate that does not verify (retrying cannot help).
  errc first_error_code_ = errc::io;
  proton::container* container_ = nullptr;    ///< while the container thread runs one
  pn_proactor_t* running_proactor_ = nullptr; ///< its proactor, once it made a connection

  // Container thread.
  bridge_links links_;
  bridge_backoff backoff_;
  std::mt19937_64 random_{std::random_device{}()};
  proton::connection connection_;     ///< the current attempt or open connection
  pn_proactor_t* proactor_ = nullptr; ///< the running container's
  std::uint64_t attempt_ = 0;
  bool open_ = false;
  bool started_once_ = false;
  std::string last_error_;
  /// The current attempt failed on its credentials or on the broker's certificate.
  bool settings_refused_ = false;
};

} // namespace boa::amqp::detail
