#include "sim/fault_injector.hpp"

#include "sim/broker_restart.hpp"
#include "sim/seed.hpp"

#include <algorithm>
#include <string>

namespace boa::sim {

namespace {

link_direction to_link_direction(partition_direction d) {
  switch (d) {
  case partition_direction::inbound:
    return link_direction::inbound;
  case partition_direction::outbound:
    return link_direction::outbound;
  case partition_direction::both:
    break;
  }
  return link_direction::both;
}

} // namespace

fault_injector::fault_injector(std::uint64_t seed, const fault_plan& plan, parts p,
                               std::int64_t idle_timeout_ms)
    : seed_(seed), plan_(plan), parts_(p), idle_timeout_ms_(idle_timeout_ms),
      crashed_by_(p.cluster.size()) {
  for (std::size_t i = 0; i < plan.faults.size(); ++i) {
    const auto& f = plan.faults[i];
    timeline_.push_back({f.at_ms, i, true});
    if (f.lasts_ms > 0)
      timeline_.push_back({f.at_ms + f.lasts_ms, i, false});
  }
  // Ends before beginnings at the same time; otherwise in plan order: replayable.
  std::stable_sort(timeline_.begin(), timeline_.end(), [](const event& a, const event& b) {
    return a.at_ms != b.at_ms ? a.at_ms < b.at_ms : (!a.begins && b.begins);
  });
}

std::optional<std::int64_t> fault_injector::next_ms() const {
  std::optional<std::int64_t> next;
  if (next_ < timeline_.size())
    next = timeline_[next_].at_ms;
  if (auto silent = parts_.cluster.earliest_silence_ms()) {
    auto expiry = *silent + idle_timeout_ms_;
    next = next ? std::min(*next, expiry) : expiry;
  }
  return next;
}

void fault_injector::apply_due(std::int64_t now_ms, std::uint64_t messages, bool anything_ready) {
  parts_.cluster.expire_silent_links(now_ms, idle_timeout_ms_);
  while (next_ < timeline_.size() && timeline_[next_].at_ms <= now_ms) {
    const auto& e = timeline_[next_];
    const auto& f = plan_.faults[e.fault];
    if (e.begins) {
      if (!armed_at_)
        armed_at_ = messages;
      if (anything_ready && messages < *armed_at_ + f.after_messages)
        return;
      armed_at_.reset();
      begin(e.fault, now_ms);
    } else {
      end(e.fault, now_ms);
    }
    ++next_;
  }
}

void fault_injector::close_open_spans(std::int64_t now_ms) {
  if (!parts_.views)
    return;
  for (const auto& [index, afflicted] : afflicted_)
    parts_.views->silent(simulated_cluster::name_of(plan_.faults[index].node), afflicted.since_ms,
                         now_ms);
  if (broker_down_)
    for (std::size_t i = 0; i < parts_.cluster.size(); ++i)
      parts_.views->silent(simulated_cluster::name_of(i), broker_down_since_ms_, now_ms);
}

void fault_injector::begin(std::size_t index, std::int64_t now_ms) {
  const auto& f = plan_.faults[index];
  auto& cluster = parts_.cluster;
  auto& result = parts_.result;
  parts_.events.record({"fault", describe(f), std::to_string(now_ms)});
  if (f.kind == fault_kind::broker_restart) {
    restart_broker(parts_.core, cluster.live_links(), parts_.events, false);
    broker_down_ = true;
    broker_down_since_ms_ = now_ms;
    parts_.checker.resubscribe();
    ++result.faults_injected;
    return;
  }
  if (!cluster.up(f.node)) { // nothing to do to a node that is down
    ++result.faults_skipped;
    return;
  }
  ++result.faults_injected;
  auto& link = cluster.link(f.node);
  auto draws = derive(seed_, "fault/" + std::to_string(index) + "/draws");
  switch (f.kind) {
  case fault_kind::crash:
    cluster.crash(f.node);
    crashed_by_[f.node] = index;
    if (parts_.views)
      parts_.views->crashed(simulated_cluster::name_of(f.node), now_ms);
    return;
  case fault_kind::hang:
    link.freeze();
    break;
  case fault_kind::partition:
    link.partition(to_link_direction(f.direction));
    break;
  case fault_kind::duplicates:
    link.lose_accepts(draws, static_cast<unsigned>(f.magnitude));
    break;
  case fault_kind::delays:
    link.delay_deliveries(cluster.system(), draws, f.magnitude);
    break;
  case fault_kind::broker_restart:
    return;
  }
  afflicted_[index] = {&link, now_ms};
}

void fault_injector::end(std::size_t index, std::int64_t now_ms) {
  const auto& f = plan_.faults[index];
  auto& result = parts_.result;
  result.healed_ms = std::max(result.healed_ms, now_ms);
  parts_.events.record({"heal", describe(f), std::to_string(now_ms)});
  if (f.kind == fault_kind::broker_restart) {
    for (auto* link : parts_.cluster.live_links())
      link->reconnect();
    broker_down_ = false;
    if (parts_.views) // nobody heard anybody meanwhile (nodes that crashed since included)
      for (std::size_t i = 0; i < parts_.cluster.size(); ++i)
        parts_.views->silent(simulated_cluster::name_of(i), broker_down_since_ms_, now_ms);
    return;
  }
  if (f.kind == fault_kind::crash) {
    if (crashed_by_[f.node] != index)
      return;
    crashed_by_[f.node].reset();
    auto restarted = parts_.cluster.restart(f.node);
    if (!restarted)
      result.violations.push_back(restarted.error().message);
    else if (*restarted)
      ++result.restarts;
    return;
  }
  auto afflicted = afflicted_.find(index);
  if (afflicted == afflicted_.end())
    return;
  auto* link = afflicted->second.link;
  auto since = afflicted->second.since_ms;
  afflicted_.erase(afflicted);
  // Any fault of its link may keep a node's beats from others, or others' from it: a hang or a
  // partition, delays beyond the thresholds, the session reset that ends lost accepts.
  if (parts_.views)
    parts_.views->silent(simulated_cluster::name_of(f.node), since, now_ms);
  switch (f.kind) {
  case fault_kind::hang:
    link->thaw();
    break;
  case fault_kind::partition:
    link->heal();
    break;
  case fault_kind::duplicates:
    // The failing connection the lost accepts came from is declared dead: the broker takes back
    // what they left unsettled and delivers it again.
    link->lose_accepts(0, 0);
    link->drop_session("connection reset after lost accepts");
    break;
  case fault_kind::delays:
    link->delay_deliveries(parts_.cluster.system(), 0, 0);
    break;
  case fault_kind::crash:
  case fault_kind::broker_restart:
    break;
  }
}

} // namespace boa::sim
