#pragma once

#include "actors/step_executor.hpp"

#include <cstddef>

namespace boa::runtime {

/// Bounds on what an `exec` step may produce.
struct exec_limits {
  std::size_t max_stdout_bytes = 16u << 20; ///< more stdout than this fails the step
  std::size_t stderr_tail_bytes = 2048;     ///< how much of the end of stderr a failure quotes
};

/// Kind `exec`, args `{"argv": [<program>, <arg>...], "env": {<name>: <value>...}}` (env optional):
/// runs a program (looked up in the node's PATH) in the job directory, with the job's properties
/// as JSON on stdin and a clean environment: only PATH, HOME, LANG, LC_ALL and TZ from the node
/// (those it has; PATH defaults to /usr/local/bin:/usr/bin:/bin), then `env`, then BOA_JOB_ID,
/// BOA_STEP_ID, BOA_ATTEMPT and BOA_JOB_DIR. Nothing else of the node's environment, which may
/// hold its own secrets, reaches the program. The JSON value the program prints on stdout is the
/// step's return (nothing: null). A non-zero exit, a death by signal or stdout that is not JSON
/// fails the step; the error quotes the end of stderr. At `timeout_ms` the program's whole process
/// group is killed; so is whatever the program leaves running in its group when it exits.
class exec_executor final : public actors::step_executor {
public:
  explicit exec_executor(exec_limits limits = {}) : limits_(limits) {}

  protocol::step_outcome run(const protocol::step_request& request) override;

private:
  exec_limits limits_;
};

} // namespace boa::runtime
