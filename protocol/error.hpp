#pragma once

#include <iosfwd>
#include <string>
#include <utility>

namespace boa {

/// What went wrong, as a category a caller can branch on.
enum class errc {
  /// Input from a user or a peer is malformed; the message names the file, JSON path or flag.
  invalid_input = 1,
  /// Something named (a job, a step, a workflow, a file) does not exist.
  not_found,
  /// The operating system or a library refused an I/O operation.
  io,
  /// Stored data is damaged or was written by an incompatible version.
  corrupt,
  /// A deadline passed before the work finished.
  timeout,
  /// The work was canceled on request.
  canceled,
  /// A step ran and reported failure.
  step_failed,
  /// A broken invariant inside boa itself; always a bug.
  internal,
};

const char* to_string(errc code);
std::ostream& operator<<(std::ostream& out, errc code);

/// An error a user can act on: the message already says where (file, JSON path, flag) and why.
struct error {
  errc code = errc::internal;
  std::string message;

  error() = default;
  error(errc c, std::string m) : code(c), message(std::move(m)) {}
};

} // namespace boa
