#pragma once

#include <caf/scheduler/test_coordinator.hpp>

#include <cstdint>
#include <optional>
#include <random>

namespace boa::sim {

/// Drives CAF's test coordinator from a seed: of the actors that are ready, the generator picks
/// which one handles its next message; when none is ready, virtual time jumps to the next timer.
/// Everything runs on the calling thread, so the seed alone decides the interleaving.
class seeded_scheduler {
public:
  enum class outcome {
    ran,   ///< one actor handled one message
    timer, ///< nothing was ready: the clock jumped to the next timer and fired it
    idle,  ///< nothing ready and no timer pending: the run is quiescent
    woke,  ///< nothing was ready and no timer came first: the clock moved to the wake-up time
  };

  seeded_scheduler(caf::scheduler::test_coordinator& coordinator, std::uint64_t seed);

  /// Runs one ready actor's next message, or else fires the next timer. With `wake_at_ms`
  /// (virtual ms, as `now_ms`), a wake-up due before any timer moves the clock there instead:
  /// the caller has something of its own to do at that time (a fault, a job to start).
  outcome step(std::optional<std::int64_t> wake_at_ms = std::nullopt);
  /// Virtual milliseconds since the run began.
  std::int64_t now_ms() const;
  std::uint64_t messages() const { return messages_; }
  std::uint64_t timers() const { return timers_; }

private:
  caf::scheduler::test_coordinator& coordinator_;
  std::mt19937_64 random_;
  std::uint64_t messages_ = 0;
  std::uint64_t timers_ = 0;
};

} // namespace boa::sim
