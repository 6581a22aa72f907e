#pragma once

#include "protocol/expected.hpp"
#include "protocol/job.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace boa::protocol {

/// What `topic:boa.events` carries: one event per step attempt and one when a job ends, so that
/// anyone (boad run, boactl watch, the dashboard) can follow jobs without asking a node.
struct job_event {
  enum class kind { step_finished, job_ended };
  kind type = kind::step_finished;
  std::string job_id;
  std::string workflow;
  std::string node;
  std::int64_t at_ms = 0;
  // step_finished
  std::string step;
  int attempt = 1;
  std::string result;
  std::int64_t duration_ms = 0;
  std::string worker;
  bool will_retry = false;
  // both: failure text; job_ended: the final state
  std::string error;
  job_state state = job_state::running;
};

job_event step_finished_event(const job& j, const history_entry& entry, bool will_retry);
job_event job_ended_event(const job& j, const std::string& node, std::int64_t now_ms);

std::string serialize_event(const job_event& event);
/// Decodes and validates; errors name the JSON path.
expected<job_event> parse_event(std::string_view text);

} // namespace boa::protocol
