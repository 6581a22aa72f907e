#pragma once

#include "protocol/job.hpp"
#include "sim/workload.hpp"

#include <string>
#include <vector>

namespace boa::sim {

/// Checks an ended job's final data against what the workload planned for it:
/// - no step succeeded twice in its history (the workload's workflows have no cycles, so a step
///   recorded twice was merged twice: a join that took a branch twice);
/// - a finished fork/join job went through every step of both branches, the join and the step
///   after it, exactly once each;
/// - a map/reduce job whose reduce succeeded holds the sum of exactly its planned items (each
///   weighs a distinct power of two: a sub-job missing or counted twice changes the sum);
/// - a routing job took the branch its `classify` step's result names.
std::vector<std::string> check_final_data(const planned_job& plan, const protocol::job& j);

/// The part of `check_final_data` that needs no plan, for jobs of any workflow without cycles: no
/// step succeeded twice in the job's history (a join that took a branch twice).
std::vector<std::string> check_steps_succeeded_once(const protocol::job& j);

} // namespace boa::sim
