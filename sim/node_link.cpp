#include "sim/node_link.hpp"

#include "actors/messages.hpp"

#include <caf/send.hpp>

#include <string>

namespace boa::sim {

namespace {

const char* settlement_name(boa::bus::settlement how) {
  switch (how) {
  case boa::bus::settlement::accept:
    return "accept";
  case boa::bus::settlement::release:
    return "release";
  case boa::bus::settlement::reject:
    break;
  }
  return "reject";
}

} // namespace

node_link::node_link(std::shared_ptr<boa::bus::broker_core> core, std::string node,
                     std::uint64_t session, trace& events)
    : core_(std::move(core)), node_(std::move(node)), session_(session), trace_(events) {}

void node_link::publish(protocol::envelope message, const caf::actor& confirm_to,
                        std::uint64_t token) {
  if (cut_)
    return; // lost with the connection: never confirmed
  trace_.record(
      {"publish", node_, message.address, message.subject, message.message_id, message.body});
  auto done = core_->publish(std::move(message));
  if (confirm_to)
    caf::anon_send(confirm_to, actors::published_atom::value, token, done.has_value(),
                   done ? std::string{} : done.error().message);
}

expected<std::uint64_t> node_link::subscribe(const std::string& address, const caf::actor& consumer,
                                             std::uint32_t credit) {
  if (cut_)
    return next_dead_subscription_++; // as on a dead connection not yet noticed: nothing arrives
  trace_.record({"subscribe", node_, address});
  auto* events = &trace_;
  return core_->subscribe(
      address, credit,
      [consumer, events, node = node_, redeliveries = redeliveries_,
       early = early_accepts_](boa::bus::delivery d) {
        if (d.message.delivery_count > 0)
          ++*redeliveries;
        if (early)
          early->push_back(d.tag);
        events->record({"deliver", node, d.message.address, d.message.body,
                        std::to_string(d.message.delivery_count)});
        caf::anon_send(consumer, actors::delivery_atom::value, std::move(d));
      },
      session_);
}

void node_link::add_credit(std::uint64_t subscription, std::uint32_t n) {
  if (!cut_)
    core_->add_credit(subscription, n);
}

void node_link::settle(std::uint64_t tag, boa::bus::settlement how, const std::string& reason) {
  if (cut_)
    return;
  trace_.record({"settle", node_, settlement_name(how), reason});
  core_->settle(tag, how, reason);
}

void node_link::flush_early_accepts() {
  if (!early_accepts_)
    return;
  auto tags = std::move(*early_accepts_);
  early_accepts_->clear();
  if (cut_)
    return;
  for (auto tag : tags) {
    trace_.record({"settle", node_, "accept", "on arrival (planted bug)"});
    core_->settle(tag, boa::bus::settlement::accept);
  }
}

void node_link::unsubscribe(std::uint64_t subscription) {
  if (!cut_)
    core_->unsubscribe(subscription);
}

void node_link::cut() {
  if (cut_)
    return;
  cut_ = true;
  trace_.record({"crash", node_});
  core_->close_session(session_);
}

} // namespace boa::sim
