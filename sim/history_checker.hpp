#pragma once

#include "protocol/job.hpp"

#include <cstdint>
#include <functional>
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

/// Whether the node named `node` was running at some moment of [from_ms, to_ms] (wall ms).
using alive_fn =
    std::function<bool(const std::string& node, std::int64_t from_ms, std::int64_t to_ms)>;

/// Every attempt in the job's history names a node that was running while it ran (widened by
/// `skew_ms`: the times come from that node's clock). An `interrupted` entry is exempt: it
/// records a node that went silent.
std::vector<std::string> check_attempt_nodes(const protocol::job& j, const alive_fn& alive,
                                             std::int64_t skew_ms);

} // namespace boa::sim
