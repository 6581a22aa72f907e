#pragma once

#include "protocol/expected.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace boa::runtime::detail {

/// One program to run to completion.
struct subprocess_spec {
  std::vector<std::string> argv; ///< argv[0] is looked up in the PATH of this process
  std::vector<std::string> env;  ///< the child's whole environment, as "NAME=value"
  std::string dir;               ///< working directory; empty: this process's
  std::string input;             ///< written to the child's stdin, which is then closed
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::size_t max_output = 16u << 20; ///< stdout beyond this many bytes ends the run
  std::size_t error_tail = 2048;      ///< how much of the end of stderr is kept
};

/// How a run ended.
enum class subprocess_end {
  exited,          ///< the program exited by itself; see `exit_code`
  signaled,        ///< the program was killed by `signal` (not by us)
  timed_out,       ///< the deadline passed; the process group was killed
  output_overflow, ///< stdout exceeded `max_output`; the process group was killed
};

struct subprocess_result {
  subprocess_end end = subprocess_end::exited;
  int exit_code = 0;
  int signal = 0;
  std::string output;           ///< stdout (at most `max_output` bytes)
  std::string error_tail;       ///< the last `error_tail` bytes of stderr
  bool error_truncated = false; ///< stderr was longer than `error_tail`
};

/// Runs a program in its own session and process group and waits for it to end. stdin, stdout and
/// stderr are served together (poll), so no pipe can stall the child. When the program exits, when
/// the deadline passes or when stdout overflows, the whole process group is killed before the
/// program is reaped, so no process it started outlives the run. Safe to call from many threads:
/// the child is started with posix_spawn and inherits no descriptor beyond 0, 1 and 2.
/// Fails only when the program cannot be started.
expected<subprocess_result> run_subprocess(const subprocess_spec& spec);

} // namespace boa::runtime::detail
