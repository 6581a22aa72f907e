#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace boa::protocol {

/// Job and step properties: a JSON object.
using properties = boost::json::object;

/// What executes a task step: a step kind (`noop`, `sleep`, `fail`, `set`, `exec`, `cpp`, ...) and
/// the kind's own arguments (the rest of the `run` object).
struct run_spec {
  std::string kind;
  boost::json::object args;
};

/// One `[match, step-id]` entry of a step's `next` list.
struct route {
  std::string match;  ///< lower-cased; "*" matches any result except "error"
  std::string target; ///< step id
};

/// Retries a failed step with exponential backoff before its result counts as "error".
struct retry_policy {
  int max = 0;                 ///< retries after the first attempt
  std::int64_t backoff_ms = 0; ///< delay before the first retry
  double multiplier = 1.0;     ///< factor applied to the delay for each further retry
};

/// The role a step plays in the graph.
enum class step_role {
  task,   ///< runs `run` on a worker
  join,   ///< waits for every branch of the enclosing fork and merges their properties
  map,    ///< starts one sub-job per element of an array
  reduce, ///< folds the finished sub-jobs of the preceding map step
};

/// How a join merges the properties of the branches it waits for.
enum class merge_policy {
  last_writer_wins,  ///< branches applied in branch order; later branches overwrite earlier ones
  first_writer_wins, ///< a key set by an earlier branch is kept
  by_branch,         ///< each branch's properties under "<fork step>.<branch index>"
};

/// How a reduce step folds the properties of finished sub-jobs.
enum class fold_kind {
  collect, ///< array of every sub-job's properties (or of `field` only), in item order
  sum,     ///< numeric sum of `field`
  merge,   ///< shallow merge of all properties, in item order
};

struct map_spec {
  /// Name (optionally `name@revision`) of the workflow each item runs, or empty when
  /// `inline_workflow` holds the definition itself.
  std::string workflow;
  boost::json::value inline_workflow;
  /// Job property holding the item array; empty means the step's result is the array.
  std::string items;
};

struct reduce_spec {
  fold_kind fold = fold_kind::collect;
  std::string field; ///< property of each sub-job to fold (required by `sum`)
  std::string into;  ///< job property that receives the folded value
};

struct step {
  std::string id;
  step_role role = step_role::task;
  run_spec run; ///< for task steps; optional for map steps (then `map.items` names the array)
  properties props;
  std::vector<route> next;
  bool parallel = false;
  std::optional<retry_policy> retry;
  std::optional<std::int64_t> timeout_ms;
  merge_policy merge = merge_policy::last_writer_wins; ///< join steps
  map_spec map;                                        ///< map steps
  reduce_spec reduce;                                  ///< reduce steps
};

/// A validated workflow definition. Immutable once built; jobs share it by pointer.
struct workflow {
  std::string name;
  std::optional<std::int64_t> revision;
  properties props;
  std::vector<step> steps; ///< the first is the entry step
  std::optional<std::int64_t> timeout_ms;

  /// The step with this id, or nullptr.
  const step* find(std::string_view id) const;
  /// Builds the id index; called once by the decoder after `steps` is complete.
  void index();

private:
  std::unordered_map<std::string, std::size_t> index_;
};

/// A definition as a job pins it: the validated workflow together with the JSON it came from
/// (carried in every job message so that any node can run the next step).
struct pinned_workflow {
  workflow def;
  boost::json::object source;
  std::string source_text; ///< `source` serialized once, spliced as is into every job message
};

using workflow_ptr = std::shared_ptr<const pinned_workflow>;

const char* to_string(step_role role);
const char* to_string(merge_policy policy);
const char* to_string(fold_kind fold);

} // namespace boa::protocol
