#pragma once

#include <caf/scheduler/test_coordinator.hpp>

#include <cstdint>
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
  };

  seeded_scheduler(caf::scheduler::test_coordinator& coordinator, std::uint64_t seed);

  outcome step();
  std::uint64_t messages() const { return messages_; }
  std::uint64_t timers() const { return timers_; }

private:
  caf::scheduler::test_coordinator& coordinator_;
  std::mt19937_64 random_;
  std::uint64_t messages_ = 0;
  std::uint64_t timers_ = 0;
};

} // namespace boa::sim
