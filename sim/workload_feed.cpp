#include "sim/workload_feed.hpp"

#include <chrono>

namespace boa::sim {

workload_feed::workload_feed(std::vector<workload_event> events, bus::broker_core& core,
                             trace& events_trace)
    : events_(std::move(events)), core_(core), trace_(events_trace) {}

void workload_feed::publish_due(std::int64_t now_ms, std::vector<std::string>& problems) {
  for (; next_ < events_.size() && events_[next_].at_ms <= now_ms; ++next_) {
    auto& e = events_[next_];
    const bool start = e.what == workload_event::kind::start;
    trace_.record({to_string(e.what), e.job_id,
                   start ? std::string_view(e.message.message_id) : protocol::to_string(e.action)});
    if (auto published = core_.publish(e.message); !published)
      problems.push_back(std::string(start ? "job " : "command for job ") + e.job_id +
                         " could not be published: " + published.error().message);
    ++(start ? started_ : commands_);
  }
}

bool workload_feed::advance_to_next(caf::scheduler::test_coordinator& coordinator,
                                    std::int64_t now_ms) {
  if (done())
    return false;
  auto& clock = coordinator.clock();
  const auto at = caf::actor_clock::time_point{} + std::chrono::milliseconds(events_[next_].at_ms);
  const auto& timers = clock.schedule();
  if (!timers.empty() && timers.begin()->first < at)
    return false;
  // Timers due exactly then fire too: they and the event are one moment, ordered by the seed.
  coordinator.advance_time(std::chrono::milliseconds(events_[next_].at_ms - now_ms));
  return true;
}

} // namespace boa::sim
