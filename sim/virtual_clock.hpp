#pragma once

#include "actors/node_context.hpp"

#include <caf/scheduler/test_coordinator.hpp>

#include <cstdint>

namespace boa::sim {

/// The wall clock of every simulated node: the scheduler's virtual time, counted from a fixed
/// epoch so that wire timestamps look like real ones and replay byte for byte.
class virtual_clock final : public actors::wall_clock {
public:
  /// 2026-01-01T00:00:00Z: where every run's virtual time starts.
  static constexpr std::int64_t epoch_ms = 1767225600000;

  explicit virtual_clock(caf::scheduler::test_coordinator& scheduler) : scheduler_(scheduler) {}

  std::int64_t now_ms() const override { return epoch_ms + elapsed_ms(); }
  /// Virtual milliseconds since the run began.
  std::int64_t elapsed_ms() const;

private:
  caf::scheduler::test_coordinator& scheduler_;
};

} // namespace boa::sim
