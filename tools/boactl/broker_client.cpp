#include "tools/boactl/broker_client.hpp"

#include "actors/messages.hpp"
#include "protocol/job_codec.hpp"

#include <caf/actor_cast.hpp>
#include <caf/after.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace boa::boactl {

namespace {

constexpr std::uint32_t reply_credit = 8;
constexpr std::uint32_t event_credit = 256;
/// Between the polls that follow a job-ended event.
constexpr std::chrono::milliseconds end_poll_step{200};

std::string reply_queue(const std::string& client_id) {
  return "queue:boa.reply." + client_id;
}

} // namespace

broker_client::broker_client(std::shared_ptr<bus::bus> bus, client_options options)
    : options_(std::move(options)), system_(config_), bus_(std::move(bus)), self_(system_) {}

broker_client::~broker_client() {
  for (const auto& sub : {reply_subscription_, event_subscription_, dead_subscription_})
    if (sub)
      bus_->unsubscribe(*sub);
}

caf::actor broker_client::me() const {
  return caf::actor_cast<caf::actor>(self_);
}

std::string broker_client::next_message_id() {
  return fmt::format("{}-{}", options_.client_id, next_id_++);
}

std::string broker_client::seconds(std::chrono::milliseconds d) const {
  return fmt::format("{:g} s", static_cast<double>(d.count()) / 1000.0);
}

expected<protocol::client_reply> broker_client::request(const protocol::client_request& request) {
  protocol::envelope message;
  message.address = protocol::requests_address;
  message.subject = protocol::to_string(request.what);
  message.body = protocol::serialize_request(request);
  return ask(std::move(message));
}

expected<protocol::client_reply>
broker_client::start_job(const protocol::start_job_request& request) {
  protocol::envelope message;
  message.address = protocol::addresses::new_jobs;
  message.subject = protocol::start_job_type;
  message.body = protocol::serialize_start_job(request);
  return ask(std::move(message));
}

expected<void> broker_client::send_command(const protocol::job_command& command) {
  const auto deadline = clock::now() + options_.timeout;
  for (auto& address : protocol::command_addresses(command.what)) {
    protocol::envelope message;
    message.address = address;
    message.subject = "job-command";
    message.message_id = next_message_id();
    message.body = protocol::serialize_command(command);
    if (auto sent = publish_confirmed(std::move(message), deadline); !sent)
      return sent;
  }
  return {};
}

expected<void> broker_client::ensure_reply_queue() {
  if (reply_subscription_)
    return {};
  auto sub = bus_->subscribe(reply_queue(options_.client_id), me(), reply_credit);
  if (!sub)
    return error{errc::io, fmt::format("cannot receive replies from the broker at {}: {}",
                                       options_.broker_url, sub.error().message)};
  reply_subscription_ = *sub;
  return {};
}

expected<protocol::client_reply> broker_client::ask(protocol::envelope message) {
  if (auto ready = ensure_reply_queue(); !ready)
    return ready.error();
  auto deadline = clock::now() + options_.timeout;
  message.message_id = next_message_id();
  message.reply_to = reply_queue(options_.client_id);
  auto what = message.subject;
  awaited_id_ = message.message_id;
  reply_.reset();
  auto sent = publish_confirmed(std::move(message), deadline);
  auto answered = sent && await(deadline, [this] { return reply_.has_value(); });
  awaited_id_.clear();
  if (!sent)
    return sent.error();
  if (!answered)
    return error{errc::timeout,
                 fmt::format("no node answered within {} (the {} request went through the broker "
                             "at {}; is a boa node connected to it?)",
                             seconds(options_.timeout), what, options_.broker_url)};
  auto reply = std::move(*reply_);
  reply_.reset();
  return reply;
}

