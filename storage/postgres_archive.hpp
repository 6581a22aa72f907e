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
  expected<std::optional<archived_job>> get(std::string_view id) override;

  /// Up to `limit` jobs matching `filter`, last ended first (ties by id), from where `cursor`
  /// (a previous page's `next_cursor`) left off. Pages do not shift when jobs are added that
  /// ended later than the first page's first job.
  expected<archive_page> list(const archive_filter& filter, std::size_t limit,
                              const std::string& cursor = {}) override;

private:
  explicit postgres_archive(std::unique_ptr<detail::pq_connection> conn);
  expected<void> migrate();

  std::mutex mutex_;
  std::unique_ptr<detail::pq_connection> conn_;
};

} // namespace boa::storage
