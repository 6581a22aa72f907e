#include "protocol/job.hpp"

#include <ostream>

namespace boa::protocol {

namespace {
constexpr const char* state_names[] = {"initial",  "running", "suspended",
                                       "finished", "error",   "canceled"};
}

const char* to_string(job_state state) {
  return state_names[static_cast<int>(state)];
}

std::optional<job_state> job_state_from_string(std::string_view text) {
  for (int i = 0; i < 6; ++i)
    if (text == state_names[i])
      return static_cast<job_state>(i);
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& out, job_state state) {
  return out << to_string(state);
}

bool is_terminal(job_state state) {
  return state == job_state::finished || state == job_state::error || state == job_state::canceled;
}

} // namespace boa::protocol
