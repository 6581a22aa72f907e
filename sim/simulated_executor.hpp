#pragma once

#include "actors/step_executor.hpp"

#include <cstdint>
#include <functional>

namespace boa::sim {

/// Stands in for every step kind: never blocks, never touches the host. What an attempt returns
/// is drawn from the run's seed and the attempt's identity (job, step, attempt), not from call
/// order, so the same attempt run again after a redelivery behaves alike:
/// - `fail` steps fail;
/// - any other step fails with the run's failure probability;
/// - `choose` steps (`{"kind": "choose", "choices": [...]}`) return one of their choices as the
///   routing result (`code`), so that routing takes seeded branches;
/// - every other kind returns `{"code": "ok"}`.
class simulated_executor final : public actors::step_executor {
public:
  /// Told of every attempt as it runs, with its outcome (for the checkers).
  using attempt_listener =
      std::function<void(const protocol::step_request&, const protocol::step_outcome&)>;

  /// `failure_percent` of attempts fail (0 to 100).
  simulated_executor(std::uint64_t seed, unsigned failure_percent);

  protocol::step_outcome run(const protocol::step_request& request) override;
  /// The attempt's outcome, and its duration in virtual time: drawn like the outcome from the
  /// attempt's identity, up to `max_step_ms` (one attempt in twenty up to ten times that: a slow
  /// one). An attempt longer than its step's timeout fails as timed out when the timeout is up.
  actors::timed_outcome run_timed(const protocol::step_request& request) override;

  /// Attempts take 1 to `ms` virtual milliseconds (0, the default: no time at all).
  void set_max_step_ms(std::int64_t ms) { max_step_ms_ = ms; }
  std::uint64_t timeouts() const { return timeouts_; }

  void on_attempt(attempt_listener listener) { listener_ = std::move(listener); }

  std::uint64_t attempts() const { return attempts_; }
  std::uint64_t failures() const { return failures_; }

private:
  protocol::step_outcome outcome_of(const protocol::step_request& request) const;
  /// Draws the attempt's outcome and, with `takes_time`, its duration; counts it and tells the
  /// listener.
  actors::timed_outcome attempt(const protocol::step_request& request, bool takes_time);

  std::uint64_t seed_;
  unsigned failure_percent_;
  attempt_listener listener_;
  std::uint64_t attempts_ = 0; ///< one scheduler thread runs every worker: no lock needed
  std::uint64_t failures_ = 0;
  std::uint64_t timeouts_ = 0;
  std::int64_t max_step_ms_ = 0;
};

} // namespace boa::sim
