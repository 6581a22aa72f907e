#include "sim/simulated_executor.hpp"

#include "sim/seed.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace boa::sim {

simulated_executor::simulated_executor(std::uint64_t seed, unsigned failure_percent)
    : seed_(seed), failure_percent_(failure_percent) {}

protocol::step_outcome simulated_executor::run(const protocol::step_request& request) {
  ++attempts_;
  auto draw =
      derive(seed_, request.job_id + "/" + request.step_id + "/" + std::to_string(request.attempt));
  // A fail step fails, a set step returns its values: routing in the workload stays meaningful.
  if (request.run.kind == "fail" || draw % 100 < failure_percent_) {
    ++failures_;
    return protocol::step_outcome::failure("simulated failure of " + request.step_id);
  }
  return protocol::step_outcome::success(boost::json::object{{"code", "ok"}});
}

actors::timed_outcome simulated_executor::run_timed(const protocol::step_request& request) {
  if (max_step_ms_ <= 0)
    return {run(request)};
  auto draw = derive(seed_, "duration/" + request.job_id + "/" + request.step_id + "/" +
                                std::to_string(request.attempt));
  auto slow = (draw >> 40) % 20 == 0;
  auto longest = slow ? max_step_ms_ * 10 : max_step_ms_;
  auto duration = 1 + static_cast<std::int64_t>(draw % static_cast<std::uint64_t>(longest));
  if (request.timeout_ms > 0 && duration > request.timeout_ms) {
    ++attempts_;
    ++failures_;
    ++timeouts_;
    return {protocol::step_outcome::failure("simulated step timed out after " +
                                                std::to_string(request.timeout_ms) + " ms",
                                            true),
            std::chrono::milliseconds(request.timeout_ms)};
  }
  return {run(request), std::chrono::milliseconds(duration)};
}

} // namespace boa::sim
