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

} // namespace boa::sim
