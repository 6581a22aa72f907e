#include "actors/bus/broker_core.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>

namespace boa::bus {

struct broker_core::consumer {
  std::uint64_t id;
  std::uint64_t session;
  std::uint32_t credit;
  deliver_fn on_delivery;
  queue* source;
  bool private_queue; ///< a topic subscription's own queue, deleted with the subscription
  std::string topic;
};

struct broker_core::queue {
  std::string name;
  bool durable = false; ///< its messages are kept by the durability hook
  std::deque<queued> ready;
  std::vector<consumer*> consumers;
  std::size_t next_consumer = 0; ///< round-robin position
  std::size_t unsettled = 0;
  std::size_t expired = 0;
};

namespace {

constexpr std::int64_t no_deadline = std::numeric_limits<std::int64_t>::max();

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

expected<void> check_address(const std::string& address) {
  if ((starts_with(address, "queue:") && address.size() > 6) ||
      (starts_with(address, "topic:") && address.size() > 6))
    return {};
  return error{errc::invalid_input,
               "bus address '" + address + "' must be 'queue:NAME' or 'topic:NAME'"};
}

} // namespace

bool every_queue_is_durable(const std::string& address) {
  return starts_with(address, "queue:");
}

std::int64_t steady_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

broker_core::broker_core() : broker_core(steady_clock_ms) {}

broker_core::broker_core(clock_fn clock) : clock_(std::move(clock)) {
  if (!clock_)
    clock_ = steady_clock_ms;
}

broker_core::broker_core(std::unique_ptr<queue_durability> durability, durable_filter is_durable,
                         clock_fn clock)
    : durability_(std::move(durability)), is_durable_(std::move(is_durable)),
      clock_(std::move(clock)) {
  if (!is_durable_)
    is_durable_ = every_queue_is_durable;
  if (!clock_)
    clock_ = steady_clock_ms;
  if (durability_)
    restore();
}

broker_core::~broker_core() = default;

void broker_core::restore() {
  // Everything stored comes back, even in queues the filter no longer selects: those messages keep
  // their seq and are removed from the store when they leave; new ones there are not stored.
  auto restored = durability_->restore();
  next_seq_ = restored.highest_seq + 1;
  for (auto& [name, messages] : restored.queues) {
    if (messages.empty())
      continue;
    auto& q = queue_named(name);
    for (auto& m : messages) {
      next_seq_ = std::max(next_seq_, m.seq + 1);
      auto deadline = deadline_of(m.message);
      q.ready.push_back({m.seq, deadline, std::move(m.message)});
    }
  }
}

expected<void> broker_core::keep(std::initializer_list<durable_change> changes) {
  return durability_->apply(std::span<const durable_change>(changes.begin(), changes.size()));
}

std::int64_t broker_core::deadline_of(const protocol::envelope& message) const {
  return message.ttl_ms == 0 ? no_deadline : clock_() + message.ttl_ms;
}

broker_core::queue& broker_core::queue_named(const std::string& name) {
  auto& slot = queues_[name];
  if (!slot) {
    slot = std::make_unique<queue>();
    slot->name = name;
    slot->durable = durability_ && starts_with(name, "queue:") && is_durable_(name);
  }
  return *slot;
}

expected<void> broker_core::publish(protocol::envelope message) {
  if (auto ok = check_address(message.address); !ok)
    return ok.error();
  std::lock_guard guard{mutex_};
  const auto deadline = deadline_of(message);
  if (starts_with(message.address, "topic:")) {
    auto i = topics_.find(message.address);
    if (i == topics_.end())
      return {};
    for (auto* q : i->second) {
      q->ready.push_back({0, deadline, message});
      pump(*q);
    }
    return {};
  }
  auto& q = queue_named(message.address);
  std::uint64_t seq = 0;
  if (q.durable) {
    seq = next_seq_++;
    if (auto kept = keep({{durable_change::kind::store, q.name, seq, &message}}); !kept) {
      drop_if_unused(q);
      return kept;
    }
  }
  q.ready.push_back({seq, deadline, std::move(message)});
  pump(q);
  return {};
}

void broker_core::pump(queue& q) {
  std::optional<std::int64_t> now; // read once per pump, and only if a message has a deadline
  while (!q.ready.empty()) {
    if (auto deadline = q.ready.front().deadline; deadline != no_deadline) {
      if (!now)
        now = clock_();
      if (deadline <= *now) {
        expire_head(q);
        continue;
      }
    }
    if (q.consumers.empty())
      return;
    consumer* chosen = nullptr;
    for (std::size_t n = 0; n < q.consumers.size(); ++n) {
      auto* c = q.consumers[(q.next_consumer + n) % q.consumers.size()];
      if (c->credit > 0) {
        chosen = c;
        q.next_consumer = (q.next_consumer + n + 1) % q.consumers.size();
        break;
      }
    }
    if (!chosen)
      return;
    --chosen->credit;
    auto tag = next_tag_++;
    auto seq = q.ready.front().seq;
    auto deadline = q.ready.front().deadline;
    delivery d{chosen->id, tag, std::move(q.ready.front().message)};
    q.ready.pop_front();
    ++q.unsettled;
    unsettled_.emplace(tag, unsettled_entry{chosen->id, &q, seq, deadline, d.message});
    chosen->on_delivery(std::move(d));
  }
}

void broker_core::expire_head(queue& q) {
  auto& head = q.ready.front();
  if (head.seq != 0) // like an accept: a failed removal brings it back after a restart, to expire
    static_cast<void>(keep({{durable_change::kind::remove, q.name, head.seq, nullptr}}));
  q.ready.pop_front();
  ++q.expired;
}

expected<std::uint64_t> broker_core::subscribe(const std::string& address, std::uint32_t credit,
                                               deliver_fn on_delivery, std::uint64_t session) {
  if (auto ok = check_address(address); !ok)
    return ok.error();
  std::lock_guard guard{mutex_};
  auto id = next_subscription_++;
  auto c = std::make_unique<consumer>();
  c->id = id;
  c->session = session;
  c->credit = credit;
  c->on_delivery = std::move(on_delivery);
  if (starts_with(address, "topic:")) {
    auto name = address + "#" + std::to_string(id);
    c->source = &queue_named(name);
    c->private_queue = true;
    c->topic = address;
    topics_[address].push_back(c->source);
  } else {
    c->source = &queue_named(address);
    c->private_queue = false;
  }
  auto* raw = c.get();
  consumers_.emplace(id, std::move(c));
  raw->source->consumers.push_back(raw);
  pump(*raw->source);
  return id;
}

void broker_core::add_credit(std::uint64_t subscription, std::uint32_t n) {
  std::lock_guard guard{mutex_};
  auto i = consumers_.find(subscription);
  if (i == consumers_.end())
    return;
  i->second->credit += n;
  pump(*i->second->source);
}

bool broker_core::settle(std::uint64_t tag, settlement how, const std::string& reason) {
  std::lock_guard guard{mutex_};
  auto i = unsettled_.find(tag);
  if (i == unsettled_.end())
    return false;
  auto entry = std::move(i->second);
  unsettled_.erase(i);
  auto& q = *entry.source;
  --q.unsettled;
  switch (how) {
  case settlement::accept:
    if (entry.seq != 0)
      static_cast<void>(keep({{durable_change::kind::remove, q.name, entry.seq, nullptr}}));
    break;
  case settlement::release:
    ++entry.message.delivery_count;
    q.ready.push_front({entry.seq, entry.deadline, std::move(entry.message)});
    pump(q);
    break;
  case settlement::reject: {
    entry.message.dead_letter_reason = reason;
    entry.message.ttl_ms = 0; // a dead letter waits for whoever looks at it
    auto original = entry.message.address;
    entry.message.address = protocol::addresses::dead;
    if (entry.message.dead_letter_reason.empty())
      entry.message.dead_letter_reason = "rejected by its consumer on " + original;
    auto& dead = queue_named(protocol::addresses::dead);
    auto dead_seq = dead.durable ? next_seq_++ : 0;
    if (dead_seq != 0 || entry.seq != 0) {
      // The copy and the removal of the original in one write, so a crash leaves exactly one.
      durable_change copy{durable_change::kind::store, dead.name, dead_seq, &entry.message};
      durable_change original{durable_change::kind::remove, q.name, entry.seq, nullptr};
      auto kept = dead_seq == 0    ? keep({original})
                  : entry.seq == 0 ? keep({copy})
                                   : keep({copy, original});
      if (!kept)
        dead_seq = 0; // not stored: the original stays stored in its queue instead
    }
    dead.ready.push_back({dead_seq, no_deadline, std::move(entry.message)});
    pump(dead);
    break;
  }
  }
  drop_if_unused(q);
  return true;
}

void broker_core::drop_if_unused(queue& q) {
  // Per-job queues (joins, reduces) are created by use; forget them once nothing refers to them.
  if (q.ready.empty() && q.unsettled == 0 && q.consumers.empty())
    queues_.erase(q.name);
}

void broker_core::release_unsettled_of(std::uint64_t subscription) {
  // Released in tag order and pushed to the front in reverse, so the queue keeps delivery order.
  std::vector<std::map<std::uint64_t, unsettled_entry>::iterator> mine;
  for (auto i = unsettled_.begin(); i != unsettled_.end(); ++i)
    if (i->second.subscription == subscription)
      mine.push_back(i);
  for (auto it = mine.rbegin(); it != mine.rend(); ++it) {
    auto& entry = (*it)->second;
    --entry.source->unsettled;
    ++entry.message.delivery_count;
    entry.source->ready.push_front({entry.seq, entry.deadline, std::move(entry.message)});
    unsettled_.erase(*it);
  }
}

void broker_core::remove_subscription(std::uint64_t subscription) {
  auto i = consumers_.find(subscription);
  if (i == consumers_.end())
    return;
  auto* c = i->second.get();
  auto* q = c->source;
  release_unsettled_of(subscription);
  auto& list = q->consumers;
  list.erase(std::remove(list.begin(), list.end(), c), list.end());
  q->next_consumer = 0;
  if (c->private_queue) {
    auto& subs = topics_[c->topic];
    subs.erase(std::remove(subs.begin(), subs.end(), q), subs.end());
    if (subs.empty())
      topics_.erase(c->topic);
    auto name = q->name;
    consumers_.erase(i);
    queues_.erase(name);
    return;
  }
  consumers_.erase(i);
  pump(*q);
  drop_if_unused(*q);
}

void broker_core::unsubscribe(std::uint64_t subscription) {
  std::lock_guard guard{mutex_};
  remove_subscription(subscription);
}

void broker_core::close_session(std::uint64_t session) {
  std::lock_guard guard{mutex_};
  std::vector<std::uint64_t> ids;
  for (auto& [id, c] : consumers_)
    if (c->session == session)
      ids.push_back(id);
  for (auto id : ids)
    remove_subscription(id);
}

std::size_t broker_core::restart(const durable_filter& keeps) {
  std::lock_guard guard{mutex_};
  // Every delivery goes back first, in subscription order so that the queues' order does not
  // depend on hashing, and nothing is delivered meanwhile: no consumer survives the restart.
  std::vector<std::uint64_t> ids;
  for (auto& [id, c] : consumers_)
    ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (auto id : ids)
    release_unsettled_of(id);
  consumers_.clear();
  topics_.clear();
  std::vector<std::string> names;
  for (auto& [name, q] : queues_)
    names.push_back(name);
  std::size_t dropped = 0;
  for (const auto& name : names) {
    auto& q = *queues_.at(name);
    q.consumers.clear();
    q.next_consumer = 0;
    // A topic subscription's queue lives only as long as its subscription.
    if (starts_with(name, "topic:") || !keeps(name)) {
      dropped += q.ready.size();
      q.ready.clear();
    }
    drop_if_unused(q);
  }
  return dropped;
}

queue_stats broker_core::stats(const std::string& address) const {
  std::lock_guard guard{mutex_};
  auto add = [](queue_stats& sum, const queue& q) {
    sum.ready += q.ready.size();
    sum.unsettled += q.unsettled;
    sum.consumers += q.consumers.size();
    sum.expired += q.expired;
  };
  queue_stats sum;
  if (auto t = topics_.find(address); t != topics_.end()) {
    for (const auto* q : t->second)
      add(sum, *q);
    return sum;
  }
  if (auto i = queues_.find(address); i != queues_.end())
    add(sum, *i->second);
  return sum;
}

std::vector<std::string> broker_core::queue_names() const {
  std::lock_guard guard{mutex_};
  std::vector<std::string> names;
  for (auto& [name, q] : queues_)
    if (!q->ready.empty() || q->unsettled > 0)
      names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

} // namespace boa::bus
