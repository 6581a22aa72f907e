#pragma once

#include "actors/bus/broker_core.hpp"
#include "protocol/expected.hpp"
#include "runtime/amqp/broker_users.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace boa::amqp {

namespace detail {
class broker_state;
} // namespace detail

struct embedded_broker_options {
  /// Listen on an address other than loopback. Off by default, and refused without `users`:
  /// without them the broker authenticates nobody.
  bool allow_remote = false;
  /// Who may connect: with users, every client must log in with SASL PLAIN as one of them (a
  /// client without credentials, or with wrong ones, is refused with `amqp:unauthorized-access`);
  /// without, clients connect with ANONYMOUS.
  std::shared_ptr<const broker_users> users;
  /// With both: the listener speaks only TLS (`amqps://`), with this certificate and private key
  /// (PEM files), and refuses clients that do not.
  std::string tls_cert_file;
  std::string tls_key_file;
  /// Credit each client sender link is granted (and topped up to) for publishing.
  std::uint32_t publish_window = 256;
  /// The AMQP container id the broker announces to its clients.
  std::string container_id = "boa-embedded-broker";
  /// How long `start` waits for the listener to open.
  std::chrono::milliseconds start_timeout{10000};
  /// How long `stop` waits for clients to answer the close of their connections before it
  /// drops them.
  std::chrono::milliseconds stop_timeout{2000};
  /// A client that sends nothing for this long is dropped and its unsettled deliveries go back to
  /// their queues (0: never). Announced to every client when it connects (as half of it, as AMQP
  /// recommends), so a healthy one keeps a quiet connection alive with empty frames (Proton does so
  /// by itself); a hung one (stopped with SIGSTOP, deadlocked), whose TCP connection stays open,
  /// loses its deliveries within this bound.
  std::chrono::milliseconds idle_timeout{4000};
  /// Largest message body a client may publish (0: no limit); a larger one is rejected with
  /// `amqp:link:message-size-exceeded` and the sizes.
  std::size_t max_message_bytes = 0;
};

/// An AMQP 1.0 listener in front of a `broker_core`, so that any AMQP 1.0 client (boa's bridge,
/// Python's proton, RabbitMQ-style clients) can publish to and consume from it. Addresses use
/// RabbitMQ's syntax (see address_map.hpp); messages follow the wire conventions (see
/// message_codec.hpp).
///
/// Semantics: a client's publish is accepted once the core has taken the message (its publish
/// confirmation) and rejected, with the reason, when the core refuses it. Consumers receive
/// unsettled deliveries (at-least-once, unless the link asks for pre-settled delivery), no more
/// than the credit their link grants; accepted, released/modified and rejected dispositions settle
/// the delivery in the core likewise (a rejection dead-letters it with the client's description as
/// reason). A closed receiving link, and every link of a dropped connection, gives its unsettled
/// deliveries back to their queue, and so does a client that stays silent past
/// `options::idle_timeout` (a hung node whose TCP connection is still open), which is dropped. A
/// link to an address the broker does not know is refused with `amqp:not-found` or
/// `amqp:invalid-field` naming the address. Links with durable and non-durable termini are both
/// accepted: which queues outlive the broker is the core's durability filter's say, not the
/// link's.
///
/// Threading: one Proton container runs on a thread of its own; the core's delivery callbacks,
/// which arrive on any thread under the core's lock, only queue work for that thread. Should the
/// container fail (Proton throws out of its event loop, e.g. on an empty transfer), every client
/// connection is dropped (their deliveries go back to their queues) and the broker listens again
/// on the same port.
///
/// Limits: PLAIN (with `options::users`) or ANONYMOUS logins only (TLS with `options::tls_*`), no
/// dynamic nodes, exact topic keys (no `*`/`#` patterns). The core cannot take credit back, so
/// credit a client withdraws (drain, or a lower flow) may still bring it deliveries the core had
/// already been allowed to hand out; they wait for the link's next credit.
class embedded_broker {
public:
  using options = embedded_broker_options;

  /// Listens on `host:port` (`port` 0 picks a free port; see `port()`) and returns once the
  /// listener is open. Fails for a non-loopback host unless `opts.allow_remote` and `opts.users`
  /// are set, for TLS files that `check_tls_identity` refuses, and when the address cannot be
  /// listened on.
  static expected<std::unique_ptr<embedded_broker>> start(std::shared_ptr<bus::broker_core> core,
                                                          std::string host, std::uint16_t port,
                                                          options opts = {});

  /// Closes every client connection (`amqp:connection:forced`) and the listener, then stops.
  ~embedded_broker();
  embedded_broker(const embedded_broker&) = delete;
  embedded_broker& operator=(const embedded_broker&) = delete;

  /// The port the broker listens on.
  std::uint16_t port() const;
  /// Closes client connections cleanly, waiting up to `options::stop_timeout` for them to answer,
  /// then stops the listener and its thread. Idempotent; must not be called from a Proton handler.
  void stop();

private:
  explicit embedded_broker(std::unique_ptr<detail::broker_state> state);
  std::unique_ptr<detail::broker_state> state_;
};

/// Whether `cert_file` and `key_file` make a TLS server identity: PEM files, readable, the key
/// the certificate's. errc::invalid_input saying what is wrong otherwise.
expected<void> check_tls_identity(const std::string& cert_file, const std::string& key_file);

/// Whether `host` is a loopback address (`localhost`, 127.0.0.0/8, ::1).
bool is_loopback_host(const std::string& host);

} // namespace boa::amqp
