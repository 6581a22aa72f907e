#include "sim/seeded_scheduler.hpp"

#include <algorithm>

namespace boa::sim {

seeded_scheduler::seeded_scheduler(caf::scheduler::test_coordinator& coordinator,
                                   std::uint64_t seed)
    : coordinator_(coordinator), random_(seed) {}

seeded_scheduler::outcome seeded_scheduler::step() {
  auto& jobs = coordinator_.jobs;
  if (!jobs.empty()) {
    auto pick = static_cast<std::size_t>(random_() % jobs.size());
    if (pick != 0)
      std::rotate(jobs.begin(), jobs.begin() + static_cast<std::ptrdiff_t>(pick),
                  jobs.begin() + static_cast<std::ptrdiff_t>(pick) + 1);
    coordinator_.run_once();
    ++messages_;
    return outcome::ran;
  }
  if (coordinator_.trigger_timeout()) {
    ++timers_;
    return outcome::timer;
  }
  return outcome::idle;
}

} // namespace boa::sim
