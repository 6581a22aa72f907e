#pragma once

#include "protocol/expected.hpp"

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
};

const char* to_string(job_command::action a);
std::optional<job_command::action> job_action_from_string(std::string_view text);

std::string serialize_command(const job_command& command);
/// Decodes and validates; errors name the JSON path.
expected<job_command> parse_command(std::string_view text);

} // namespace boa::protocol
