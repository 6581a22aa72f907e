#pragma once

#include "actors/step_executor.hpp"

#include <cstdint>

namespace boa::sim {

/// Stands in for every step kind: never blocks, never touches the host. Whether an attempt fails
/// is drawn from the run's seed and the attempt's identity (job, step, attempt), not from call
/// order, so the same attempt run again after a redelivery fails or succeeds alike.
class simulated_executor final : public actors::step_executor {
public:
  /// `failure_percent` of attempts fail (0 to 100).
  simulated_executor(std::uint64_t seed, unsigned failure_percent);

  protocol::step_outcome run(const protocol::step_request& request) override;

  std::uint64_t attempts() const { return attempts_; }
  std::uint64_t failures() const { return failures_; }

private:
  std::uint64_t seed_;
  unsigned failure_percent_;
  std::uint64_t attempts_ = 0; ///< one scheduler thread runs every worker: no lock needed
  std::uint64_t failures_ = 0;
};

} // namespace boa::sim
