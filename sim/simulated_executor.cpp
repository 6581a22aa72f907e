#include "sim/simulated_executor.hpp"

#include "sim/seed.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace boa::sim {

simulated_executor::simulated_executor(std::uint64_t seed, unsigned failure_percent)
    : seed_(seed), failure_percent_(failure_percent) {}

protocol::step_outcome simulated_executor::outcome_of(const protocol::step_request& request) const {
  auto draw =
      derive(seed_, request.job_id + "/" + request.step_id + "/" + std::to_string(request.attempt));
  if (request.run.kind == "fail" || draw % 100 < failure_percent_)
    return protocol::step_outcome::failure("simulated failure of " + request.step_id);
  if (request.run.kind == "choose") {
    const auto* choices = request.run.args.if_contains("choices");
    if (choices && choices->is_array() && !choices->get_array().empty()) {
      const auto& all = choices->get_array();
      // Bits above those the failure draw used: which branch is independent of failing.
      return protocol::step_outcome::success(
          boost::json::object{{"code", all[(draw >> 16) % all.size()]}});
    }
  }
  return protocol::step_outcome::success(boost::json::object{{"code", "ok"}});
}

protocol::step_outcome simulated_executor::run(const protocol::step_request& request) {
  return attempt(request, false).outcome;
}

actors::timed_outcome simulated_executor::run_timed(const protocol::step_request& request) {
  return attempt(request, true);
}

actors::timed_outcome simulated_executor::attempt(const protocol::step_request& request,
                                                  bool takes_time) {
  ++attempts_;
  actors::timed_outcome timed{outcome_of(request)};
  if (takes_time && max_step_ms_ > 0) {
    auto draw = derive(seed_, "duration/" + request.job_id + "/" + request.step_id + "/" +
                                  std::to_string(request.attempt));
    auto slow = (draw >> 40) % 20 == 0;
    auto longest = slow ? max_step_ms_ * 10 : max_step_ms_;
    auto duration = 1 + static_cast<std::int64_t>(draw % static_cast<std::uint64_t>(longest));
    if (request.timeout_ms > 0 && duration > request.timeout_ms) {
      ++timeouts_;
      timed.outcome = protocol::step_outcome::failure(
          "simulated step timed out after " + std::to_string(request.timeout_ms) + " ms", true);
      duration = request.timeout_ms;
    }
    timed.after = std::chrono::milliseconds(duration);
  }
  if (!timed.outcome.ok)
    ++failures_;
  if (listener_)
    listener_(request, timed.outcome);
  return timed;
}

} // namespace boa::sim
