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
  bool archived = false; ///< the answering node's archive of ended jobs, not the nodes' stores
  std::string workflow;  ///< empty: every workflow
  std::string since;     ///< epoch ms or ISO-8601 UTC; empty: any time
  std::string cursor;    ///< with `archived`: the next page of an earlier listing
};

/// `job start`: validates a file here first (nothing is sent when it is invalid), publishes a
/// start-job and prints the job id; with `wait`, follows the job as `job watch` does.
int job_start(session& s, console& c, const job_start_args& args);

/// `job list`: the jobs in every node's store, merged; with `--archived`, one page of the
/// archive as one node answers it (PostgreSQL: every node's; else that node's own).
int job_list(session& s, console& c, const job_list_args& args);

/// `job show ID`; with `archived`, the job as the answering node's archive holds it.
int job_show(session& s, console& c, const std::string& job_id, bool archived = false);

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
