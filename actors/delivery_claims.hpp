#pragma once

#include "protocol/job.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace boa::storage {
class claim_store;
struct claim;
} // namespace boa::storage

namespace boa::actors {

/// Which copy of a job state a node runs. A node that dies after publishing a job's next state
/// but before settling the state it consumed gets that consumed state back from the broker and
/// runs its step again (at-least-once): now two copies of the next state exist, equal but for
/// their message ids, and each would carry the job on to its end. Claims stop the second line:
/// per line of a job (the job, or one branch of a fork) the node remembers the newest version it
/// ran and the message that carried it, and refuses older versions and other copies of that
/// version. The same message delivered again (its runner died) is run again.
///
/// With a claim store, claims survive the death of the node; without one they last as long as the
/// process. Thread-safe.
class delivery_claims {
public:
  enum class verdict {
    run,   ///< a newer version than any seen: claimed now
    again, ///< the claimed message itself, delivered again (whoever took it died): run it again
    stale, ///< an older version than one already run: its successor exists
    copy,  ///< another copy of a version already run
  };

  /// `durable` may be null; at most `remembered` lines are kept in memory (older ones are read
  /// back from `durable` when needed).
  explicit delivery_claims(storage::claim_store* durable = nullptr,
                           std::size_t remembered = 1 << 18);

  /// Decides about the state `j` that arrived as message `message_id`, and claims it if it is to
  /// run. A message without an id (published by hand) always runs.
  verdict claim(const protocol::job& j, const std::string& message_id);
  /// The same for a line named by the caller (say, the archive's record of a job's end).
  verdict claim(const std::string& line, std::int64_t version, const std::string& message_id);

  /// The run of `message_id` (version `version` of `line`) could not publish what it led to, and
  /// its delivery goes back to the broker: its claim no longer stands for a successor. Any copy
  /// of that version may run again here (older versions stay stale: this version exists). Does
  /// nothing if the line's claim has moved on to another message or version meanwhile.
  void withdraw(const std::string& line, std::int64_t version, const std::string& message_id);

  /// The job id and the fork branches that lead to this state: "j-1", "j-1/fork-3:2".
  static std::string line_of(const protocol::job& j);

private:
  struct entry {
    std::int64_t version = 0;
    std::string message_id;
  };
  struct stripe {
    std::mutex mutex;
    std::unordered_map<std::string, entry> lines;
    std::deque<std::string> order; ///< insertion order, for forgetting the oldest
  };

  stripe& stripe_of(const std::string& line);
  /// Adds a line not yet in `s`, forgetting the oldest ones beyond the stripe's share.
  std::unordered_map<std::string, entry>::iterator remember(stripe& s, const std::string& line,
                                                            entry e);

  storage::claim_store* durable_;
  std::size_t per_stripe_;
  std::array<stripe, 16> stripes_;
};

const char* to_string(delivery_claims::verdict v);

} // namespace boa::actors
