#pragma once

#include "protocol/envelope.hpp"
#include "protocol/workflow.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace boa::sim {

/// The workflow shapes a run draws its jobs from.
enum class shape {
  linear,    ///< three steps in a chain, the middle one retried
  fork_join, ///< a fork into two branches of two steps, joined, then one more step
};

const char* to_string(shape s);

/// One job of the workload: its id and shape, and the start message a client would publish.
struct planned_job {
  std::string id;
  enum shape shape;
  protocol::envelope start;
};

/// `count` jobs drawn from `seed`, started at `now_ms`. Ids are derived from the seed.
std::vector<planned_job> plan_jobs(std::uint64_t seed, std::size_t count, std::int64_t now_ms);

} // namespace boa::sim
