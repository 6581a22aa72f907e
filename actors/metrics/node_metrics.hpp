#pragma once

#include "actors/metrics/registry.hpp"
#include "protocol/job.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace boa::metrics {

/// The series of one workflow's steps (label `workflow`), found once per workflow and kept by
/// whoever counts its steps.
struct step_metrics {
  counter& started;
  counter& ok;
  counter& failed;
  counter& retries;
  histogram& duration;
};

/// The delivery counters of one subscription, found once when it subscribes; counting is then
/// two relaxed atomic adds at most. A default one counts nothing.
struct delivery_meter {
  counter* deliveries = nullptr;
  counter* redeliveries = nullptr;

  /// One delivery; `delivery_count` > 0 means the broker delivered the message before.
  void count(std::uint32_t delivery_count) const {
    if (!deliveries)
      return;
    deliveries->inc();
    if (delivery_count > 0)
      redeliveries->inc();
  }
};

/// The metrics a node exposes on `/metrics` (docs/api.md lists them): its actors, the bus and the
/// HTTP route write them; `expose` writes them as Prometheus text. Thread-safe. Nodes without one
/// (the simulator, most tests) count nothing.
class node_metrics {
public:
  /// Distinct workflow names with series of their own; steps of further workflows are counted
  /// under `workflow="_other"` (names come from users).
  static constexpr std::size_t max_workflows = 200;
  /// Distinct `queue` label values (addresses lose their per-job parts first, see `queue_label`).
  static constexpr std::size_t max_queues = 100;

  /// `version`: what `boa_build_info` says.
  explicit node_metrics(std::string_view version);
  node_metrics(const node_metrics&) = delete;
  node_metrics& operator=(const node_metrics&) = delete;

  /// The step series of `workflow` (or of `_other`, see `max_workflows`). Takes a mutex: keep it.
  step_metrics& steps_of(const std::string& workflow);
  void job_ended(protocol::job_state state);
  /// The counters of deliveries from the logical `address` (label `queue_label(address)`).
  delivery_meter deliveries_from(std::string_view address);
  histogram& publish_seconds() { return publish_seconds_; }
  gauge& workers_busy() { return workers_busy_; }
  gauge& workers_total() { return workers_total_; }
  counter& heartbeats_sent() { return heartbeats_sent_; }
  counter& heartbeats_received() { return heartbeats_received_; }
  /// The nodes of the cluster view by status, as a scrape found them (statuses missing: 0).
  void cluster_nodes(const std::map<std::string, std::int64_t>& by_status);

  /// Every family as Prometheus text; process facts are read now.
  std::string expose();

  /// A bus address as a `queue` label: per-job and per-client queues (`queue:boa.join.J.F`,
  /// `queue:boa.reply.C`, ...) and node topics lose their variable part (`queue:boa.join.*`).
  static std::string queue_label(std::string_view address);

private:
  registry registry_;
  family<counter>& steps_started_;
  family<counter>& steps_finished_;
  family<counter>& step_retries_;
  family<histogram>& step_duration_;
  family<counter>& jobs_ended_;
  family<counter>& deliveries_;
  family<counter>& redeliveries_;
  histogram& publish_seconds_;
  gauge& workers_busy_;
  gauge& workers_total_;
  counter& heartbeats_sent_;
  counter& heartbeats_received_;
  family<gauge>& cluster_nodes_;
  gauge& resident_memory_;
  gauge& start_time_;

  std::mutex workflows_mutex_;
  std::unordered_map<std::string, std::unique_ptr<step_metrics>> workflows_;
};

} // namespace boa::metrics
