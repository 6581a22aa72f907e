#include "sim/history_checker.hpp"

#include <fmt/core.h>

#include <map>

namespace boa::sim {

std::vector<std::string> check_history(const protocol::job& j, std::int64_t skew_ms) {
  std::vector<std::string> out;
  auto fail = [&](const std::string& what) {
    out.push_back(fmt::format("job {} history: {}", j.id, what));
  };
  if (!j.step.empty())
    fail(fmt::format("ended with step '{}' still to run", j.step));
  if (!j.forks.empty())
    fail(fmt::format("ended inside fork {}", j.forks.back().fork_id));
  if (j.ended_ms == 0)
    fail("ended without an end time");
  else if (j.ended_ms + skew_ms < j.created_ms)
    fail(fmt::format("ended at {} before it was created at {}", j.ended_ms, j.created_ms));

  std::map<std::string, const protocol::history_entry*> last_of_step;
  for (std::size_t i = 0; i < j.history.size(); ++i) {
    const auto& e = j.history[i];
    auto where = fmt::format("entry {} (step {} attempt {})", i, e.step, e.attempt);
    if (e.start_ms > e.end_ms)
      fail(fmt::format("{} ends at {} before it starts at {}", where, e.end_ms, e.start_ms));
    if (e.start_ms + skew_ms < j.created_ms)
      fail(fmt::format("{} starts at {} before the job was created at {}", where, e.start_ms,
                       j.created_ms));
    if (j.ended_ms != 0 && e.end_ms > j.ended_ms + skew_ms)
      fail(fmt::format("{} ends at {} after the job ended at {}", where, e.end_ms, j.ended_ms));
    auto& last = last_of_step[e.step];
    if (e.attempt != 1 && (!last || e.attempt != last->attempt + 1))
      fail(fmt::format("{} follows {}", where,
                       last ? fmt::format("attempt {}", last->attempt) : "no attempt"));
    if (last && e.attempt != 1 && e.start_ms + skew_ms < last->end_ms)
      fail(fmt::format("{} starts at {} before attempt {} ended at {}", where, e.start_ms,
                       last->attempt, last->end_ms));
    last = &e;
  }
  return out;
}

std::vector<std::string> check_attempt_nodes(const protocol::job& j, const alive_fn& alive,
                                             std::int64_t skew_ms) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < j.history.size(); ++i) {
    const auto& e = j.history[i];
    if (e.node.empty() || e.result == "interrupted")
      continue;
    if (!alive(e.node, e.start_ms - skew_ms, e.end_ms + skew_ms))
      out.push_back(fmt::format("job {} history: entry {} (step {} attempt {}) ran on {} from {} "
                                "to {}, when that node was not running",
                                j.id, i, e.step, e.attempt, e.node, e.start_ms, e.end_ms));
  }
  return out;
}

} // namespace boa::sim
