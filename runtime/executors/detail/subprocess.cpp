#include "runtime/executors/detail/subprocess.hpp"

#include "storage/detail/unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace boa::runtime::detail {
namespace {

using clock = std::chrono::steady_clock;

/// Once the program has exited and its group is killed, how long the pipes may stay open. Only a
/// process that left the group (setsid) can hold them longer; its output is then not waited for.
constexpr auto drain_grace = std::chrono::seconds(1);
/// Without a pidfd, how often to look whether the program has exited while its pipes stay open.
constexpr int exit_check_interval_ms = 10;
constexpr std::size_t read_chunk = 64 * 1024;

std::string errno_text(int code) {
  return std::system_category().message(code);
}

error os_error(const std::string& what, int code = errno) {
  return error(errc::io, what + ": " + errno_text(code));
}

using storage::detail::unique_fd;

struct pipe_ends {
  unique_fd read;
  unique_fd write;
};

/// A close-on-exec pipe (so that a child spawned by another thread cannot inherit it) whose ends
/// are not 0, 1 or 2 (so that the child's dup2 actions cannot overwrite one another).
expected<pipe_ends> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return os_error("pipe");
  pipe_ends ends{unique_fd(fds[0]), unique_fd(fds[1])};
  for (auto* end : {&ends.read, &ends.write}) {
    if (end->get() > STDERR_FILENO)
      continue;
    const int moved = ::fcntl(end->get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (moved < 0)
      return os_error("fcntl");
    end->reset(moved);
  }
  return ends;
}

expected<void> set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    return os_error("fcntl");
  return {};
}

class spawn_actions {
public:
  spawn_actions() { ::posix_spawn_file_actions_init(&actions_); }
  ~spawn_actions() { ::posix_spawn_file_actions_destroy(&actions_); }
  spawn_actions(const spawn_actions&) = delete;
  spawn_actions& operator=(const spawn_actions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

private:
  posix_spawn_file_actions_t actions_;
};

class spawn_attributes {
public:
  spawn_attributes() { ::posix_spawnattr_init(&attributes_); }
  ~spawn_attributes() { ::posix_spawnattr_destroy(&attributes_); }
  spawn_attributes(const spawn_attributes&) = delete;
  spawn_attributes& operator=(const spawn_attributes&) = delete;
  posix_spawnattr_t* get() { return &attributes_; }

private:
  posix_spawnattr_t attributes_;
};

/// The child: in its own session, with default signal dispositions and an empty signal mask (the
/// node may ignore SIGPIPE or block signals in its threads), the pipes as 0, 1 and 2, nothing else
/// open, and the working directory changed.
expected<void> prepare_spawn(spawn_actions& actions, spawn_attributes& attributes,
                             const subprocess_spec& spec, int in, int out, int err) {
  int rc = 0;
  auto step = [&rc](int result) {
    if (rc == 0)
      rc = result;
  };
  sigset_t none;
  sigset_t all;
  ::sigemptyset(&none);
  ::sigfillset(&all);
  step(::posix_spawnattr_setflags(attributes.get(), POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
                                                        POSIX_SPAWN_SETSIGDEF));
  step(::posix_spawnattr_setsigmask(attributes.get(), &none));
  step(::posix_spawnattr_setsigdefault(attributes.get(), &all));
  if (!spec.dir.empty())
    step(::posix_spawn_file_actions_addchdir_np(actions.get(), spec.dir.c_str()));
  step(::posix_spawn_file_actions_adddup2(actions.get(), in, STDIN_FILENO));
  step(::posix_spawn_file_actions_adddup2(actions.get(), out, STDOUT_FILENO));
  step(::posix_spawn_file_actions_adddup2(actions.get(), err, STDERR_FILENO));
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 34)
  // Descriptors other libraries of the node opened without O_CLOEXEC stay out of the child too.
  step(::posix_spawn_file_actions_addclosefrom_np(actions.get(), STDERR_FILENO + 1));
#endif
  if (rc != 0)
    return os_error("posix_spawn setup", rc);
  return {};
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> result;
  result.reserve(strings.size() + 1);
  for (const auto& s : strings)
    result.push_back(const_cast<char*>(s.c_str()));
  result.push_back(nullptr);
  return result;
}

