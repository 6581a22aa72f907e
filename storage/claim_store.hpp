#pragma once

#include "protocol/expected.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boa::storage {

/// The message a node took to run for one line of a job (a job, or one branch of a fork), and
/// that state's version.
struct claim {
  std::int64_t version = 0;
  std::string message_id;

  friend bool operator==(const claim&, const claim&) = default;
};

/// A cancel or suspend a node heard for a job and has not applied yet (actors/job_controls.hpp).
struct pending_command {
  std::string job_id;
  std::string action; ///< "cancel" or "suspend", as on the wire
  std::int64_t issued_ms = 0;

  friend bool operator==(const pending_command&, const pending_command&) = default;
};

/// What a node must remember across `kill -9` about the messages it took, kept in RocksDB:
/// - claims: which copy of a job state it ran (actors/delivery_claims.hpp);
/// - pending commands: the cancels and suspends it heard for jobs that have not reached it yet.
///   Commands are broadcast once: a node restarted without them would run a canceled job's next
///   step when the broker hands it that job.
/// Writes go through the write-ahead log without a sync: they survive the death of the process,
/// not of the machine. Thread-safe.
class claim_store {
public:
  static constexpr int format_version = 1;

  /// Opens (or creates) the store in `dir`; fails naming the directory if it is locked by another
  /// open store or holds another kind of data.
  static expected<std::unique_ptr<claim_store>> open(const std::filesystem::path& dir);

  ~claim_store();
  claim_store(const claim_store&) = delete;
  claim_store& operator=(const claim_store&) = delete;

  expected<std::optional<claim>> get(std::string_view line);
  expected<void> put(std::string_view line, const claim& c);

  /// Replaces the job's pending command.
  expected<void> put_pending(const pending_command& c);
  expected<void> erase_pending(std::string_view job_id);
  /// Every pending command, in no particular order.
  expected<std::vector<pending_command>> pending();

private:
  struct impl;
  explicit claim_store(std::unique_ptr<impl> self);
  std::unique_ptr<impl> self_;
};

} // namespace boa::storage
