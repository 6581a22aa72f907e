#pragma once

#include "protocol/expected.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

/// Whether a command issued at `issued_ms` is stale for a job whose newest applied command was
/// issued at `commands_ms` (`job::commands_ms`): it was issued at or before that one. A command
/// of unknown time (0) is never stale.
inline bool is_stale_command(std::int64_t issued_ms, std::int64_t commands_ms) {
  return issued_ms > 0 && issued_ms <= commands_ms;
}

/// Where a client publishes a command: every one on the commands topic, for the node that runs
/// the job's next step; a resume also on the durable resumes queue, so that one node takes the
/// job back even when no node heard the broadcast.
std::vector<std::string> command_addresses(job_command::action what);

std::string serialize_command(const job_command& command);
/// Decodes and validates; errors name the JSON path.
expected<job_command> parse_command(std::string_view text);

} // namespace boa::protocol
