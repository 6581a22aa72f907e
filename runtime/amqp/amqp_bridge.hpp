#pragma once

#include "actors/bus/bus.hpp"
#include "protocol/expected.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boa::metrics {
class node_metrics;
}

namespace boa::amqp {

namespace detail {
class bridge_state;
} // namespace detail

/// What the bridge reports about its connection (on its own thread; keep the callback short).
struct bridge_connection_event {
  enum class kind { connected, lost, reconnecting } what = kind::connected;
  std::string url;
  std::string reason;                    ///< why the connection was lost or the last attempt failed
  std::chrono::milliseconds retry_in{0}; ///< with `reconnecting`: the backoff before the next try
};

struct bridge_options {
  /// `amqp://HOST[:PORT]` (5672 if no port) or `amqps://HOST[:PORT]` (TLS, 5671 if no port).
  std::string url;
  /// With `amqps://`: the certificates (PEM) the broker's must chain to; empty: the system's.
  /// The broker's certificate must also name the URL's host (hostname verification is on).
  std::string tls_ca_file;
  /// With `amqps://`, optional: this side's certificate and its private key (PEM).
  std::string tls_cert_file;
  std::string tls_key_file;
  /// With `amqps://`: check the broker's certificate (chain and host name). Off, the link is
  /// encrypted but the broker unchecked: only for a broker known by other means, as a node's
  /// own embedded broker, listening in the same process.
  bool tls_verify_broker = true;
  /// SASL PLAIN credentials; empty: ANONYMOUS.
  std::string username;
  std::string password;
  /// The AMQP container id this side announces (the node id, or `boactl-<pid>`).
  std::string container_id = "boa";
  /// How long `connect` waits for the first connection to open before it gives up.
  std::chrono::milliseconds connect_timeout{5000};
  /// Reconnect backoff after a lost connection: the n-th retry in a row waits a random time
  /// between half and all of `min(reconnect_min * 2^n, reconnect_max)`; reset once a connection
  /// opens. The same schedule paces reopening a receiving link the broker closed.
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5000};
  /// A broker that sends nothing for this long is taken for dead or hung: the connection is
  /// dropped and the bridge reconnects (0: never). Announced to the broker as half of it (AMQP's
  /// recommendation), and the broker keeps a quiet connection alive with empty frames; this side
  /// does the same for the broker's timeout. RabbitMQ counts the announced half in whole seconds
  /// and sends nothing below one, so against RabbitMQ keep this at 2 s or more.
  std::chrono::milliseconds idle_timeout{8000};
  /// Largest message body the bridge publishes or hands to a consumer (0: no limit). A larger
  /// publish is refused at once; a larger delivery is rejected with the reason, so the broker
  /// dead-letters it, and its credit goes back to the link.
  std::size_t max_message_bytes = 0;
  /// Connection events (connected, lost, reconnecting); may be empty. Runs on the bridge's
  /// thread: it must not call `close` or destroy the bridge.
  std::function<void(const bridge_connection_event&)> on_event;
  /// Where deliveries (by address, and whether the broker delivered them before) and the time
  /// from a publish to the broker's answer are counted; may be null. Must outlive the bridge.
  metrics::node_metrics* metrics = nullptr;
};

