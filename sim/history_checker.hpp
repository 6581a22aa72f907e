#pragma once

#include "protocol/job.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace boa::sim {

/// Checks the history an ended job carries (as archived), one line per violation:
/// - the job is ended: no step left, no fork open, an end time;
/// - the attempts of each step are numbered from 1 without gaps (an `interrupted` entry counts as
///   an attempt); a step entered again starts at 1;
/// - times never go backwards: created <= every entry's start <= its end <= the job's end, and
///   each attempt of a step starts no earlier than the one before ended.
/// Entries of different fork branches interleave in time but not in the history (a join appends
/// each branch's entries after the main branch's), so order is checked per step only.
/// Times written on different nodes differ by up to `skew_ms` (their clocks disagree): orders
/// between them are checked within that much.
std::vector<std::string> check_history(const protocol::job& j, std::int64_t skew_ms = 0);

} // namespace boa::sim