expected<node_answers> broker_client::command_nodes(const std::string& node,
                                                    const protocol::node_command& command) {
  if (auto ready = ensure_reply_queue(); !ready)
    return ready.error();
  const bool all = node == "all";
  const auto start = clock::now();
  const auto deadline = start + options_.timeout;
  beats_.clear();
  if (all)
    if (auto listening = start_heartbeats(); !listening)
      return listening.error();
  protocol::envelope message;
  message.address = all ? protocol::all_nodes_address : protocol::node_address(node);
  message.subject = protocol::node_command_type;
  message.message_id = next_message_id();
  message.reply_to = reply_queue(options_.client_id);
  message.body = protocol::serialize_node_command(command);
  awaited_id_ = message.message_id;
  collecting_nodes_ = true;
  node_replies_.clear();
  auto answered = [&](const std::string& id) {
    return std::any_of(node_replies_.begin(), node_replies_.end(),
                       [&](const protocol::node_reply& r) { return r.node == id; });
  };
  auto sent = publish_confirmed(std::move(message), deadline);
  if (sent) {
    if (!all)
      await(deadline, [&] { return answered(node); });
    else {
      // Nodes are heard for a while first (their heartbeats say who should answer), then the
      // wait ends as soon as every node heard has answered.
      await(std::min(deadline, start + options_.node_listen), [] { return false; });
      await(deadline, [&] {
        return !node_replies_.empty() &&
               std::all_of(beats_.begin(), beats_.end(),
                           [&](const observed_beat& b) { return answered(b.beat.node); });
      });
    }
  }
  awaited_id_.clear();
  collecting_nodes_ = false;
  stop_heartbeats();
  if (!sent)
    return sent.error();
  node_answers out;
  for (const auto& b : beats_)
    if (!answered(b.beat.node) &&
        std::find(out.silent.begin(), out.silent.end(), b.beat.node) == out.silent.end())
      out.silent.push_back(b.beat.node);
  for (auto& r : node_replies_)
    if (all || r.node == node)
      out.replies.push_back(std::move(r));
  node_replies_.clear();
  std::sort(out.silent.begin(), out.silent.end());
  beats_.clear();
  if (out.replies.empty())
    return error{errc::timeout,
                 all ? fmt::format("no node answered within {} (the {} command went through the "
                                   "broker at {}; is a boa node connected to it?)",
                                   seconds(options_.timeout), protocol::to_string(command.what),
                                   options_.broker_url)
                     : fmt::format("node {} did not answer within {} (is it running and "
                                   "connected to the broker at {}? `boactl cluster nodes` lists "
                                   "the nodes)",
                                   node, seconds(options_.timeout), options_.broker_url)};
  return out;
}

expected<void> broker_client::publish_confirmed(protocol::envelope message,
                                                clock::time_point deadline) {
  const auto token = next_id_++;
  auto address = message.address;
  awaited_token_ = token;
  confirmed_.reset();
  bus_->publish(std::move(message), me(), token);
  auto confirmed = await(deadline, [this] { return confirmed_.has_value(); });
  awaited_token_ = 0;
  if (!confirmed)
    return error{errc::io, fmt::format("the broker at {} did not confirm a message to {} within {}",
                                       options_.broker_url, address, seconds(options_.timeout))};
  auto answer = std::move(*confirmed_);
  confirmed_.reset();
  if (!answer.ok)
    return error{errc::io, fmt::format("the broker at {} did not take a message to {}: {}",
                                       options_.broker_url, address, answer.error)};
  return {};
}

bool broker_client::await(clock::time_point deadline, const std::function<bool()>& done) {
  while (!done()) {
    auto now = clock::now();
    if (now >= deadline)
      return false;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    bool timed_out = false;
    self_->receive([this](actors::delivery_atom, bus::delivery& d) { route(d); },
                   [this](actors::published_atom, std::uint64_t token, bool ok, std::string& why) {
                     if (token == awaited_token_) // else a publish given up on
                       confirmed_ = confirmation{ok, std::move(why)};
                   },
                   caf::after(left) >> [&] { timed_out = true; });
    if (timed_out)
      return done();
  }
  return true;
}