/// The bus seam over a real AMQP 1.0 connection: one Proton container on a thread of its own,
/// one connection, one sender link per address published to and one receiver link per
/// subscription. Addresses are mapped with address_map.hpp, messages with message_codec.hpp.
///
/// - `publish` confirms to `confirm_to` with `(published_atom, token, ok, error)` once the broker
///   settled the transfer: accepted -> ok; rejected/released/modified -> not ok with the broker's
///   reason; a connection lost before the answer -> not ok ("connection lost to URL: why"), never
///   resent (the caller's consumed delivery comes back from the broker instead). A publish made
///   while there is no connection is refused at once the same way, not held for the next one:
///   by then the deliveries it answers have gone back to their queues. An address that is no bus
///   address is refused at once.
/// - `subscribe` returns the subscription id at once and opens a receiver link with manual credit
///   (`credit` at once, more with `add_credit`) and manual settlement; each message reaches
///   `consumer` as `(delivery_atom, bus::delivery)` with the subscription's logical address and a
///   tag unique over the bridge's life. A message whose body is not an envelope is rejected on the
///   spot with the reason (the broker dead-letters it) and its credit given back to the link, as
///   the consumer never sees it. Messages are sent in the order the calls were made, so a
///   subscription's link is attached before any later publish reaches the broker.
/// - a receiving link the broker refuses or closes is logged and reopened with backoff (see
///   `bridge_options::reconnect_min`), for as long as the subscription lives: the consumer cannot
///   be told, and a refusal may be passing (a queue locked or being recreated). Its deliveries
///   still unsettled went back to the broker with the link.
/// - `settle` accepts, releases or rejects (with the reason as the error description); a tag from
///   a connection or link that has since been lost, or of an ended subscription, is ignored: the
///   broker has already given that message back to its queue.
/// - when the connection drops, the bridge reconnects with backoff and reopens every live
///   subscription with the credit its consumer had not used yet (the credit of deliveries it
///   still holds comes back as it settles them and adds credit, as consumers do); nothing is
///   re-published. Should Proton fail (throw out of its event loop, e.g. on a transfer it cannot
///   decode), the bridge drops the connection, starts a fresh container and reconnects likewise.
///
/// Every member is thread-safe and returns without waiting for the network, except `connect`
/// and `close`. After `close`, publishes are refused and `subscribe` fails with errc::io.
///
/// Durability: messages to durable queues (`protocol::addresses::is_durable_queue`: every queue but
/// the reply queues of clients) are sent with the header's `durable` set (RabbitMQ stores them as
/// persistent messages), and links to those queues have durable termini (configuration
/// durability, never expiring), so that RabbitMQ declares `/queue/NAME` durable; links to topics
/// and reply queues are not durable. A message's ttl travels as the header's `ttl`.
///
/// Limits: SASL PLAIN or ANONYMOUS logins only. A queue RabbitMQ already holds as
/// transient (declared by a bridge that did not ask for durability) refuses the durable links
/// (`precondition_failed`, inequivalent `durable`): delete it once when upgrading.
class bridge final : public bus::bus {
public:
  /// Connects and waits until the connection is open, for at most `options.connect_timeout`.
  /// errc::io naming the URL and the reason (refused, timed out) if it did not open (the first
  /// connection is not retried); errc::invalid_input for what the settings got wrong: a
  /// malformed URL or backoff options, a login the broker refused, a broker certificate that
  /// does not verify, TLS files that cannot be used. Once a connection has opened, every
  /// failure to reconnect is retried.
  static expected<std::unique_ptr<bridge>> connect(bridge_options options);

  /// Closes the connection (as `close`) and ends the container thread.
  ~bridge() override;
  bridge(const bridge&) = delete;
  bridge& operator=(const bridge&) = delete;

  void publish(protocol::envelope message, const caf::actor& confirm_to,
               std::uint64_t token) override;
  expected<std::uint64_t> subscribe(const std::string& address, const caf::actor& consumer,
                                    std::uint32_t credit) override;
  void add_credit(std::uint64_t subscription, std::uint32_t n) override;
  void settle(std::uint64_t tag, ::boa::bus::settlement how,
              const std::string& reason = {}) override;
  void unsubscribe(std::uint64_t subscription) override;
  /// False once the delivery's connection or link is lost (its message is back in its queue) or
  /// it is settled.
  bool holds(std::uint64_t tag) const override;

  /// Whether the connection is open right now.
  bool connected() const;
  /// Closes the connection cleanly (unsettled deliveries go back to the broker) and stops
  /// reconnecting. Waits for the broker's answer, at most `connect_timeout`. Idempotent.
  void close();

private:
  explicit bridge(std::unique_ptr<detail::bridge_state> state);
  std::unique_ptr<detail::bridge_state> state_;
};

} // namespace boa::amqp
