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

/// A command a node heard for a job and has not carried out yet (actors/job_controls.hpp): a
/// cancel or suspend waiting for the job's next step, or a resume waiting for the job to show up
/// in its suspended queue. A job has at most one of the first kind and one resume.
struct pending_command {
  std::string job_id;
  std::string action; ///< "cancel", "suspend" or "resume", as on the wire
  std::int64_t issued_ms = 0;

  friend bool operator==(const pending_command&, const pending_command&) = default;
};

/// What a node must remember across `kill -9` about the messages it took, kept in RocksDB:
/// - claims: which copy of a job state it ran (actors/delivery_claims.hpp);
/// - pending commands: the cancels and suspends it heard for jobs that have not reached it yet,
///   and the resumes it took on. Commands are broadcast once: a node restarted without them
///   would run a canceled job's next step when the broker hands it that job, or leave a job it
///   was to resume parked for good.
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

  /// Replaces the job's pending command of the same kind (a resume, or a cancel or suspend).
  expected<void> put_pending(const pending_command& c);
  /// Erases the job's pending resume (`resume`), or its cancel or suspend.
  expected<void> erase_pending(std::string_view job_id, bool resume = false);
  /// Every pending command, in no particular order.
  expected<std::vector<pending_command>> pending();

private:
  struct impl;
  explicit claim_store(std::unique_ptr<impl> self);
  std::unique_ptr<impl> self_;
};

} // namespace boa::storage
