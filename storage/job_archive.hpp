#pragma once

#include "protocol/expected.hpp"
#include "protocol/job.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boa::storage {

/// One ended job as an archive keeps it: the columns one can query, and the whole job.
struct archived_job {
  std::string id;
  std::string workflow;
  std::int64_t revision = -1; ///< -1: the job ran an inline definition
  std::string state;          ///< finished, error or canceled
  std::int64_t created_ms = 0;
  std::int64_t started_ms = 0; ///< start of its first step; 0: no step ran
  std::int64_t ended_ms = 0;
  std::int64_t duration_ms = 0; ///< ended - created
  std::string parent_id;        ///< empty unless a map step started it
  std::string node;             ///< the node that ran its last step; empty: none ran
  std::string body;             ///< the job as JSON (JSONB in the database)
};

/// What `list` returns: only jobs in `state`, of `workflow`, ended at or after `since_ms`.
struct archive_filter {
  std::optional<std::string> state;
  std::optional<std::string> workflow;
  std::int64_t since_ms = 0;
};

struct archive_page {
  std::vector<archived_job> jobs;
  /// Pass it to `list` for the next page; empty when this page was the last.
  std::string next_cursor;
};

/// Where a node's archiver puts the jobs that ended (actors/archiver.hpp), and where clients
/// find them again: the node's own job store by default, PostgreSQL when `archive.postgres` is
/// set. Every member is safe to call concurrently.
class job_archive {
public:
  virtual ~job_archive() = default;
  /// Stores ended job `j`, whose JSON is `body`, durably before it returns. Returns whether the
  /// job was new to the archive (an archive that cannot tell says true); an error means nothing
  /// was stored and the caller should offer the job again later.
  virtual expected<bool> store(const protocol::job& j, const std::string& body) = 0;

  /// The ended job with that id, or nullopt if the archive has none.
  virtual expected<std::optional<archived_job>> get(std::string_view id) = 0;

  /// Up to `limit` jobs matching `filter`, last ended first (ties by id), from where `cursor`
  /// (a previous page's `next_cursor`; storage/list_cursor.hpp) left off; errc::invalid_input
  /// for a cursor that is not one. A page may hold fewer than `limit` jobs and still have a
  /// next one (an archive may bound the work one page takes).
  virtual expected<archive_page> list(const archive_filter& filter, std::size_t limit,
                                      const std::string& cursor = {}) = 0;
};

} // namespace boa::storage
