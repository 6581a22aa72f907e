#include "sim/final_data_checker.hpp"

#include "protocol/routing.hpp"

#include <fmt/core.h>

#include <map>

namespace boa::sim {

namespace {

bool succeeded(const protocol::history_entry& e) {
  return e.result != protocol::error_result && e.result != "interrupted";
}

std::map<std::string, int> successes_by_step(const protocol::job& j) {
  std::map<std::string, int> successes;
  for (const auto& e : j.history)
    if (succeeded(e))
      ++successes[e.step];
  return successes;
}

std::string merged_twice(const std::string& step, int n) {
  return fmt::format("step {} succeeded {} times in one history (merged twice?)", step, n);
}

} // namespace

std::vector<std::string> check_steps_succeeded_once(const protocol::job& j) {
  std::vector<std::string> out;
  for (const auto& [step, n] : successes_by_step(j))
    if (n > 1)
      out.push_back(fmt::format("job {}: {}", j.id, merged_twice(step, n)));
  return out;
}

std::vector<std::string> check_final_data(const planned_job& plan, const protocol::job& j) {
  std::vector<std::string> out;
  auto fail = [&](const std::string& what) {
    out.push_back(fmt::format("job {} ({}): {}", j.id, to_string(plan.shape), what));
  };
  auto successes = successes_by_step(j);
  for (const auto& [step, n] : successes)
    if (n > 1)
      fail(merged_twice(step, n));

  const bool finished = j.state == protocol::job_state::finished;
  switch (plan.shape) {
  case shape::linear:
    break;
  case shape::fork_join:
    if (finished)
      for (const char* step :
           {"split", "left-1", "left-2", "right-1", "right-2", "gather", "report"})
        if (successes[step] != 1)
          fail(fmt::format("finished with step {} done {} times, not once", step, successes[step]));
    break;
  case shape::map_reduce: {
    if (successes["total"] == 0)
      break; // the reduce did not succeed: some sub-job failed, or the job stopped before
    auto total = j.props.if_contains("total");
    auto want = expected_total(plan.items);
    if (!total || !total->is_int64())
      fail("the reduce succeeded but left no integer total");
    else if (total->get_int64() != want)
      fail(fmt::format("reduce total {} is not {} (the sum of its {} items, each counted once)",
                       total->get_int64(), want, plan.items));
    break;
  }
  case shape::routing:
    for (std::size_t i = 0; i + 1 < j.history.size(); ++i) {
      const auto& e = j.history[i];
      const auto& then = j.history[i + 1];
      if (e.step != "classify" || then.step == "classify")
        continue;
      if (then.step != routing_target(e.result))
        fail(fmt::format("classify returned '{}' but the job went on to {}, not {}", e.result,
                         then.step, routing_target(e.result)));
    }
    break;
  }
  return out;
}

} // namespace boa::sim
