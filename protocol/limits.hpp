#pragma once

#include "protocol/error.hpp"
#include "protocol/json_read.hpp"
#include "protocol/workflow.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boa::protocol {

/// How much one job or message may hold. Each limit is a node setting (`limits.*`, named in the
/// errors so that an operator knows what to raise); input over a limit is refused where it comes
/// in, and a running job that grows past one ends in its error state.
struct engine_limits {
  /// Body of one bus message (a job state carries its definition, properties and history).
  std::size_t max_message_bytes = 16 * 1024 * 1024;
  /// A job's properties, serialized as JSON.
  std::size_t max_properties_bytes = 1024 * 1024;
  /// Steps of one definition.
  std::size_t max_steps = 1000;
  /// Branches one parallel step forks into.
  std::size_t max_parallel_branches = 64;
  /// Sub-jobs one map step starts (items of its array).
  std::size_t max_map_fan_out = 10000;

  friend bool operator==(const engine_limits&, const engine_limits&) = default;
};

/// The setting keys of the limits, as errors name them.
namespace limit_settings {
inline constexpr std::string_view max_message_bytes = "limits.max-message-bytes";
inline constexpr std::string_view max_properties_bytes = "limits.max-properties-bytes";
inline constexpr std::string_view max_steps = "limits.max-steps";
inline constexpr std::string_view max_parallel_branches = "limits.max-parallel-branches";
inline constexpr std::string_view max_map_fan_out = "limits.max-map-fan-out";
} // namespace limit_settings

/// Bytes of `v` serialized as compact JSON, counted without keeping the text.
std::size_t json_size(const boost::json::value& v);
std::size_t json_size(const boost::json::object& o);

/// "<what> is N bytes, more than the limit of M (setting K)" when `bytes` exceeds a nonzero
/// `limit`.
std::optional<std::string> over_byte_limit(std::string_view what, std::size_t bytes,
                                           std::size_t limit, std::string_view setting);

/// The steps and parallel branches of `w` against the limits, as problems with JSON paths into
/// the definition (`steps`, `steps[3].next`).
std::vector<problem> check_workflow_limits(const workflow& w, const engine_limits& limits);

/// `check_workflow_limits` as one `invalid_input` error naming `subject`, or nothing.
std::optional<error> workflow_over_limits(const workflow& w, const engine_limits& limits,
                                          std::string_view subject, std::string_view prefix = {});

/// A message body of `bytes` (`what`: "message to queue:boa.jobs") against `max_message_bytes`.
std::optional<error> message_over_limit(std::string_view what, std::size_t bytes,
                                        std::size_t max_message_bytes);

/// Why a job's properties are too large (after `where`, e.g. "step 'fetch'"), or nothing.
std::optional<std::string>
properties_over_limit(const properties& props, const engine_limits& limits, std::string_view where);

/// Why a parallel step may not fork into `branches` branches, or nothing.
std::optional<std::string> fork_over_limit(const step& s, std::size_t branches,
                                           const engine_limits& limits);

/// Why a map step may not start `items` sub-jobs, or nothing.
std::optional<std::string> fan_out_over_limit(const step& s, std::size_t items,
                                              const engine_limits& limits);

} // namespace boa::protocol
