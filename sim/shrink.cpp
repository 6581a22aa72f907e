#include "sim/shrink.hpp"

#include <numeric>

namespace boa::sim {

bool keep_faults(simulation_options& options, const std::vector<std::size_t>& indices) {
  std::vector<fault> kept;
  for (auto i : indices) {
    if (i >= options.faults.faults.size())
      return false;
    kept.push_back(options.faults.faults[i]);
  }
  options.faults.faults = std::move(kept);
  return true;
}

shrunk_run shrink(const simulation_options& failing) {
  shrunk_run best;
  best.options = failing;
  best.options.trace_text = nullptr;
  best.result = run_simulation(best.options);
  best.runs = 1;
  best.kept_faults.resize(failing.faults.faults.size());
  std::iota(best.kept_faults.begin(), best.kept_faults.end(), std::size_t{0});
  if (best.result.passed())
    return best;

  auto still_fails = [&best](const simulation_options& candidate) {
    auto result = run_simulation(candidate);
    ++best.runs;
    if (result.passed())
      return false;
    best.options = candidate;
    best.result = std::move(result);
    return true;
  };

  // Faults: one at a time, from the last, until none can go.
  for (bool dropped = true; dropped;) {
    dropped = false;
    for (std::size_t i = best.options.faults.faults.size(); i-- > 0;) {
      auto candidate = best.options;
      candidate.faults.faults.erase(candidate.faults.faults.begin() +
                                    static_cast<std::ptrdiff_t>(i));
      if (still_fails(candidate)) {
        best.kept_faults.erase(best.kept_faults.begin() + static_cast<std::ptrdiff_t>(i));
        dropped = true;
      }
    }
  }
  // Jobs: halve while it fails, then one at a time.
  while (best.options.jobs > 1) {
    auto candidate = best.options;
    candidate.jobs = best.options.jobs / 2;
    if (!still_fails(candidate))
      break;
  }
  while (best.options.jobs > 1) {
    auto candidate = best.options;
    --candidate.jobs;
    if (!still_fails(candidate))
      break;
  }
  return best;
}

} // namespace boa::sim
