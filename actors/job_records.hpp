#pragma once

#include "protocol/job.hpp"
#include "storage/job_record.hpp"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace boa::storage {
class job_store;
}

namespace boa::actors {

/// Keeps the node's job store current with the job states its actors publish, off the actors'
/// threads: records queue up and one writer thread stores them in batches (one RocksDB write for
/// many steps). The store is the node's metadata, not the job's truth, which lives on the bus; it
/// may trail by a few milliseconds. A store failure is logged, never fatal.
class job_recorder {
public:
  explicit job_recorder(storage::job_store& store);
  /// Writes everything queued, then stops the writer thread.
  ~job_recorder();
  job_recorder(const job_recorder&) = delete;
  job_recorder& operator=(const job_recorder&) = delete;

  /// Queues a job state (`body` is its JSON).
  void record(const protocol::job& j, const std::string& body);
  /// Returns once everything queued before the call is in the store.
  void flush();

private:
  void write_loop();

  storage::job_store& store_;
  std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable written_;
  std::vector<storage::job_record> queued_;
  std::uint64_t queued_total_ = 0;
  std::uint64_t written_total_ = 0;
  bool stopping_ = false;
  std::thread writer_;
};

} // namespace boa::actors
