#pragma once

#include "protocol/job.hpp"

#include <string>

namespace boa::storage {
class job_store;
}

namespace boa::actors {

/// Keeps the node's job store current with a job state it is publishing (`body` is its JSON).
/// A store failure is logged, never fatal: the job itself lives on the bus.
void record_job(storage::job_store& store, const protocol::job& j, const std::string& body);

} // namespace boa::actors
