#pragma once

#include "storage/job_archive.hpp"

namespace boa::actors {

class job_recorder;

/// The default archive: the node's own job store (RocksDB), written through the node's job
/// recorder so that an ended job and the states before it are stored in order. The store keeps
/// one record per job id, so an end stored twice is the same record, and `store` cannot tell a
/// duplicate: it always says new.
class job_store_archive final : public storage::job_archive {
public:
  explicit job_store_archive(job_recorder& recorder) : recorder_(recorder) {}
  expected<bool> store(const protocol::job& j, const std::string& body) override;

private:
  job_recorder& recorder_;
};

} // namespace boa::actors
