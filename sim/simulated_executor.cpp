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
  ++attempts_;
  auto outcome = outcome_of(request);
  if (!outcome.ok)
    ++failures_;
  if (listener_)
    listener_(request, outcome);
  return outcome;
}

} // namespace boa::sim
