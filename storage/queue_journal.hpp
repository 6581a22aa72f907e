#pragma once

#include "protocol/expected.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace boa::storage {

struct queue_journal_options {
  /// Fsync the write-ahead log on every write. Off by default: each write then reaches the
  /// operating system before it returns, which survives a killed process (`kill -9`) but not a
  /// power cut or a kernel crash; on, it survives those too at the cost of a disk flush per write.
  bool sync = false;
};

/// One change of a journal write. Views only: what they refer to must outlive the write.
struct journal_change {
  enum class kind {
    append, ///< stores `message` as message `seq` of `queue`
    remove, ///< forgets message `seq` of `queue` (no-op if there is none)
  };
  kind what = kind::append;
  std::string_view queue;
  std::uint64_t seq = 0;
  std::string_view message; ///< only for `append`
};

struct journaled_message {
  std::uint64_t seq = 0;
  std::string bytes;
};

/// Everything a journal holds.
struct journal_contents {
  /// Queue name -> its messages in increasing seq order. Queues without messages are left out.
  std::map<std::string, std::vector<journaled_message>> queues;
  /// The highest seq ever appended, even if that message has since been removed (0 if none), so
  /// that a new writer can continue the sequence without reusing an id.
  std::uint64_t highest_seq = 0;
};

/// The messages of durable queues, by queue and sequence number, in a RocksDB database of their
/// own. Every write goes through the write-ahead log before it returns; see
/// `queue_journal_options::sync` for what that survives. Every member is safe to call
/// concurrently.
class queue_journal {
public:
  /// The on-disk format this build reads and writes.
  static constexpr int format_version = 1;

  /// Opens the journal in `dir`, creating the directory and an empty journal if needed. Fails,
  /// naming the directory, if it is locked by another open journal, is not a directory, or holds
  /// anything but a queue journal of this format.
  static expected<std::unique_ptr<queue_journal>> open(const std::filesystem::path& dir,
                                                       queue_journal_options options = {});

  ~queue_journal();
  queue_journal(const queue_journal&) = delete;
  queue_journal& operator=(const queue_journal&) = delete;

  /// Stores `message` as message `seq` of `queue`, replacing any message of that seq. `queue`
  /// must be non-empty and hold no NUL byte.
  expected<void> append(std::string_view queue, std::uint64_t seq, std::string_view message);
  /// Forgets message `seq` of `queue`; succeeds if there is none.
  expected<void> remove(std::string_view queue, std::uint64_t seq);
  /// Applies every change, in order, as one atomic write: after a crash either all are there or
  /// none. Cheaper per change than one write each.
  expected<void> write(std::span<const journal_change> changes);

  /// Every stored message, by queue in seq order, and the highest seq ever appended.
  expected<journal_contents> load();

  const std::filesystem::path& directory() const;

private:
  struct impl;
  explicit queue_journal(std::unique_ptr<impl> self);
  std::unique_ptr<impl> self_;
};

} // namespace boa::storage
