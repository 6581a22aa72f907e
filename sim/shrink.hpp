#pragma once

#include "sim/simulation.hpp"

#include <cstddef>
#include <vector>

namespace boa::sim {

/// The smallest run found that still fails, and how to replay it.
struct shrunk_run {
  simulation_options options;
  simulation_result result;
  /// Indices, into the seed's own fault plan, of the faults the smallest run kept.
  std::vector<std::size_t> kept_faults;
  std::size_t runs = 0; ///< simulations run while shrinking
};

/// Shrinks a failing run: drops faults one by one, then jobs (from the end of the workload, so
/// the jobs left are the same jobs), keeping each change while the run still fails. Every
/// candidate is a full deterministic run, so the result replays exactly.
shrunk_run shrink(const simulation_options& failing);

/// Keeps only the faults at `indices` of `options.faults` (the others are dropped); false when an
/// index is out of range.
bool keep_faults(simulation_options& options, const std::vector<std::size_t>& indices);

} // namespace boa::sim
