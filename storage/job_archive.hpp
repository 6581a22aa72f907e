#pragma once

#include "protocol/expected.hpp"
#include "protocol/job.hpp"

#include <string>

namespace boa::storage {

/// Where a node's archiver puts the jobs that ended (actors/archiver.hpp): the node's own job
/// store by default, PostgreSQL when `archive.postgres` is set.
class job_archive {
public:
  virtual ~job_archive() = default;
  /// Stores ended job `j`, whose JSON is `body`, durably before it returns. Returns whether the
  /// job was new to the archive (an archive that cannot tell says true); an error means nothing
  /// was stored and the caller should offer the job again later.
  virtual expected<bool> store(const protocol::job& j, const std::string& body) = 0;
};

} // namespace boa::storage
