#include "sim/workload_feed.hpp"

#include <chrono>

namespace boa::sim {

workload_feed::workload_feed(std::vector<workload_event> events, bus::broker_core& core,
                             trace& events_trace)
    : events_(std::move(events)), core_(core), trace_(events_trace) {}

void workload_feed::publish_due(std::int64_t now_ms, std::vector<std::string>& problems,
                                bool broker_up) {
  if (!broker_up)
    return; // a client cannot reach it either: it tries again once it is back
  for (; next_ < events_.size() && events_[next_].at_ms <= now_ms; ++next_) {
    auto& e = events_[next_];
    const bool start = e.what == workload_event::kind::start;
    trace_.record({to_string(e.what), e.job_id,
                   start ? std::string_view(e.message.message_id) : protocol::to_string(e.action)});
    auto publish = [&](const protocol::envelope& m) {
      if (auto published = core_.publish(m); !published)
        problems.push_back(std::string(start ? "job " : "command for job ") + e.job_id +
                           " could not be published to " + m.address + ": " +
                           published.error().message);
    };
    publish(e.message);
    for (const auto& copy : e.copies)
      publish(copy);
    ++(start ? started_ : commands_);
  }
}

std::optional<std::int64_t> workload_feed::next_ms() const {
  if (done())
    return std::nullopt;
  return events_[next_].at_ms;
}

} // namespace boa::sim
