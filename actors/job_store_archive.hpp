#pragma once

#include "storage/job_archive.hpp"

namespace boa::storage {
class job_store;
}

namespace boa::actors {

class job_recorder;

/// The default archive: the node's own job store (RocksDB), written through the node's job
/// recorder so that an ended job and the states before it are stored in order, and read back
/// from the store's records of jobs in a terminal state. The store keeps one record per job id,
/// so an end stored twice is the same record, and `store` cannot tell a duplicate: it always
/// says new.
class job_store_archive final : public storage::job_archive {
public:
  job_store_archive(job_recorder& recorder, storage::job_store& store)
      : recorder_(recorder), store_(store) {}
  expected<bool> store(const protocol::job& j, const std::string& body) override;
  /// Nullopt for a job the store has not seen end (yet).
  expected<std::optional<storage::archived_job>> get(std::string_view id) override;
  /// Ordered by the jobs' last update, which is their end. A page looks at most at 10000 of the
  /// store's records, so a filter that few jobs pass may give short pages with a next one.
  expected<storage::archive_page> list(const storage::archive_filter& filter, std::size_t limit,
                                       const std::string& cursor = {}) override;

private:
  job_recorder& recorder_;
  storage::job_store& store_;
};

} // namespace boa::actors
