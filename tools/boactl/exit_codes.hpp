#pragma once

#include "protocol/error.hpp"
#include "protocol/job.hpp"

namespace boa::boactl {

/// The exit status of every `boactl` command.
enum exit_code : int {
  exit_ok = 0,
  /// The job ended in error or was canceled (`job start --wait`, `job watch`), or a node could
  /// not do what was asked for a reason of its own (its store, a bug).
  exit_failed = 1,
  /// Bad flags, an invalid definition file, or a node answering not_found / invalid_input.
  exit_bad_input = 2,
  /// The broker cannot be reached, or did not confirm, or no node answered in time.
  exit_unreachable = 3,
};

/// For a failure of the client itself (connecting, publishing, waiting for an answer):
/// invalid_input and not_found are the user's; every other one means the broker or the nodes
/// behind it are out of reach.
exit_code exit_code_of_client_error(const error& e);

/// For an error a node answered with: the user's input (invalid_input, not_found) or the node's
/// own failure.
exit_code exit_code_of_node_error(errc code);

/// For a job that has ended: finished is success, error and canceled are not.
exit_code exit_code_of_job(protocol::job_state state);

} // namespace boa::boactl
