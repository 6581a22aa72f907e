#pragma once

#include "protocol/expected.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace boa::protocol {

/// A lifecycle command on one job, broadcast on `topic:boa.commands`; it takes effect before the
/// job's next step, on whichever node runs it.
struct job_command {
  enum class action { cancel, suspend, resume };
  std::string job_id;
  action what = action::cancel;
  /// When the client issued it (ms since the epoch, its own clock); 0: not said. Commands travel
  /// apart from the job and may overtake each other on the way to a node: one issued before the
  /// last a node applied for the job is stale there and ignored (a resume overtaken by its own
  /// suspend would otherwise park the job again).
  std::int64_t issued_ms = 0;
};

const char* to_string(job_command::action a);
std::optional<job_command::action> job_action_from_string(std::string_view text);

std::string serialize_command(const job_command& command);
/// Decodes and validates; errors name the JSON path.
expected<job_command> parse_command(std::string_view text);

} // namespace boa::protocol
