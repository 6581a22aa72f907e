#include "runtime/amqp/detail/bridge_links.hpp"

#include "actors/messages.hpp"
#include "protocol/envelope.hpp"
#include "protocol/limits.hpp"
#include "runtime/amqp/address_map.hpp"
#include "runtime/amqp/detail/proton_raw.hpp"
#include "runtime/amqp/message_codec.hpp"

#include <proton/error_condition.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender_options.hpp>
#include <proton/source_options.hpp>
#include <proton/target_options.hpp>
#include <proton/terminus.hpp>
#include <proton/work_queue.hpp>

#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>
#include <optional>

namespace boa::amqp::detail {

namespace {

/// AMQP delivery tags of publishes are the bridge's publish ids, as 8 little-endian bytes.
std::optional<std::uint64_t> tag_value(const proton::binary& bytes) {
  if (bytes.size() != 8)
    return std::nullopt;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i)
    value |= std::uint64_t{bytes[i]} << (8 * i);
  return value;
}

/// Whether the AMQP address names a durable queue. Links to one get durable termini, as RabbitMQ
/// declares `/queue/NAME` durable only for a durable terminus; all others stay non-durable.
bool durable_link(const std::string& amqp_address) {
  auto logical = to_logical_address(amqp_address);
  return logical && protocol::addresses::is_durable_queue(*logical);
}

template <class TerminusOptions> TerminusOptions terminus_for(const std::string& amqp_address) {
  TerminusOptions options;
  if (durable_link(amqp_address))
    options.durability_mode(proton::terminus::CONFIGURATION).expiry_policy(proton::terminus::NEVER);
  else
    options.durability_mode(proton::terminus::NONDURABLE);
  return options;
}

void confirm(const caf::actor& to, std::uint64_t token, bool ok, std::string error) {
  if (to)
    caf::anon_send(to, actors::published_atom::value, token, ok, std::move(error));
}

/// Why the broker closed a link, for logs and publish confirmations.
std::string why_closed(const proton::link& link) {
  auto e = link.error();
  if (e.empty())
    return "the broker closed the link";
  return e.description().empty() ? e.name() : e.description();
}

int as_credit(std::uint64_t n) {
  return static_cast<int>(std::min<std::uint64_t>(n, INT_MAX));
}

} // namespace

bridge_links::bridge_links(std::chrono::milliseconds retry_min, std::chrono::milliseconds retry_max,
                           metrics::node_metrics* metrics, std::size_t max_message_bytes)
    : retry_min_(retry_min), retry_max_(retry_max), metrics_(metrics),
      max_message_bytes_(max_message_bytes) {}

void bridge_links::connected(proton::connection c) {
  connection_ = std::move(c);
  ++generation_;
}

void bridge_links::reopen() {
  for (auto& [id, sub] : subscriptions_)
    if (!sub.receiver && !sub.retry_scheduled)
      open_receiver(id, sub);
}

void bridge_links::lost(const std::string& why) {
  connection_ = proton::connection();
  ++generation_;
  down_reason_ = why;
  for (auto& [id, entry] : unconfirmed_)
    confirm(entry.confirm_to, entry.token, false, why);
  unconfirmed_.clear();
  for (auto& [address, p] : publishers_)
    for (auto& op : p.waiting)
      confirm(op.confirm_to, op.token, false, why);
  publishers_.clear();
  address_of_.clear();
  // The broker gives every unsettled delivery of the lost connection back to its queue.
  unsettled_.clear();
  held_.clear();
  subscription_of_.clear();
  for (auto& [id, sub] : subscriptions_) {
    sub.receiver = proton::receiver();
    sub.retry_scheduled = false;
  }
}

void bridge_links::apply(std::vector<bridge_op> ops) {
  for (auto& op : ops)
    std::visit(
        [this](auto& o) {
          using type = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<type, publish_op>)
            publish(std::move(o));
          else if constexpr (std::is_same_v<type, subscribe_op>)
            subscribe(std::move(o));
          else if constexpr (std::is_same_v<type, credit_op>)
            add_credit(o);
          else if constexpr (std::is_same_v<type, settle_op>)
            settle(o);
          else
            unsubscribe(o);
        },
        op);
}

// Publishing.

void bridge_links::publish(publish_op op) {
  if (!connection_) {
    confirm(op.confirm_to, op.token, false, down_reason_);
    return;
  }
  auto& p = publisher_for(op.address);
  if (p.waiting.empty() && p.sender.credit() > 0)
    send(p, std::move(op));
  else
    p.waiting.push_back(std::move(op));
}

