#pragma once

#include <cstdint>
#include <string>

namespace boa::storage {

/// What the job store keeps about one job. The store reads only `id`, `state` and `updated_ms`
/// (for its indexes); everything else, `body` above all, is kept verbatim.
struct job_record {
  std::string id;
  std::string state; ///< initial, running, suspended, finished, error or canceled
  std::string workflow;
  std::int64_t revision = -1;
  std::string step;
  std::string parent_id;
  std::string folder;
  std::int64_t created_ms = 0; ///< wall-clock milliseconds since the epoch
  std::int64_t updated_ms = 0; ///< orders listings: newest first
  std::int64_t ended_ms = 0;   ///< 0 while the job has not ended
  std::string body;            ///< the job serialized as JSON

  friend bool operator==(const job_record&, const job_record&) = default;
};

} // namespace boa::storage
