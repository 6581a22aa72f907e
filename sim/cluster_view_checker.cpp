#include "sim/cluster_view_checker.hpp"

#include <fmt/core.h>

#include <algorithm>

namespace boa::sim {

namespace {

std::string describe(const std::optional<actors::node_status>& status) {
  return status ? actors::to_string(*status) : "not in its view";
}

} // namespace

void cluster_view_checker::started(const std::string& node, std::int64_t at_ms) {
  nodes_[node].lives.push_back({at_ms, std::nullopt});
  // A node started again has an aggregator of its own, which knows nobody yet.
  for (auto& [key, sightings] : sightings_)
    if (key.first == node)
      sightings.push_back({at_ms, std::nullopt});
}

void cluster_view_checker::crashed(const std::string& node, std::int64_t at_ms) {
  auto& lives = nodes_[node].lives;
  if (!lives.empty() && !lives.back().to_ms)
    lives.back().to_ms = at_ms;
}

void cluster_view_checker::silent(const std::string& node, std::int64_t from_ms,
                                  std::int64_t to_ms) {
  nodes_[node].silences.push_back({from_ms, to_ms});
}

void cluster_view_checker::reported(const std::string& observer, const actors::node_change& change,
                                    std::int64_t at_ms) {
  std::optional<actors::node_status> status;
  if (change.what != actors::node_change::kind::evicted)
    status = change.node.status;
  sightings_[{observer, change.node.last.node}].push_back({at_ms, status});
  ++reports_;
}

std::int64_t cluster_view_checker::settled_after() const {
  std::int64_t last = 0;
  for (const auto& [id, t] : nodes_) {
    for (const auto& life : t.lives)
      last = std::max(last, life.to_ms.value_or(life.from_ms));
    for (const auto& silence : t.silences)
      last = std::max(last, silence.to_ms.value_or(silence.from_ms));
  }
  return last + timing_.eviction_bound_ms + 2 * timing_.interval_ms;
}

bool cluster_view_checker::alive_at(const std::string& node, std::int64_t at_ms) const {
  auto it = nodes_.find(node);
  return it != nodes_.end() && std::any_of(it->second.lives.begin(), it->second.lives.end(),
                                           [&](const span& life) { return life.holds(at_ms); });
}

bool cluster_view_checker::troubled_at(const std::string& node, std::int64_t at_ms) const {
  if (!alive_at(node, at_ms))
    return true;
  auto it = nodes_.find(node);
  const auto grace = 2 * timing_.interval_ms;
  auto recent = [&](const span& s) {
    return s.from_ms <= at_ms && (!s.to_ms || at_ms < *s.to_ms + grace);
  };
  // A restarted node's first beat may still be on its way: the gap before a life counts too.
  const auto& lives = it->second.lives;
  for (std::size_t i = 1; i < lives.size(); ++i)
    if (recent({*lives[i - 1].to_ms, lives[i].from_ms}))
      return true;
  return std::any_of(it->second.silences.begin(), it->second.silences.end(), recent);
}

bool cluster_view_checker::listening_throughout(const std::string& node, std::int64_t from_ms,
                                                std::int64_t to_ms) const {
  auto it = nodes_.find(node);
  if (it == nodes_.end())
    return false;
  const auto& t = it->second;
  bool one_life = std::any_of(t.lives.begin(), t.lives.end(), [&](const span& life) {
    return life.from_ms <= from_ms && (!life.to_ms || to_ms < *life.to_ms);
  });
  bool never_silent = std::none_of(t.silences.begin(), t.silences.end(), [&](const span& s) {
    return s.from_ms <= to_ms && from_ms < s.to_ms.value_or(to_ms + 1);
  });
  return one_life && never_silent;
}

std::optional<actors::node_status> cluster_view_checker::view_at(const pair_key& key,
                                                                 std::int64_t at_ms) const {
  auto it = sightings_.find(key);
  if (it == sightings_.end())
    return std::nullopt;
  std::optional<actors::node_status> status;
  for (const auto& s : it->second) // in the order reported, so in time order
    if (s.at_ms <= at_ms)
      status = s.status;
  return status;
}

void cluster_view_checker::check_crashes(std::int64_t end_ms, std::vector<std::string>& out) const {
  const auto bound = static_cast<std::int64_t>((timing_.down_after + 2) *
                                               static_cast<double>(timing_.interval_ms));
  for (const auto& [crashed, t] : nodes_)
    for (const auto& life : t.lives) {
      if (!life.to_ms)
        continue;
      const auto crash = *life.to_ms;
      const auto deadline = crash + bound;
      const bool back_in_time = std::any_of(t.lives.begin(), t.lives.end(), [&](const span& l) {
        return l.from_ms > crash && l.from_ms <= deadline;
      });
      if (deadline > end_ms || back_in_time)
        continue; // not due yet, or it came back before anyone had to call it down
      for (const auto& [observer, _] : nodes_) {
        if (observer == crashed || !listening_throughout(observer, crash, deadline))
          continue;
        auto found = sightings_.find({observer, crashed});
        if (found == sightings_.end())
          continue;
        // Only what the observer's incarnation running at the crash heard counts: one started
        // after the crashed node's last beats never knew it.
        std::int64_t observer_since = 0;
        for (const auto& own : nodes_.at(observer).lives)
          if (own.holds(crash))
            observer_since = own.from_ms;
        const auto heard_from = std::max(life.from_ms, observer_since);
        bool knew = false;
        bool said_down = view_at({observer, crashed}, crash) == actors::node_status::down;
        for (const auto& s : found->second) {
          if (s.at_ms >= heard_from && s.at_ms <= deadline && s.status)
            knew = true;
          if (s.at_ms >= crash && s.at_ms <= deadline && s.status == actors::node_status::down)
            said_down = true;
        }
        if (knew && !said_down)
          out.push_back(fmt::format("cluster view: {} crashed at {} ms but {} did not report it "
                                    "down by {} ms (it says: {})",
                                    crashed, crash, observer, deadline,
                                    describe(view_at({observer, crashed}, deadline))));
      }
    }
}

void cluster_view_checker::check_suspicions(std::vector<std::string>& out) const {
  for (const auto& [key, sightings] : sightings_) {
    const auto& [observer, node] = key;
    for (const auto& s : sightings) {
      if (s.status != actors::node_status::suspect && s.status != actors::node_status::down)
        continue;
      // An observer that was itself silent may judge others before their beats reach it.
      if (troubled_at(node, s.at_ms) || troubled_at(observer, s.at_ms))
        continue;
      out.push_back(fmt::format("cluster view: {} reported {} {} at {} ms, but it was alive and "
                                "beating",
                                observer, node, actors::to_string(*s.status), s.at_ms));
    }
  }
}

void cluster_view_checker::check_recoveries(std::int64_t end_ms,
                                            std::vector<std::string>& out) const {
  const auto interval = timing_.interval_ms;
  for (const auto& [node, t] : nodes_) {
    // Every time the node is back: at the end of a silence, or restarted after a crash.
    std::vector<std::int64_t> backs;
    for (const auto& silence : t.silences)
      backs.push_back(*silence.to_ms);
    for (std::size_t i = 1; i < t.lives.size(); ++i)
      backs.push_back(t.lives[i].from_ms);
    for (auto back : backs) {
      const auto deadline = back + 2 * interval;
      if (deadline > end_ms || !listening_throughout(node, back, deadline))
        continue;
      for (const auto& [observer, _] : nodes_) {
        if (observer == node || !listening_throughout(observer, back - interval, deadline))
          continue;
        auto seen = view_at({observer, node}, deadline);
        if (seen != actors::node_status::live)
          out.push_back(fmt::format("cluster view: {} was back at {} ms but {} did not report "
                                    "it live by {} ms (it says: {})",
                                    node, back, observer, deadline, describe(seen)));
      }
    }
  }
}

void cluster_view_checker::check_final_views(std::int64_t end_ms,
                                             std::vector<std::string>& out) const {
  if (end_ms < settled_after())
    return;
  std::vector<std::string> live;
  for (const auto& [node, _] : nodes_)
    if (alive_at(node, end_ms))
      live.push_back(node);
  for (const auto& observer : live) {
    std::vector<std::string> wrong;
    for (const auto& [node, _] : nodes_) {
      auto seen = view_at({observer, node}, end_ms);
      bool should = alive_at(node, end_ms);
      if (should ? seen != actors::node_status::live : seen.has_value())
        wrong.push_back(fmt::format("{} {}", node, describe(seen)));
    }
    if (!wrong.empty()) {
      std::string list;
      for (const auto& w : wrong)
        list += (list.empty() ? "" : ", ") + w;
      out.push_back(fmt::format("cluster view: at the end ({} ms) {}'s view is wrong: {}", end_ms,
                                observer, list));
    }
  }
}

std::vector<std::string> cluster_view_checker::violations(std::int64_t end_ms) const {
  std::vector<std::string> out;
  check_crashes(end_ms, out);
  check_suspicions(out);
  check_recoveries(end_ms, out);
  check_final_views(end_ms, out);
  return out;
}

} // namespace boa::sim
