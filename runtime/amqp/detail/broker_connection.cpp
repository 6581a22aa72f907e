#include "runtime/amqp/detail/broker_connection.hpp"

#include "protocol/limits.hpp"
#include "runtime/amqp/address_map.hpp"
#include "runtime/amqp/detail/proton_raw.hpp"
#include "runtime/amqp/message_codec.hpp"

#include <proton/delivery.hpp>
#include <proton/error_condition.hpp>
#include <proton/message.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sasl.hpp>
#include <proton/sender_options.hpp>
#include <proton/session.hpp>
#include <proton/source.hpp>
#include <proton/target.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

namespace boa::amqp::detail {

namespace {

/// AMQP delivery tags of outgoing deliveries are the core's tags, as 8 little-endian bytes.
proton::binary tag_bytes(std::uint64_t tag) {
  proton::binary bytes(8);
  for (std::size_t i = 0; i < 8; ++i)
    bytes[i] = static_cast<std::uint8_t>(tag >> (8 * i));
  return bytes;
}

std::optional<std::uint64_t> tag_value(const proton::binary& bytes) {
  if (bytes.size() != 8)
    return std::nullopt;
  std::uint64_t tag = 0;
  for (std::size_t i = 0; i < 8; ++i)
    tag |= std::uint64_t{bytes[i]} << (8 * i);
  return tag;
}

/// The AMQP condition for an address or publish the broker refuses.
proton::error_condition condition_for(const error& e) {
  return {e.code == errc::not_found ? "amqp:not-found" : "amqp:invalid-field", e.message};
}

/// Whether the client logged in with PLAIN, the only login the broker's users can make.
bool logged_in(proton::connection& c) {
  auto sasl = c.transport().sasl();
  return sasl.outcome() == proton::sasl::OK && sasl.mech() == "PLAIN";
}

/// Attaches and at once detaches a link the broker refuses, so that the client learns why.
template <class Link> void refuse(Link& link, const proton::error_condition& why) {
  spdlog::debug("embedded broker: refusing link '{}': {}", link.name(), why.description());
  if (link.uninitialized())
    link.open();
  link.close(why);
}

} // namespace

void delivery_outbox::attach(proton::work_queue& queue, std::function<void()> on_wake) {
  std::lock_guard guard{mutex_};
  queue_ = &queue;
  on_wake_ = std::move(on_wake);
}

void delivery_outbox::detach() {
  std::lock_guard guard{mutex_};
  queue_ = nullptr;
  items_.clear();
}

void delivery_outbox::push(bus::delivery d) {
  std::lock_guard guard{mutex_};
  if (!queue_)
    return;
  items_.push_back(std::move(d));
  if (wake_pending_)
    return;
  // `add` fails once the connection's transport closed; the core then gets the delivery back
  // when the connection's session is closed.
  wake_pending_ = queue_->add(on_wake_);
}

std::vector<bus::delivery> delivery_outbox::take() {
  std::lock_guard guard{mutex_};
  wake_pending_ = false;
  return std::exchange(items_, {});
}

broker_connection::broker_connection(std::shared_ptr<bus::broker_core> core,
                                     connection_owner& owner, std::uint64_t session,
                                     std::uint32_t publish_window, std::size_t max_message_bytes)
    : core_(std::move(core)), owner_(owner), session_(session), publish_window_(publish_window),
      max_message_bytes_(max_message_bytes) {}

void broker_connection::on_connection_open(proton::connection& c) {
  connection_ = c;
  outbox_->attach(c.work_queue(), [weak = weak_from_this()] {
    if (auto self = weak.lock())
      self->flush_outbox();
  });
  if (c.uninitialized())
    c.open();
  if (owner_.stopping())
    c.close(proton::error_condition("amqp:connection:forced", "the embedded broker is stopping"));
  else if (owner_.requires_login() && !logged_in(c))
    // A client that skipped SASL altogether never met the PLAIN check.
    c.close(proton::error_condition("amqp:unauthorized-access",
                                    "this broker needs a SASL PLAIN login"));
}

void broker_connection::close_for_shutdown() {
  if (!connection_ || torn_down_)
    return;
  // Through the connection's own work queue: a connection touched from outside its own events
  // is not flushed, and closing it could stall.
  connection_.work_queue().add([weak = weak_from_this()] {
    auto self = weak.lock();
    if (self && !self->torn_down_ && self->connection_.active())
      self->connection_.close(
          proton::error_condition("amqp:connection:forced", "the embedded broker is stopping"));
  });
}

// Client sender links: publishing.

void broker_connection::on_receiver_open(proton::receiver& r) {
  auto target = r.target();
  std::string logical; // empty: an anonymous link, each message names its address in `to`
  if (target.dynamic()) {
    refuse(r, {"amqp:not-implemented", "this broker does not create dynamic nodes"});
    return;
  }
  if (!target.address().empty()) {
    auto mapped = to_logical_address(target.address());
    if (!mapped) {
      refuse(r, condition_for(mapped.error()));
      return;
    }
    logical = std::move(*mapped);
  }
  r.open(proton::receiver_options().auto_accept(false).credit_window(
      static_cast<int>(publish_window_)));
  incoming_[r] = std::move(logical);
}

void broker_connection::on_receiver_close(proton::receiver& r) {
  incoming_.erase(r);
}
void broker_connection::on_receiver_detach(proton::receiver& r) {
  incoming_.erase(r);
}

void broker_connection::on_message(proton::delivery& d, proton::message& m) {
  try {
    publish(d, m);
  } catch (const std::exception& e) {
    // Nothing a client sends may take the container down.
    spdlog::warn("embedded broker: cannot take a message: {}", e.what());
    if (!d.settled())
      reject_with(d, {"amqp:internal-error", e.what()});
  }
}

void broker_connection::publish(proton::delivery& d, proton::message& m) {
  auto refuse_message = [&](const proton::error_condition& why) {
    if (d.settled()) { // sent pre-settled: nobody waits for an answer
      spdlog::warn("embedded broker: dropping a pre-settled message: {}", why.description());
      d.settle();
    } else {
      reject_with(d, why);
    }
  };
  auto envelope = to_envelope(m);
  if (!envelope) {
    refuse_message({"amqp:decode-error", envelope.error().message});
    return;
  }
  auto link = incoming_.find(d.receiver());
  if (link != incoming_.end() && !link->second.empty()) {
    envelope->address = link->second; // the link's target wins over `to`
  } else if (envelope->address.empty()) {
    if (m.to().empty()) {
      refuse_message({"amqp:invalid-field", "a message on an anonymous link needs a 'to' address"});
      return;
    }
    auto mapped = to_logical_address(m.to());
    if (!mapped) {
      refuse_message(condition_for(mapped.error()));
      return;
    }
    envelope->address = std::move(*mapped);
  }
  if (auto too_large = protocol::message_over_limit("message to " + envelope->address,
                                                    envelope->body.size(), max_message_bytes_)) {
    refuse_message({"amqp:link:message-size-exceeded", too_large->message});
    return;
  }
  // The accept is the client's publish confirmation: only once the core holds the message.
  if (auto taken = core_->publish(std::move(*envelope)); !taken) {
    refuse_message({"amqp:internal-error", taken.error().message});
    return;
  }
  if (d.settled())
    d.settle();
  else
    d.accept();
}

// Client receiver links: consuming.

void broker_connection::on_sender_open(proton::sender& s) {
  auto source = s.source();
  if (source.dynamic()) {
    refuse(s, {"amqp:not-implemented", "this broker does not create dynamic nodes"});
    return;
  }
  if (source.address().empty()) {
    refuse(s, {"amqp:invalid-field", "a receiving link needs a source address such as "
                                     "/queue/NAME or /topic/KEY"});
    return;
  }
  auto logical = to_logical_address(source.address());
  if (!logical) {
    refuse(s, condition_for(logical.error()));
    return;
  }
  // Credit starts at zero: the core gets credit as the client's link grants it.
  auto subscription = core_->subscribe(
      *logical, 0, [box = outbox_](bus::delivery d) { box->push(std::move(d)); }, session_);
  if (!subscription) {
    refuse(s, condition_for(subscription.error()));
    return;
  }
  const bool presettled = peer_wants_presettled(s);
  s.open(proton::sender_options().delivery_mode(presettled ? proton::delivery_mode::AT_MOST_ONCE
                                                           : proton::delivery_mode::AT_LEAST_ONCE));
  auto& link = outgoing_[*subscription];
  link.sender = s;
  link.presettled = presettled;
  subscription_of_[s] = *subscription;
}

void broker_connection::on_sender_close(proton::sender& s) {
  drop_outgoing(s);
}
void broker_connection::on_sender_detach(proton::sender& s) {
  drop_outgoing(s);
}

void broker_connection::drop_outgoing(const proton::sender& s) {
  auto i = subscription_of_.find(s);
  if (i == subscription_of_.end())
    return;
  auto subscription = i->second;
  subscription_of_.erase(i);
  outgoing_.erase(subscription);
  // Unsubscribing releases the link's unsettled deliveries, those still pending here included.
  core_->unsubscribe(subscription);
  std::erase_if(unsettled_, [&](const auto& entry) { return entry.second == subscription; });
}

void broker_connection::on_sendable(proton::sender& s) {
  auto i = subscription_of_.find(s);
  if (i == subscription_of_.end())
    return;
  auto subscription = i->second;
  top_up_credit(subscription, outgoing_.at(subscription));
  // Whatever the new credit let the core hand out is in the outbox already: send it now.
  flush_outbox();
  auto link = outgoing_.find(subscription);
  if (link != outgoing_.end() && s.draining() && link->second.pending.empty())
    s.return_credit();
}

void broker_connection::top_up_credit(std::uint64_t subscription, outgoing_link& link) {
  // Credit in the core plus deliveries on their way to the link never exceed the link's credit.
  const auto credit = static_cast<std::uint64_t>(std::max(link.sender.credit(), 0));
  const auto outstanding = link.handed - link.sent;
  if (credit <= outstanding)
    return;
  const auto more = static_cast<std::uint32_t>(credit - outstanding);
  link.handed += more;
  core_->add_credit(subscription, more);
}

void broker_connection::flush_outbox() {
  for (auto& d : outbox_->take()) {
    auto link = outgoing_.find(d.subscription);
    if (link != outgoing_.end()) // else the link is gone and the core took the delivery back
      link->second.pending.push_back(std::move(d));
  }
  for (auto& [subscription, link] : outgoing_)
    send_pending(subscription, link);
}

void broker_connection::send_pending(std::uint64_t subscription, outgoing_link& link) {
  if (!link.sender.active())
    return;
  while (!link.pending.empty() && link.sender.credit() > 0) {
    auto d = std::move(link.pending.front());
    link.pending.pop_front();
    link.sender.send(to_message(d.message), tag_bytes(d.tag));
    ++link.sent;
    if (link.presettled) // at-most-once: the link settled it on sending
      core_->settle(d.tag, bus::settlement::accept);
    else
      unsettled_.emplace(d.tag, subscription);
  }
}

void broker_connection::on_tracker_accept(proton::tracker& t) {
  settle(t, bus::settlement::accept);
}

void broker_connection::on_tracker_reject(proton::tracker& t) {
  settle(t, bus::settlement::reject, remote_reason(t));
}

void broker_connection::on_tracker_release(proton::tracker& t) {
  settle(t, bus::settlement::release);
}

void broker_connection::on_tracker_settle(proton::tracker& t) {
  // Settled without an outcome this broker knows: the message is not done with.
  settle(t, bus::settlement::release);
}

void broker_connection::settle(proton::tracker& t, bus::settlement how, const std::string& reason) {
  auto tag = tag_value(t.tag());
  if (!tag)
    return;
  auto i = unsettled_.find(*tag);
  if (i == unsettled_.end()) // settled before: Proton reports some outcomes more than once
    return;
  unsettled_.erase(i);
  core_->settle(*tag, how, reason);
  if (!t.settled()) // the client waits for the broker to settle first
    t.settle();
}

// Endings.

void broker_connection::on_session_close(proton::session& s) {
  // Ending a session detaches its links without a detach of their own.
  std::vector<proton::sender> senders;
  for (auto& [sender, subscription] : subscription_of_)
    if (sender.session() == s)
      senders.push_back(sender);
  for (auto& sender : senders)
    drop_outgoing(sender);
  std::erase_if(incoming_, [&](const auto& entry) { return entry.first.session() == s; });
}

void broker_connection::on_transport_close(proton::transport&) {
  tear_down();
  owner_.connection_closed(*this);
}

void broker_connection::tear_down() {
  if (torn_down_)
    return;
  torn_down_ = true;
  outbox_->detach();
  // Every unsettled delivery of this client goes back to its queue.
  core_->close_session(session_);
  outgoing_.clear();
  subscription_of_.clear();
  incoming_.clear();
  unsettled_.clear();
  connection_ = proton::connection();
}

void broker_connection::on_error(const proton::error_condition& c) {
  // A client's error ends its link, session or connection; it is no error of the broker's.
  spdlog::debug("embedded broker: client error: {}", c.what());
}

} // namespace boa::amqp::detail
