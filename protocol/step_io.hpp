#pragma once

#include "protocol/workflow.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>

namespace boa::protocol {

/// Everything an executor needs to run one attempt of one step. `job_id/step_id/attempt` identify
/// the attempt, so that steps can be idempotent under at-least-once execution.
struct step_request {
  std::string job_id;
  std::string step_id;
  int attempt = 1;
  run_spec run;
  properties props;            ///< job properties with the step's own properties merged in
  std::string job_dir;         ///< working directory for the step (created by the caller)
  std::int64_t timeout_ms = 0; ///< 0: no limit
};

/// What one attempt produced: its return value, or why it failed.
struct step_outcome {
  bool ok = true;
  boost::json::value value; ///< the step's return (object, string, number, array or null)
  std::string error;        ///< when !ok: a human-readable reason (stderr tail, exception text)
  bool timed_out = false;

  static step_outcome success(boost::json::value v) { return {true, std::move(v), {}, false}; }
  static step_outcome failure(std::string why, bool timeout = false) {
    return {false, nullptr, std::move(why), timeout};
  }
};

} // namespace boa::protocol