bridge_links::publisher& bridge_links::publisher_for(const std::string& address) {
  auto [i, fresh] = publishers_.try_emplace(address);
  if (fresh) {
    auto target = terminus_for<proton::target_options>(address);
    i->second.sender =
        connection_.open_sender(address, proton::sender_options()
                                             .name("boa-publish-" + std::to_string(next_link_++))
                                             .delivery_mode(proton::delivery_mode::AT_LEAST_ONCE)
                                             .target(target));
    address_of_[raw_link::of(i->second.sender)] = address;
  }
  return i->second;
}

void bridge_links::send(publisher& p, publish_op op) {
  auto* link = raw_link::of(p.sender);
  char tag[8];
  for (std::size_t i = 0; i < 8; ++i)
    tag[i] = static_cast<char>(op.id >> (8 * i));
  pn_delivery(link, pn_dtag(tag, sizeof tag));
  pn_link_send(link, op.bytes.data(), op.bytes.size());
  pn_link_advance(link);
  if (op.confirm_to)
    unconfirmed_.emplace(op.id,
                         unconfirmed{std::move(op.confirm_to), op.token, link, op.published});
}

void bridge_links::send_waiting(publisher& p) {
  while (!p.waiting.empty() && p.sender.credit() > 0) {
    auto op = std::move(p.waiting.front());
    p.waiting.pop_front();
    send(p, std::move(op));
  }
}

void bridge_links::on_sendable(proton::sender& s) {
  auto i = address_of_.find(raw_link::of(s));
  if (i == address_of_.end())
    return;
  if (auto p = publishers_.find(i->second); p != publishers_.end())
    send_waiting(p->second);
}

void bridge_links::on_outcome(proton::tracker& t, publish_outcome what) {
  auto id = tag_value(t.tag());
  if (!id)
    return;
  auto i = unconfirmed_.find(*id);
  if (i == unconfirmed_.end()) // answered before: Proton reports a settled outcome again
    return;
  auto entry = std::move(i->second);
  unconfirmed_.erase(i);
  switch (what) {
  case publish_outcome::accepted:
    if (metrics_)
      metrics_->publish_seconds().observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - entry.published)
              .count());
    confirm(entry.confirm_to, entry.token, true, {});
    break;
  case publish_outcome::rejected: {
    auto reason = remote_reason(t);
    confirm(entry.confirm_to, entry.token, false,
            "the broker rejected the message" + (reason.empty() ? "" : ": " + reason));
    break;
  }
  case publish_outcome::released:
    confirm(entry.confirm_to, entry.token, false, "the broker released the message unprocessed");
    break;
  case publish_outcome::settled:
    confirm(entry.confirm_to, entry.token, false, "the broker settled the message without outcome");
    break;
  }
}

void bridge_links::on_sender_gone(proton::sender& s) {
  auto* link = raw_link::of(s);
  auto i = address_of_.find(link);
  if (i == address_of_.end())
    return;
  auto address = i->second;
  address_of_.erase(i);
  const auto why = "the broker closed the link sending to " + address + ": " + why_closed(s);
  spdlog::warn("amqp bridge: {}", why);
  for (auto u = unconfirmed_.begin(); u != unconfirmed_.end();) {
    if (u->second.link != link) {
      ++u;
      continue;
    }
    confirm(u->second.confirm_to, u->second.token, false, why);
    u = unconfirmed_.erase(u);
  }
  if (auto p = publishers_.find(address); p != publishers_.end()) {
    for (auto& op : p->second.waiting)
      confirm(op.confirm_to, op.token, false, why);
    publishers_.erase(p); // the next publish to the address opens a new link
  }
}

// Consuming.

void bridge_links::subscribe(subscribe_op op) {
  auto& sub = subscriptions_
                  .try_emplace(op.subscription,
                               subscription{op.logical,
                                            op.address,
                                            op.consumer,
                                            metrics_ ? metrics_->deliveries_from(op.logical)
                                                     : metrics::delivery_meter{},
                                            op.credit,
                                            {},
                                            false,
                                            bridge_backoff(retry_min_, retry_max_)})
                  .first->second;
  if (connection_)
    open_receiver(op.subscription, sub);
}

void bridge_links::open_receiver(std::uint64_t id, subscription& sub) {
  sub.retry_scheduled = false;
  auto source = terminus_for<proton::source_options>(sub.address);
  sub.receiver = connection_.open_receiver(
      sub.address,
      proton::receiver_options()
          .name("boa-subscription-" + std::to_string(id) + "-" + std::to_string(next_link_++))
          .credit_window(0)
          .auto_accept(false)
          .delivery_mode(proton::delivery_mode::AT_LEAST_ONCE)
          .source(source));
  subscription_of_[raw_link::of(sub.receiver)] = id;
  if (sub.unused > 0)
    sub.receiver.add_credit(as_credit(sub.unused));
}

