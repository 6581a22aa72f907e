#pragma once

#include "protocol/expected.hpp"
#include "protocol/job.hpp"
#include "protocol/workflow.hpp"
#include "protocol/workflow_codec.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace boa::protocol {

/// The wire form of a job (`{"v": 1, "type": "job", ...}`); members that hold their default
/// (empty string or array, 0, item_index -1, attempt 1, state initial, no reduce) are omitted.
/// `decode_job` gives back an equal job (a job needs a workflow to decode).
boost::json::object encode_job(const job& j);

/// `encode_job` as JSON text, written directly (without building the object first).
std::string serialize_job(const job& j);

/// Maps workflow definitions (the `workflow` member of job messages) to the workflow decoded from
/// an equal definition earlier, so that the definition every job message carries is validated once
/// per process rather than once per step. Thread-safe; holds at most `capacity` definitions and
/// forgets the oldest first.
class workflow_cache {
public:
  explicit workflow_cache(std::size_t capacity = 256);

  /// The workflow decoded from a definition equal to `source` (deep equality), or else
  /// `decode_workflow(source)`, kept when valid. Entries are found by a structural hash of the
  /// whole definition (name and revision included) and confirmed by comparing the definitions.
  workflow_decoding get(const boost::json::value& source);

  std::size_t size() const;

private:
  struct entry {
    std::uint64_t hash;
    workflow_ptr workflow;
  };
  using entries = std::list<entry>;

  std::size_t capacity_;
  mutable std::mutex mutex_;
  entries entries_; ///< oldest first
  std::unordered_multimap<std::uint64_t, entries::iterator> by_hash_;
};

/// Validates a job message (every member, the state name, the workflow) and builds the job.
/// Errors are `errc::invalid_input` with the path first: `history[2].attempt: expected integer, got
/// string`. With a cache, an already seen workflow definition is not decoded again.
expected<job> decode_job(const boost::json::value& json, workflow_cache* cache = nullptr);

/// `decode_job` of JSON text; a syntax error says line:column.
expected<job> parse_job(std::string_view text, workflow_cache* cache = nullptr);

} // namespace boa::protocol
