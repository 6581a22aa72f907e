#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace boa::amqp::test {

/// A program the test runs in a process of its own, to stop (SIGSTOP) as a hung peer would be.
/// Its standard output comes back line by line; its standard input stays open (and empty) while
/// it lives. The destructor kills it by its PID and reaps it.
class child_process {
public:
  /// Starts `argv[0]` (a path, or a name looked up in PATH) with `argv`; `pid()` is -1 if it could
  /// not be started.
  explicit child_process(const std::vector<std::string>& argv);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  /// The next line of its output (without the newline); empty if none came within `timeout`
  /// or its output ended.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  /// Its exit status once it has exited on its own (waits up to `timeout`); empty otherwise.
  std::optional<int> exit_status(std::chrono::milliseconds timeout);

  void pause();  ///< SIGSTOP
  void resume(); ///< SIGCONT

private:
  pid_t pid_ = -1;
  int output_ = -1;
  int input_ = -1;
  std::string buffered_;
  std::optional<int> status_;
};

} // namespace boa::amqp::test
