#pragma once

#include "sim/run_observer.hpp"

#include <set>
#include <string>
#include <vector>

namespace boa::sim {

/// Checks step attempts against the job states the nodes published, in the run's one order:
/// - no step of a job starts after the job ended (its first state published to the archive);
/// - a canceled job runs no step after the cancel took effect: the first published state of the
///   job that says canceled, in that state's line (inside a fork, the other branches go on until
///   they, too, meet the cancel);
/// - a suspended job runs no step while suspended: from a published suspended state until the
///   next published state of the same line (the resume).
/// An attempt whose (job, step, attempt) ran before is a re-run of work a crashed node did (the
/// broker gave its delivery to another node, at-least-once) and is not counted: only attempts
/// never seen before are. The line of an attempt is that of the latest published state of its job
/// naming its step. Workflows without cycles are assumed (a step entered twice in one line would
/// start again at attempt 1 and look like a re-run).
/// An attempt after the end of a job that ran as several copies (`copied`) goes to `diverged`
/// instead: another copy, redelivered around a fault, may still run when the first one ends.
std::vector<std::string> check_lifecycle(const std::vector<attempt_record>& attempts,
                                         const std::vector<state_record>& states,
                                         const std::set<std::string>& copied = {},
                                         std::vector<std::string>* diverged = nullptr);

} // namespace boa::sim
