#pragma once

#include "actors/bus/broker_core.hpp"
#include "sim/cluster_view_checker.hpp"
#include "sim/fault_plan.hpp"
#include "sim/safety_checker.hpp"
#include "sim/simulated_cluster.hpp"
#include "sim/simulation.hpp"
#include "sim/trace.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace boa::sim {

/// Applies a run's fault plan to its cluster and broker as the faults' times come, and ends each
/// fault when it heals. Also plays the broker's part in hangs and partitions: a node silent for
/// the embedded broker's idle timeout loses its session (its deliveries go to other nodes).
class fault_injector {
public:
  struct parts {
    simulated_cluster& cluster;
    bus::broker_core& core;
    safety_checker& checker;
    trace& events;
    simulation_result& result;
    /// Told of crashes and of spans a node could not be heard (hangs, partitions, broker
    /// restarts); may be null.
    cluster_view_checker* views = nullptr;
  };

  /// `idle_timeout_ms`: as the embedded broker's default (`embedded-broker.idle-timeout`).
  fault_injector(std::uint64_t seed, const fault_plan& plan, parts p,
                 std::int64_t idle_timeout_ms = 4000);

  /// When something of the injector's is next due (a fault's start or end, a silent link's idle
  /// timeout): the scheduler wakes up then if nothing comes before.
  std::optional<std::int64_t> next_ms() const;

  /// Applies what is due at `now_ms`. A fault's beginning waits for its `after_messages` more
  /// scheduler messages (counted from when it came due), or until nothing is ready.
  void apply_due(std::int64_t now_ms, std::uint64_t messages, bool anything_ready);

  /// Tells the cluster-view checker of the faults still under way, as spans that last until
  /// `now_ms` (the run ends before they heal).
  void close_open_spans(std::int64_t now_ms);

  /// Between a broker restart and its end: clients cannot reach the broker.
  bool broker_down() const { return broker_down_; }

private:
  /// A fault's beginning or end, due at a virtual time.
  struct event {
    std::int64_t at_ms = 0;
    std::size_t fault = 0; ///< index into the plan
    bool begins = true;
  };

  void begin(std::size_t index, std::int64_t now_ms);
  void end(std::size_t index, std::int64_t now_ms);

  std::uint64_t seed_;
  const fault_plan& plan_;
  std::vector<event> timeline_;
  std::size_t next_ = 0;
  std::optional<std::uint64_t> armed_at_;
  parts parts_;
  std::int64_t idle_timeout_ms_;
  /// Per node: the crash fault that took it down, whose end restarts it.
  std::vector<std::optional<std::size_t>> crashed_by_;
  /// Per fault under way on a link: that link (the node's incarnation when the fault began; a
  /// crash in between leaves it cut, and healing a cut link does nothing), and when it began.
  struct afflicted {
    node_link* link = nullptr;
    std::int64_t since_ms = 0;
  };
  std::map<std::size_t, afflicted> afflicted_;
  std::int64_t broker_down_since_ms_ = 0;
  bool broker_down_ = false;
};

} // namespace boa::sim
