#pragma once

#include "protocol/limits.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace boa::runtime {

struct run_options {
  std::filesystem::path file;
  std::vector<std::string>
      set; ///< "key=value"; value parsed as JSON when it is JSON, else a string
  std::size_t workers = 4;
  std::filesystem::path data_dir;   ///< empty: a temporary directory, removed afterwards
  bool quiet = false;               ///< no progress lines
  std::vector<std::string> plugins; ///< step plugins (shared libraries) to load first
  /// The node settings `limits.*`: held by the job's steps and by the in-process bus.
  protocol::engine_limits limits;
};

/// Exit codes of `boad run`.
enum run_exit : int { run_finished = 0, run_failed = 1, run_bad_input = 2 };

/// `boad run`: runs one workflow to completion in-process (in-process bus, the same actors as a
/// node), prints a line per step to stderr and the final job as JSON to stdout. A state of the
/// job that the bus or the engine refuses (over `limits.max-message-bytes`) ends the run as the
/// job's error, with the reason.
int run_workflow(const run_options& options);

} // namespace boa::runtime
