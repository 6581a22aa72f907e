#include "sim/seeded_scheduler.hpp"

#include <algorithm>
#include <chrono>

namespace boa::sim {

seeded_scheduler::seeded_scheduler(caf::scheduler::test_coordinator& coordinator,
                                   std::uint64_t seed)
    : coordinator_(coordinator), random_(seed) {}

std::int64_t seeded_scheduler::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             coordinator_.clock().current_time.time_since_epoch())
      .count();
}

seeded_scheduler::outcome seeded_scheduler::step(std::optional<std::int64_t> wake_at_ms) {
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
  if (wake_at_ms) {
    auto& clock = coordinator_.clock();
    auto wake = caf::actor_clock::time_point{std::chrono::milliseconds(*wake_at_ms)};
    if (clock.schedule().empty() || wake < clock.schedule().begin()->first) {
      if (wake > clock.current_time)
        clock.current_time = wake;
      return outcome::woke;
    }
  }
  if (coordinator_.trigger_timeout()) {
    ++timers_;
    return outcome::timer;
  }
  return outcome::idle;
}

} // namespace boa::sim
