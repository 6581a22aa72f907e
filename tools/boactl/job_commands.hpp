#pragma once

#include "protocol/job_command.hpp"
#include "tools/boactl/console.hpp"
#include "tools/boactl/session.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace boa::boactl {

struct job_start_args {
  std::string target;            ///< a definition file, or NAME / NAME@REV of the repository
  std::vector<std::string> sets; ///< `key=value` start properties
  std::string job_id;            ///< empty: a fresh id
  bool wait = false;             ///< follow the job until it ends
};

struct job_list_args {
  std::string state; ///< empty: every state
  std::int64_t limit = 50;
};

/// `job start`: validates a file here first (nothing is sent when it is invalid), publishes a
/// start-job and prints the job id; with `wait`, follows the job as `job watch` does.
int job_start(session& s, console& c, const job_start_args& args);

/// `job list`.
int job_list(session& s, console& c, const job_list_args& args);

/// `job show ID`.
int job_show(session& s, console& c, const std::string& job_id);

/// `job watch ID`: a progress line per step attempt until the job ends, then how it ended;
/// exit 0 when it finished, 1 when it ended in error or was canceled (also when it had ended
/// before the watch began). A job the answering node has no record of (not yet recorded, or
/// run by another node) is waited for all the same, after a note.
int job_watch(session& s, console& c, const std::string& job_id);

/// `job cancel|suspend|resume ID`: looks the job up (a job that has ended needs no command) and
/// broadcasts the command; one the answering node has no record of gets it too, after a note.
int job_control(session& s, console& c, const std::string& job_id,
                protocol::job_command::action what);

} // namespace boa::boactl
