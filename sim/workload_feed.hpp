#pragma once

#include "actors/bus/broker_core.hpp"
#include "sim/trace.hpp"
#include "sim/workload.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace boa::sim {

/// Plays a workload's events into the broker as their virtual time comes, as a client would
/// publish them, and tells the run when time must move to the next one.
class workload_feed {
public:
  workload_feed(std::vector<workload_event> events, bus::broker_core& core, trace& events_trace);

  /// Publishes every event due at `now_ms` (virtual ms since the run began), in plan order;
  /// a publish the broker refuses is a violation, added to `problems`. While the broker is down
  /// (a restart), nothing goes out: as a client, the feed tries again once it is back.
  void publish_due(std::int64_t now_ms, std::vector<std::string>& problems, bool broker_up = true);
  /// When the next event is due (virtual ms since the run began), if any is left.
  std::optional<std::int64_t> next_ms() const;
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
