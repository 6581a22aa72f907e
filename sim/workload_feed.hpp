#pragma once

#include "actors/bus/broker_core.hpp"
#include "sim/trace.hpp"
#include "sim/workload.hpp"

#include <caf/scheduler/test_coordinator.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace boa::sim {

/// Plays a workload's events into the broker as their virtual time comes, as a client would
/// publish them, and tells the run when time must move to the next one.
class workload_feed {
public:
  workload_feed(std::vector<workload_event> events, bus::broker_core& core, trace& events_trace);

  /// Publishes every event due at `now_ms` (virtual ms since the run began), in plan order;
  /// a publish the broker refuses is a violation, added to `problems`.
  void publish_due(std::int64_t now_ms, std::vector<std::string>& problems);
  /// With no actor ready: moves virtual time to the next event unless a timer comes first (the
  /// scheduler fires that). True when it moved time.
  bool advance_to_next(caf::scheduler::test_coordinator& coordinator, std::int64_t now_ms);
  bool done() const { return next_ == events_.size(); }
  std::size_t started() const { return started_; }
  std::size_t commands() const { return commands_; }

private:
  std::vector<workload_event> events_;
  bus::broker_core& core_;
  trace& trace_;
  std::size_t next_ = 0;
  std::size_t started_ = 0;
  std::size_t commands_ = 0;
};

} // namespace boa::sim
