#pragma once

#include "protocol/expected.hpp"
#include "protocol/job.hpp"
#include "storage/job_archive.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boa::storage {

namespace detail {
class pq_connection;
}

/// One ended job as the archive keeps it: the columns one can query, and the whole job.
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

/// Ended jobs in PostgreSQL, reached with libpq: one row per job in `boa_archived_jobs`, keyed by
/// job id, so that any node (or any SQL client) can find a job after the node that ran it is gone.
/// The schema is created or migrated when the archive opens (`boa_schema_version`). Every member
/// is safe to call concurrently (they share one connection, in turn). A lost connection is opened
/// again on the next call.
class postgres_archive final : public job_archive {
public:
  /// The schema this build creates and reads.
  static constexpr int schema_version = 1;

  /// Connects with a libpq connection string (`host=... port=...` or `postgresql://...`) and
  /// creates or migrates the schema. Fails with libpq's message, or if the database holds a
  /// newer schema than this build knows.
  static expected<std::unique_ptr<postgres_archive>> open(const std::string& conninfo);
  /// Checks a connection string's syntax without connecting (for settings loaders).
  static expected<void> check_connection_string(const std::string& conninfo);

  ~postgres_archive() override;
  postgres_archive(const postgres_archive&) = delete;
  postgres_archive& operator=(const postgres_archive&) = delete;

  /// Stores an ended job whose JSON is `body`, committed when this returns. The first end of a
  /// job wins: storing the same id again changes nothing and returns false (a duplicate delivery).
  expected<bool> store(const protocol::job& j, const std::string& body) override;

  /// The job with that id, or nullopt if the archive has none.
  expected<std::optional<archived_job>> get(std::string_view id);

  /// Up to `limit` jobs matching `filter`, last ended first (ties by id), from where `cursor`
  /// (a previous page's `next_cursor`) left off. Pages do not shift when jobs are added that
  /// ended later than the first page's first job.
  expected<archive_page> list(const archive_filter& filter, std::size_t limit,
                              const std::string& cursor = {});

private:
  explicit postgres_archive(std::unique_ptr<detail::pq_connection> conn);
  expected<void> migrate();

  std::mutex mutex_;
  std::unique_ptr<detail::pq_connection> conn_;
};

} // namespace boa::storage