void broker_client::route(bus::delivery& d) {
  if (d.subscription == reply_subscription_)
    take_reply(d);
  else if (d.subscription == event_subscription_)
    take_event(d);
  else if (d.subscription == dead_subscription_)
    dead_.push_back(std::move(d));
  else if (d.subscription == heartbeat_subscription_)
    take_heartbeat(d);
  // Anything else belongs to a subscription ended since, which gave it back to the broker.
}

void broker_client::take_reply(bus::delivery& d) {
  bus_->add_credit(d.subscription, 1);
  if (awaited_id_.empty() || d.message.correlation_id != awaited_id_) {
    // The answer to a request given up on: nobody else wants it (the queue is ours).
    bus_->settle(d.tag, bus::settlement::accept);
    return;
  }
  if (collecting_nodes_) {
    auto reply = protocol::parse_node_reply(d.message.body);
    if (!reply) {
      // Without a node name it cannot be told apart; the node shows as silent.
      bus_->settle(d.tag, bus::settlement::reject, reply.error().message);
      return;
    }
    bus_->settle(d.tag, bus::settlement::accept);
    node_replies_.push_back(std::move(*reply));
    return;
  }
  auto reply = protocol::parse_reply(d.message.body);
  if (!reply) {
    bus_->settle(d.tag, bus::settlement::reject, reply.error().message);
    protocol::client_reply broken;
    broken.ok = false;
    broken.error_code = errc::internal;
    broken.error_message = "the node's reply does not decode: " + reply.error().message;
    reply_ = std::move(broken);
    return;
  }
  bus_->settle(d.tag, bus::settlement::accept);
  reply_ = std::move(*reply);
}

void broker_client::take_event(bus::delivery& d) {
  // Our own copy of a fan-out message: nobody else is waiting for it, whatever it holds.
  bus_->settle(d.tag, bus::settlement::accept);
  bus_->add_credit(d.subscription, 1);
  auto event = protocol::parse_event(d.message.body);
  if (event && !followed_job_.empty() && event->job_id == followed_job_)
    events_.push_back(std::move(*event));
}

expected<void> broker_client::follow_events(const std::string& job_id) {
  if (followed_job_ != job_id)
    events_.clear();
  followed_job_ = job_id;
  if (event_subscription_)
    return {};
  auto sub = bus_->subscribe(protocol::addresses::events, me(), event_credit);
  if (!sub)
    return error{errc::io, fmt::format("cannot follow job events at the broker at {}: {}",
                                       options_.broker_url, sub.error().message)};
  event_subscription_ = *sub;
  return {};
}

expected<std::optional<job_end>> broker_client::poll(const std::string& job_id,
                                                     const watch_callbacks& callbacks) {
  protocol::client_request show;
  show.what = protocol::client_request::kind::show_job;
  show.job_id = job_id;
  auto reply = request(show);
  if (!reply)
    return reply.error().code == errc::timeout ? expected<std::optional<job_end>>{std::nullopt}
                                               : reply.error();
  if (!reply->ok)
    return std::optional<job_end>{}; // e.g. not stored yet: the events still tell
  auto j = protocol::decode_job(reply->data);
  if (!j)
    return std::optional<job_end>{};
  if (protocol::is_terminal(j->state))
    return std::optional<job_end>{job_end{j->state, j->error, std::move(reply->data)}};
  if (callbacks.on_poll)
    callbacks.on_poll(*j);
  return std::optional<job_end>{};
}

job_end broker_client::end_after_event(const std::string& job_id,
                                       const protocol::job_event& ended) {
  auto until = clock::now() + options_.end_grace;
  for (;;) {
    auto polled = poll(job_id, {});
    if (!polled)
      break;
    if (*polled)
      return std::move(**polled);
    auto next = clock::now() + end_poll_step;
    if (next >= until)
      break;
    await(next, [] { return false; });
  }
  return job_end{ended.state, ended.error, nullptr};
}

