#include "actors/cluster_view.hpp"

#include <algorithm>
#include <string_view>
#include <tuple>

namespace boa::actors {

const char* to_string(node_status status) {
  switch (status) {
  case node_status::live:
    return "live";
  case node_status::suspect:
    return "suspect";
  case node_status::down:
    return "down";
  case node_status::left:
    return "left";
  }
  return "unknown";
}

void cluster_view::observe(const protocol::heartbeat& beat, std::int64_t now_ms) {
  auto it = nodes_.find(beat.node);
  if (it == nodes_.end()) {
    nodes_.emplace(beat.node, entry{beat, now_ms, 0});
    return;
  }
  auto& kept = it->second;
  if (beat.started_ms < kept.last.started_ms)
    return; // a late beat of the process before the restart
  if (beat.started_ms == kept.last.started_ms && beat.seq <= kept.last.seq)
    return; // a redelivered or overtaken beat
  if (beat.started_ms > kept.last.started_ms)
    ++kept.restarts;
  kept.last = beat;
  kept.observed_ms = now_ms;
}

node_status cluster_view::status_of(const entry& e, std::int64_t age_ms) const {
  if (e.last.leaving)
    return node_status::left;
  const double interval = static_cast<double>(std::max<std::int64_t>(e.last.interval_ms, 1));
  const double missed = static_cast<double>(age_ms) / interval;
  if (missed > options_.down_after)
    return node_status::down;
  if (missed > options_.suspect_after)
    return node_status::suspect;
  return node_status::live;
}

std::vector<node_view> cluster_view::nodes(std::int64_t now_ms) const {
  std::vector<node_view> out;
  out.reserve(nodes_.size());
  for (const auto& [id, e] : nodes_) { // std::map: already sorted by node id
    const std::int64_t age = std::max<std::int64_t>(now_ms - e.observed_ms, 0);
    out.push_back(node_view{e.last, age, status_of(e, age), e.restarts});
  }
  return out;
}

std::optional<node_view> cluster_view::node(std::string_view id, std::int64_t now_ms) const {
  auto found = nodes_.find(id);
  if (found == nodes_.end())
    return std::nullopt;
  const auto& e = found->second;
  const std::int64_t age = std::max<std::int64_t>(now_ms - e.observed_ms, 0);
  return node_view{e.last, age, status_of(e, age), e.restarts};
}

void cluster_view::evict(std::int64_t now_ms) {
  std::erase_if(nodes_, [&](const auto& item) {
    return now_ms - item.second.observed_ms > options_.eviction_age_ms;
  });
}

bool more_advanced(const protocol::running_job& a, const protocol::running_job& b) {
  return std::tie(a.history_length, a.version, a.since_ms) >
         std::tie(b.history_length, b.version, b.since_ms);
}

std::vector<job_view> cluster_view::jobs(std::int64_t now_ms) const {
  struct report {
    const protocol::running_job* job;
    const entry* from;
  };
  std::map<std::string_view, report> best;
  for (const auto& [id, e] : nodes_)
    for (const auto& job : e.last.jobs) {
      auto [it, inserted] = best.try_emplace(job.job_id, report{&job, &e});
      if (!inserted && more_advanced(job, *it->second.job))
        it->second = report{&job, &e};
    }
  std::vector<job_view> out;
  out.reserve(best.size());
  for (const auto& [id, r] : best) {
    job_view v;
    static_cast<protocol::running_job&>(v) = *r.job;
    v.node = r.from->last.node;
    v.age_ms = std::max<std::int64_t>(now_ms - r.from->observed_ms, 0);
    out.push_back(std::move(v));
  }
  return out;
}

} // namespace boa::actors
