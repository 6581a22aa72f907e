#pragma once

#include "actors/bus/queue_durability.hpp"
#include "storage/queue_journal.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace boa::bus {

/// The broker core's durability hook over a `storage::queue_journal`: each `apply` is one atomic
/// journal write, through the write-ahead log, so stored messages survive `kill -9` of the node
/// (and a power cut too with `queue_journal_options::sync`).
class durable_queues final : public queue_durability {
public:
  /// Opens (or creates) the journal in `dir` and reads everything it holds, so that a damaged or
  /// foreign journal is reported here, naming the directory, before any broker uses it.
  static expected<std::unique_ptr<durable_queues>>
  open(const std::filesystem::path& dir, storage::queue_journal_options options = {});

  /// What the journal held at `open`; empty on later calls.
  restored_queues restore() override;
  /// One journal write; a failure is also logged, as the broker cannot report every one (a failed
  /// removal leaves a message that comes back after a restart).
  expected<void> apply(std::span<const durable_change> changes) override;

  /// Number of `apply` calls that failed since `open`.
  std::uint64_t failed_writes() const { return failed_writes_; }

private:
  durable_queues(std::unique_ptr<storage::queue_journal> journal, restored_queues restored);

  std::unique_ptr<storage::queue_journal> journal_;
  restored_queues restored_;
  std::uint64_t failed_writes_ = 0;
  // Reused across calls (which never overlap) so the hot path does not allocate.
  std::vector<std::string> encoded_;
  std::vector<storage::journal_change> changes_;
};

} // namespace boa::bus