void bridge_links::add_credit(const credit_op& op) {
  auto i = subscriptions_.find(op.subscription);
  if (i == subscriptions_.end())
    return;
  i->second.unused += op.n;
  if (i->second.receiver && op.n > 0)
    i->second.receiver.add_credit(static_cast<int>(std::min<std::uint32_t>(op.n, INT_MAX)));
}

void bridge_links::on_message(proton::delivery& d, proton::message& m) {
  auto link = subscription_of_.find(raw_link::of(d.receiver()));
  if (link == subscription_of_.end()) // a link being closed: the broker takes the message back
    return;
  const auto id = link->second;
  auto& sub = subscriptions_.at(id);
  auto envelope = to_envelope(m);
  // The consumer never sees a message refused here, so the credit it used is given back at once.
  auto refuse = [&](const char* condition, const std::string& why) {
    spdlog::warn("amqp bridge: rejecting a message from {}: {}", sub.address, why);
    if (!d.settled())
      reject_with(d, {condition, why});
    d.receiver().add_credit(1);
  };
  if (!envelope)
    return refuse("amqp:decode-error", envelope.error().message);
  if (auto too_large = protocol::message_over_limit("message from " + sub.logical,
                                                    envelope->body.size(), max_message_bytes_))
    return refuse("amqp:link:message-size-exceeded", too_large->message);
  if (sub.unused > 0)
    --sub.unused;
  sub.refusals.reset();
  envelope->address = sub.logical; // the link's own address wins over `to`
  sub.counted.count(envelope->delivery_count);
  const auto tag = next_tag_++;
  if (!d.settled()) { // always unsettled: the receivers ask for at-least-once delivery
    unsettled_.emplace(tag, unsettled{d, id});
    held_.add(tag);
  }
  caf::anon_send(sub.consumer, actors::delivery_atom::value,
                 bus::delivery{id, tag, std::move(*envelope)});
}

void bridge_links::settle(const settle_op& op) {
  auto i = unsettled_.find(op.tag);
  if (i == unsettled_.end()) // settled before, or from a lost connection or link
    return;
  auto d = std::move(i->second.delivery);
  unsettled_.erase(i);
  held_.remove(op.tag);
  switch (op.how) {
  case bus::settlement::accept:
    d.accept();
    break;
  case bus::settlement::release:
    d.release();
    break;
  case bus::settlement::reject:
    reject_with(d, {"boa:rejected", op.reason.empty() ? "rejected by its consumer" : op.reason});
    break;
  }
}

void bridge_links::unsubscribe(const unsubscribe_op& op) {
  auto i = subscriptions_.find(op.subscription);
  if (i == subscriptions_.end())
    return;
  if (i->second.receiver) {
    // Closing the link gives its unsettled deliveries back to the broker.
    subscription_of_.erase(raw_link::of(i->second.receiver));
    i->second.receiver.close();
  }
  forget_tags_of(op.subscription);
  subscriptions_.erase(i);
}

void bridge_links::on_receiver_gone(proton::receiver& r) {
  auto link = subscription_of_.find(raw_link::of(r));
  if (link == subscription_of_.end())
    return;
  const auto id = link->second;
  subscription_of_.erase(link);
  auto& sub = subscriptions_.at(id);
  sub.receiver = proton::receiver();
  forget_tags_of(id); // the broker gave them back with the link
  spdlog::warn("amqp bridge: the broker closed the link of subscription {} to {}: {}", id,
               sub.logical, why_closed(r));
  schedule_reopen(id, sub);
}

void bridge_links::schedule_reopen(std::uint64_t id, subscription& sub) {
  if (!connection_)
    return;
  const auto delay = sub.refusals.next(random_);
  sub.retry_scheduled = true;
  spdlog::info("amqp bridge: reopening subscription {} to {} in {} ms", id, sub.logical,
               delay.count());
  connection_.work_queue().schedule(proton::duration(delay.count()),
                                    [this, id, generation = generation_] {
                                      if (generation != generation_)
                                        return;
                                      auto i = subscriptions_.find(id);
                                      if (i != subscriptions_.end() && !i->second.receiver)
                                        open_receiver(id, i->second);
                                    });
}

void bridge_links::forget_tags_of(std::uint64_t subscription) {
  std::erase_if(unsettled_, [&](const auto& entry) {
    if (entry.second.subscription != subscription)
      return false;
    held_.remove(entry.first);
    return true;
  });
}

} // namespace boa::amqp::detail