expected<job_end> broker_client::wait_for_end(const std::string& job_id,
                                              const watch_callbacks& callbacks) {
  if (auto followed = follow_events(job_id); !followed)
    return followed.error();
  auto next_poll = clock::now() + options_.poll_interval;
  std::optional<clock::time_point> failing_since; // polls the broker did not take, since when
  for (;;) {
    while (!events_.empty()) {
      auto event = std::move(events_.front());
      events_.pop_front();
      if (callbacks.on_event)
        callbacks.on_event(event);
      if (event.type == protocol::job_event::kind::job_ended)
        return end_after_event(job_id, event);
    }
    if (await(next_poll, [this] { return !events_.empty(); }))
      continue;
    auto polled = poll(job_id, callbacks);
    next_poll = clock::now() + options_.poll_interval;
    if (!polled) {
      // A broker that restarts (a stand-alone node's) is back within moments; one that stays
      // away ends the wait.
      if (!failing_since)
        failing_since = clock::now();
      else if (clock::now() - *failing_since >= options_.timeout)
        return error{polled.error().code,
                     fmt::format("gave up waiting for job {}: the broker has been out of reach "
                                 "for {}: {}",
                                 job_id, seconds(options_.timeout), polled.error().message)};
      continue;
    }
    failing_since.reset();
    if (*polled)
      return std::move(**polled);
  }
}

void broker_client::take_heartbeat(bus::delivery& d) {
  bus_->settle(d.tag, bus::settlement::accept);
  bus_->add_credit(d.subscription, 1);
  auto beat = protocol::parse_heartbeat(d.message.body);
  if (!beat)
    return;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  beats_.push_back({std::move(*beat), now});
}

expected<void> broker_client::start_heartbeats() {
  beats_.clear();
  auto sub = bus_->subscribe(protocol::addresses::heartbeat, me(), 256);
  if (!sub)
    return error{errc::io, fmt::format("cannot listen to {} at the broker at {}: {}",
                                       protocol::addresses::heartbeat, options_.broker_url,
                                       sub.error().message)};
  heartbeat_subscription_ = *sub;
  return {};
}

void broker_client::stop_heartbeats() {
  if (!heartbeat_subscription_)
    return;
  bus_->unsubscribe(*heartbeat_subscription_);
  heartbeat_subscription_.reset();
}

expected<std::vector<broker_client::observed_beat>>
broker_client::listen_heartbeats(std::chrono::milliseconds span) {
  if (auto listening = start_heartbeats(); !listening)
    return listening.error();
  await(clock::now() + span, [] { return false; });
  stop_heartbeats();
  return std::move(beats_);
}

expected<std::vector<protocol::envelope>> broker_client::browse_dead(std::size_t limit) {
  std::vector<protocol::envelope> out;
  if (limit == 0)
    return out;
  dead_.clear();
  auto credit = static_cast<std::uint32_t>(
      std::min<std::size_t>(limit, std::numeric_limits<std::uint32_t>::max()));
  auto sub = bus_->subscribe(protocol::addresses::dead, me(), credit);
  if (!sub)
    return error{errc::io,
                 fmt::format("cannot read {} at the broker at {}: {}", protocol::addresses::dead,
                             options_.broker_url, sub.error().message)};
  dead_subscription_ = *sub;
  await(clock::now() + options_.browse_wait, [&] { return dead_.size() >= limit; });
  // Ending the subscription gives every delivery it holds back to the queue, in delivery order
  // (as an AMQP link detach does); releasing them one by one first would only hand them to this
  // subscription again while it has credit left, and reverse their order.
  bus_->unsubscribe(*dead_subscription_);
  dead_subscription_.reset();
  out.reserve(dead_.size());
  for (auto& d : dead_)
    out.push_back(std::move(d.message));
  dead_.clear();
  return out;
}

} // namespace boa::boactl
