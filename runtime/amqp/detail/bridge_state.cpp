#include "runtime/amqp/detail/bridge_state.hpp"

#include "actors/bus/publish_limit.hpp"
#include "actors/messages.hpp"
#include "runtime/amqp/address_map.hpp"
#include "runtime/amqp/detail/proactor_teardown.hpp"
#include "runtime/amqp/detail/proton_raw.hpp"
#include "runtime/amqp/message_codec.hpp"

#include <proton/connection_options.hpp>
#include <proton/delivery.hpp>
#include <proton/error_condition.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>
#include <proton/session.hpp>
#include <proton/ssl.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>
#include <proton/work_queue.hpp>

#include <proton/condition.h>
#include <proton/connection.h>
#include <proton/event.h>
#include <proton/proactor.h>
#include <proton/sasl.h>
#include <proton/transport.h>

#include <caf/send.hpp>

#include <spdlog/spdlog.h>

namespace boa::amqp::detail {

namespace {

std::string describe(const proton::error_condition& e) {
  if (e.empty())
    return {};
  return e.description().empty() ? e.name() : e.description();
}

} // namespace

bridge_state::bridge_state(bridge_options options, bridge_endpoint endpoint)
    : options_(std::move(options)), endpoint_(std::move(endpoint)),
      links_(options_.reconnect_min, options_.reconnect_max, options_.metrics,
             options_.max_message_bytes),
      backoff_(options_.reconnect_min, options_.reconnect_max) {}

bridge_state::~bridge_state() {
  close();
}

expected<void> bridge_state::start() {
  thread_ = std::thread([this] { run(); });
  std::string why;
  {
    std::unique_lock lock{mutex_};
    // A little past the attempt's own timeout, which ends the attempt and says why (a login
    // never answered, say), so that it decides the message.
    changed_.wait_for(lock, options_.connect_timeout + std::chrono::seconds(1),
                      [&] { return phase_ != phase::connecting; });
    if (phase_ == phase::open)
      return {};
    why = phase_ == phase::connecting
              ? "no answer within " + std::to_string(options_.connect_timeout.count()) + " ms"
              : first_error_;
  }
  close();
  errc code = errc::io;
  {
    std::lock_guard guard{mutex_};
    code = first_error_code_;
  }
  return error{code, "amqp bridge: cannot connect to " + endpoint_.display + ": " + why};
}

void bridge_state::close() {
  std::lock_guard close_guard{close_mutex_};
  outbox_.close("the AMQP bridge to " + endpoint_.display + " is closed");
  std::unique_lock lock{mutex_};
  if (!closing_) {
    closing_ = true;
    if (phase_ == phase::open) {
      // Closed cleanly through the connection's own work queue, so that the close is flushed.
      lock.unlock();
      const bool queued = outbox_.run_on_connection([this] {
        if (connection_ && connection_.active())
          connection_.close();
      });
      lock.lock();
      if (queued)
        changed_.wait_for(lock, options_.connect_timeout,
                          [&] { return phase_ != phase::open || !container_; });
    }
  }
  // Under the lock: the container thread clears `container_` before the container goes. Timers
  // still pending (attempt timeouts, reconnects, link reopens) would keep a stopped container
  // running until they fire, so they are cancelled; again if one re-armed the proactor meanwhile.
  while (container_) {
    container_->stop();
    if (running_proactor_)
      pn_proactor_cancel_timeout(running_proactor_);
    changed_.wait_for(lock, std::chrono::milliseconds(50), [&] { return !container_; });
  }
  lock.unlock();
  if (thread_.joinable())
    thread_.join();
}

bool bridge_state::connected() const {
  std::lock_guard guard{mutex_};
  return phase_ == phase::open;
}

// Caller side: queue work for the container thread, never wait for it.

void bridge_state::publish(protocol::envelope message, const caf::actor& confirm_to,
                           std::uint64_t token) {
  auto refuse = [&](std::string why) {
    if (confirm_to)
      caf::anon_send(confirm_to, actors::published_atom::value, token, false, std::move(why));
  };
  auto address = to_amqp_address(message.address);
  if (!address) {
    refuse(address.error().message);
    return;
  }
  if (auto too_large = bus::publish_over_limit(message, options_.max_message_bytes)) {
    refuse(std::move(*too_large));
    return;
  }
  publish_op op{next_publish_++, std::move(*address), {}, confirm_to, token};
  if (options_.metrics && confirm_to)
    op.published = std::chrono::steady_clock::now();
  to_message(message).encode(op.bytes);
  if (auto refused = outbox_.push_publish(std::move(op)))
    refuse(std::move(*refused));
}

expected<std::uint64_t> bridge_state::subscribe(const std::string& address,
                                                const caf::actor& consumer, std::uint32_t credit) {
  auto mapped = to_amqp_address(address);
  if (!mapped)
    return mapped.error();
  const auto id = next_subscription_++;
  if (!outbox_.push(subscribe_op{id, address, std::move(*mapped), consumer, credit}))
    return error{errc::io, "amqp bridge: cannot subscribe to " + address + ": the bridge to " +
                               endpoint_.display + " is closed"};
  return id;
}

void bridge_state::add_credit(std::uint64_t subscription, std::uint32_t n) {
  (void)outbox_.push(credit_op{subscription, n});
}

void bridge_state::settle(std::uint64_t tag, bus::settlement how, const std::string& reason) {
  (void)outbox_.push(settle_op{tag, how, reason});
}

void bridge_state::unsubscribe(std::uint64_t subscription) {
  (void)outbox_.push(unsubscribe_op{subscription});
}

// The container thread.

void bridge_state::run() {
  while (true) {
    const bool failed = !run_container();
    std::lock_guard guard{mutex_};
    if (phase_ == phase::connecting) {
      phase_ = phase::failed;
      if (first_error_.empty())
        first_error_ = last_error_.empty() ? "the AMQP container stopped" : last_error_;
      changed_.notify_all();
      return;
    }
    if (closing_ || !failed) {
      phase_ = phase::closed;
      changed_.notify_all();
      return;
    }
    // The container failed with the bridge in use: a fresh one reconnects.
    phase_ = phase::down;
  }
}

bool bridge_state::run_container() {
  proton::container container(*this, options_.container_id);
  container.auto_stop(false);
  {
    std::lock_guard guard{mutex_};
    if (closing_)
      return true;
    container_ = &container;
  }
  std::string failure;
  try {
    container.run();
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  {
    std::lock_guard guard{mutex_};
    container_ = nullptr;
    running_proactor_ = nullptr;
    changed_.notify_all();
  }
  if (!failure.empty()) {
    spdlog::error("amqp bridge: the AMQP container failed: {}", failure);
    last_error_ = "the AMQP container failed: " + failure;
    if (proactor_)
      if (!finish_disconnect(proactor_, options_.connect_timeout))
        spdlog::warn("amqp bridge: the failed AMQP container did not close its connection");
  }
  proactor_ = nullptr;
  // The container ended without reporting the end of its connection, or with work still queued.
  end_connection(last_error_.empty() ? "the AMQP container stopped" : last_error_);
  return failure.empty();
}

void bridge_state::on_container_start(proton::container&) {
  if (!std::exchange(started_once_, true))
    attempt_connect();
  else
    schedule_reconnect(last_error_);
}

void bridge_state::attempt_connect() {
  {
    std::lock_guard guard{mutex_};
    if (closing_ || !container_)
      return;
  }
  const auto attempt = ++attempt_;
  last_error_.clear();
  settings_refused_ = false;
  proton::connection_options options;
  options.handler(*this);
  if (options_.idle_timeout.count() > 0)
    options.idle_timeout(proton::duration(options_.idle_timeout.count()));
  if (!options_.username.empty())
    options.user(options_.username)
        .password(options_.password)
        .sasl_enabled(true)
        .sasl_allow_insecure_mechs(true)
        .sasl_allowed_mechs("PLAIN");
  if (endpoint_.tls) {
    try {
      options.ssl_client_options(tls_options());
    } catch (const std::exception& e) {
      // Proton reads the files here: a missing or malformed one will not get better.
      last_error_ = std::string("the TLS files cannot be used (") + e.what() +
                    "); check broker.tls-ca-file, broker.tls-cert-file and broker.tls-key-file";
      settings_refused_ = true;
      on_attempt_failed();
      return;
    }
  }
  try {
    connection_ = container_->connect(endpoint_.address, options);
  } catch (const std::exception& e) {
    last_error_ = e.what();
    on_attempt_failed();
    return;
  }
  proactor_ = pn_connection_proactor(raw_connection::of(connection_));
  {
    std::lock_guard guard{mutex_};
    running_proactor_ = proactor_;
  }
  container_->schedule(proton::duration(options_.connect_timeout.count()),
                       [this, attempt] { attempt_timed_out(attempt); });
}

proton::ssl_client_options bridge_state::tls_options() const {
  if (!options_.tls_verify_broker)
    return proton::ssl_client_options(proton::ssl::ANONYMOUS_PEER);
  const auto verify = proton::ssl::VERIFY_PEER_NAME;
  if (!options_.tls_cert_file.empty())
    return {proton::ssl_certificate(options_.tls_cert_file, options_.tls_key_file),
            options_.tls_ca_file, verify};
  if (!options_.tls_ca_file.empty())
    return {options_.tls_ca_file, verify};
  return proton::ssl_client_options(verify);
}

void bridge_state::attempt_timed_out(std::uint64_t attempt) {
  if (attempt != attempt_ || open_ || !connection_ || !proactor_)
    return;
  last_error_ = "no answer within " + std::to_string(options_.connect_timeout.count()) + " ms";
  // A broker that chose a login mechanism with us and then went silent is most likely one that
  // does not answer a wrong password: RabbitMQ never does. Say so rather than "no answer".
  if (!options_.username.empty())
    if (auto* transport = pn_connection_transport(raw_connection::of(connection_))) {
      auto* sasl = pn_sasl(transport);
      if (pn_sasl_get_mech(sasl) != nullptr && pn_sasl_outcome(sasl) == PN_SASL_NONE) {
        last_error_ = "the broker did not answer the login as user '" + options_.username +
                      "' within " + std::to_string(options_.connect_timeout.count()) +
                      " ms: most likely a wrong user or password (RabbitMQ does not answer "
                      "one); check broker.username and the password";
        settings_refused_ = true;
      }
    }
  // The only connection of this container: disconnecting the proactor ends just this attempt.
  auto* condition = pn_condition();
  pn_condition_set_name(condition, "amqp:resource-limit-exceeded");
  pn_condition_set_description(condition, last_error_.c_str());
  pn_proactor_disconnect(proactor_, condition);
  pn_condition_free(condition);
}

void bridge_state::on_connection_open(proton::connection& c) {
  {
    std::lock_guard guard{mutex_};
    if (closing_) {
      c.close();
      return;
    }
  }
  connection_ = c;
  open_ = true;
  backoff_.reset();
  links_.connected(c);
  outbox_.attach(c.work_queue(), [this] { drain(); });
  // What was queued while there was no connection first (unsubscribes included), then the links
  // of the subscriptions that outlived the last connection.
  drain();
  links_.reopen();
  {
    std::lock_guard guard{mutex_};
    phase_ = phase::open;
    changed_.notify_all();
  }
  report(bridge_connection_event::kind::connected, {});
}

void bridge_state::drain() {
  links_.apply(outbox_.take());
}

void bridge_state::on_connection_close(proton::connection& c) {
  if (auto why = describe(c.error()); !why.empty())
    last_error_ = why;
}

void bridge_state::on_transport_error(proton::transport& t) {
  if (!last_error_.empty())
    return;
  last_error_ = describe(t.error());
  if (t.error().name() == "amqp:unauthorized-access") {
    settings_refused_ = true;
    last_error_ =
        options_.username.empty()
            ? "the broker wants a login (" + last_error_ + "); set broker.username and a password"
            : "the broker refused the login as user '" + options_.username + "' (" + last_error_ +
                  "); check broker.username and the password";
  } else if (endpoint_.tls && last_error_.find("certificate verify failed") != std::string::npos) {
    // OpenSSL's words for a chain that reaches no trusted CA and for a certificate that does not
    // name the host alike: either way this broker is not the one the settings trust.
    settings_refused_ = true;
    last_error_ = "the broker's certificate did not verify (" + last_error_ +
                  "): it must chain to " +
                  (options_.tls_ca_file.empty()
                       ? std::string("the system's CA certificates (set broker.tls-ca-file)")
                       : "broker.tls-ca-file '" + options_.tls_ca_file + "'") +
                  " and name the host of " + endpoint_.display;
  }
}

void bridge_state::on_transport_close(proton::transport&) {
  end_connection(last_error_.empty() ? "the connection closed" : last_error_);
  on_attempt_failed();
}

void bridge_state::on_attempt_failed() {
  const auto reason = last_error_.empty() ? std::string("the connection closed") : last_error_;
  {
    std::lock_guard guard{mutex_};
    if (closing_) {
      phase_ = phase::closed;
      changed_.notify_all();
      return;
    }
    if (phase_ == phase::connecting) {
      // The first connection decides `connect`; nothing retries it.
      phase_ = phase::failed;
      first_error_ = reason;
      first_error_code_ = settings_refused_ ? errc::invalid_input : errc::io;
      changed_.notify_all();
      return;
    }
    phase_ = phase::down;
  }
  schedule_reconnect(reason);
}

void bridge_state::end_connection(const std::string& reason) {
  const bool was_open = std::exchange(open_, false);
  connection_ = proton::connection();
  bool closing = false;
  {
    std::lock_guard guard{mutex_};
    closing = closing_;
  }
  const auto why = closing ? "the AMQP bridge to " + endpoint_.display + " was closed"
                           : "connection lost to " + endpoint_.display + ": " + reason;
  auto waiting = outbox_.detach(why);
  links_.lost(why);
  links_.apply(std::move(waiting));
  if (was_open && !closing) {
    spdlog::warn("amqp bridge: {}", why);
    report(bridge_connection_event::kind::lost, reason);
  }
}

void bridge_state::schedule_reconnect(const std::string& reason) {
  const auto delay = backoff_.next(random_);
  report(bridge_connection_event::kind::reconnecting, reason, delay);
  if (container_)
    container_->schedule(proton::duration(delay.count()), [this] { attempt_connect(); });
}

void bridge_state::report(bridge_connection_event::kind what, const std::string& reason,
                          std::chrono::milliseconds retry_in) {
  if (!options_.on_event)
    return;
  try {
    options_.on_event(bridge_connection_event{what, endpoint_.display, reason, retry_in});
  } catch (const std::exception& e) {
    spdlog::warn("amqp bridge: the connection event callback threw: {}", e.what());
  }
}

// Proton events for the bus.

void bridge_state::on_message(proton::delivery& d, proton::message& m) {
  links_.on_message(d, m);
}
void bridge_state::on_sendable(proton::sender& s) {
  links_.on_sendable(s);
}
void bridge_state::on_tracker_accept(proton::tracker& t) {
  links_.on_outcome(t, publish_outcome::accepted);
}
void bridge_state::on_tracker_reject(proton::tracker& t) {
  links_.on_outcome(t, publish_outcome::rejected);
}
void bridge_state::on_tracker_release(proton::tracker& t) {
  links_.on_outcome(t, publish_outcome::released);
}
void bridge_state::on_tracker_settle(proton::tracker& t) {
  links_.on_outcome(t, publish_outcome::settled);
}
void bridge_state::on_receiver_close(proton::receiver& r) {
  links_.on_receiver_gone(r);
}
void bridge_state::on_receiver_detach(proton::receiver& r) {
  links_.on_receiver_gone(r);
}
void bridge_state::on_sender_close(proton::sender& s) {
  links_.on_sender_gone(s);
}
void bridge_state::on_sender_detach(proton::sender& s) {
  links_.on_sender_gone(s);
}

void bridge_state::on_session_close(proton::session& s) {
  // The broker ended the session of every link without detaching them one by one: starting over
  // on a new connection restores them all.
  const auto why = describe(s.error());
  last_error_ = "the broker ended the session" + (why.empty() ? "" : ": " + why);
  spdlog::warn("amqp bridge: {}", last_error_);
  if (connection_ && connection_.active())
    connection_.close(proton::error_condition("amqp:internal-error", last_error_));
}

void bridge_state::on_error(const proton::error_condition& c) {
  // Errors end a link or the connection, and are handled where that is reported; the default
  // handler would throw them out of the container.
  spdlog::debug("amqp bridge: {}", c.what());
}

} // namespace boa::amqp::detail