/// Blocks SIGPIPE in this thread while it writes to the child's stdin, so that a child that exits
/// without reading gives EPIPE instead of killing the node; a SIGPIPE raised meanwhile is consumed
/// before the signal mask is restored.
class sigpipe_guard {
public:
  sigpipe_guard() {
    ::sigemptyset(&pipe_);
    ::sigaddset(&pipe_, SIGPIPE);
    was_pending_ = pending();
    ::pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~sigpipe_guard() {
    if (!was_pending_ && pending()) {
      const timespec now{};
      ::sigtimedwait(&pipe_, nullptr, &now);
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

private:
  static bool pending() {
    sigset_t set;
    ::sigemptyset(&set);
    ::sigpending(&set);
    return ::sigismember(&set, SIGPIPE) == 1;
  }

  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

/// The started child. Unless `reap` was called, the destructor kills its process group and reaps
/// it, so that no early return leaves a process or a zombie behind.
class child_process {
public:
  explicit child_process(pid_t pid) : pid_(pid) {}
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() {
    if (reaped_)
      return;
    kill_group();
    (void)reap();
  }

  /// Kills every process of the child's group. Called only while the child is not yet reaped, so
  /// its pid (the group's id) cannot have been reused.
  void kill_group() { ::kill(-pid_, SIGKILL); }

  /// The wait status of the child, blocking until it has ended.
  expected<int> reap() {
    reaped_ = true;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR)
        return os_error("waitpid");
    }
    return status;
  }

  /// Whether the child has ended, without reaping it (for when no pidfd is available).
  bool has_exited() const {
    siginfo_t info{};
    if (::waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
      return errno == ECHILD; // already reaped by someone else: gone either way
    return info.si_pid == pid_;
  }

private:
  pid_t pid_;
  bool reaped_ = false;
};

/// A descriptor that becomes readable when `pid` exits, or -1 where the kernel has none (then
/// exit is polled for). By system call: glibc 2.36's <sys/pidfd.h> lacks C linkage for C++.
int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

int poll_timeout_ms(std::optional<clock::time_point> wake, clock::time_point now) {
  if (!wake)
    return -1;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(*wake - now).count();
  return static_cast<int>(std::clamp<std::int64_t>(left, 0, INT_MAX));
}

/// Reads what is available from `fd` into `sink`; closes `fd` at end of file or on an error.
template <class Sink> void read_some(unique_fd& fd, std::vector<char>& buffer, Sink&& sink) {
  const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
  if (n > 0)
    sink(buffer.data(), static_cast<std::size_t>(n));
  else if (n == 0 || (errno != EAGAIN && errno != EINTR))
    fd.reset();
}

} // namespace

expected<subprocess_result> run_subprocess(const subprocess_spec& spec) {
  if (spec.argv.empty() || spec.argv.front().empty())
    return error(errc::invalid_input, "no program to run");
  auto in = make_pipe();
  if (!in)
    return in.error();
  auto out = make_pipe();
  if (!out)
    return out.error();
  auto err = make_pipe();
  if (!err)
    return err.error();

  spawn_actions actions;
  spawn_attributes attributes;
  if (auto ok = prepare_spawn(actions, attributes, spec, in->read.get(), out->write.get(),
                              err->write.get());
      !ok)
    return ok.error();
  const auto argv = c_strings(spec.argv);
  const auto envp = c_strings(spec.env);
  pid_t pid = 0;
  if (const int rc =
          ::posix_spawnp(&pid, argv[0], actions.get(), attributes.get(), argv.data(), envp.data());
      rc != 0)
    return error(rc == ENOENT ? errc::not_found : errc::io,
                 "cannot start '" + spec.argv.front() + "': " + errno_text(rc));
  child_process child(pid);

  // The child holds its own copies now; ours would keep the pipes from reaching end of file.
  in->read.reset();
  out->write.reset();
  err->write.reset();
  unique_fd in_fd = std::move(in->write);
  unique_fd out_fd = std::move(out->read);
  unique_fd err_fd = std::move(err->read);
  unique_fd exit_fd(open_pidfd(pid));
  for (const unique_fd* fd : {&in_fd, &out_fd, &err_fd})
    if (auto ok = set_nonblocking(fd->get()); !ok)
      return ok.error();
  if (spec.input.empty())
    in_fd.reset();

  sigpipe_guard no_sigpipe;
  subprocess_result result;
  std::vector<char> buffer(read_chunk);
  std::size_t written = 0;
  bool exited = false;
  bool stopped = false; // timed out or overflowed: the group is killed without draining
  std::optional<clock::time_point> drain_until;

  while (!stopped) {
    if (exited && !out_fd && !err_fd)
      break;
    const auto now = clock::now();
    if (exited && now >= *drain_until)
      break;
    if (!exited && spec.deadline && now >= *spec.deadline) {
      result.end = subprocess_end::timed_out;
      break;
    }

    int timeout = poll_timeout_ms(exited ? drain_until : spec.deadline, now);
    if (!exited && !exit_fd)
      timeout = timeout < 0 ? exit_check_interval_ms : std::min(timeout, exit_check_interval_ms);
    pollfd fds[4];
    nfds_t count = 0;
    auto watch = [&](const unique_fd& fd, short events) {
      if (!fd)
        return -1;
      fds[count] = pollfd{fd.get(), events, 0};
      return static_cast<int>(count++);
    };
    const int in_slot = watch(in_fd, POLLOUT);
    const int out_slot = watch(out_fd, POLLIN);
    const int err_slot = watch(err_fd, POLLIN);
    const int exit_slot = exited ? -1 : watch(exit_fd, POLLIN);
    if (::poll(fds, count, timeout) < 0) {
      if (errno == EINTR)
        continue;
      return os_error("poll");
    }
    auto ready = [&](int slot) { return slot >= 0 && fds[slot].revents != 0; };

    if (ready(in_slot)) {
      const ssize_t n =
          ::write(in_fd.get(), spec.input.data() + written, spec.input.size() - written);
      if (n > 0)
        written += static_cast<std::size_t>(n);
      if (written == spec.input.size() || (n < 0 && errno != EAGAIN && errno != EINTR))
        in_fd.reset(); // all written, or the child closed its stdin (EPIPE): either way, done
    }
    if (ready(out_slot)) {
      read_some(out_fd, buffer, [&](const char* data, std::size_t n) {
        result.output.append(data, n);
        if (result.output.size() > spec.max_output) {
          result.output.resize(spec.max_output);
          result.end = subprocess_end::output_overflow;
          stopped = true;
        }
      });
    }
    if (ready(err_slot)) {
      read_some(err_fd, buffer, [&](const char* data, std::size_t n) {
        result.error_tail.append(data, n);
        if (result.error_tail.size() > 2 * spec.error_tail) {
          result.error_tail.erase(0, result.error_tail.size() - spec.error_tail);
          result.error_truncated = true;
        }
      });
    }
    if (!exited && (ready(exit_slot) || (!exit_fd && child.has_exited()))) {
      // The program is done: whatever it left running in its group goes with it.
      exited = true;
      child.kill_group();
      drain_until = clock::now() + drain_grace;
    }
  }

  if (!exited)
    child.kill_group();
  auto status = child.reap();
  if (!status)
    return status.error();
  if (result.error_tail.size() > spec.error_tail) {
    result.error_tail.erase(0, result.error_tail.size() - spec.error_tail);
    result.error_truncated = true;
  }
  if (result.end == subprocess_end::exited) {
    if (WIFSIGNALED(*status)) {
      result.end = subprocess_end::signaled;
      result.signal = WTERMSIG(*status);
    } else {
      result.exit_code = WEXITSTATUS(*status);
    }
  }
  return result;
}

} // namespace boa::runtime::detail
