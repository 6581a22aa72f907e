#include "test/amqp/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace boa::amqp::test {

child_process::child_process(const std::vector<std::string>& argv) {
  int out[2];
  int in[2];
  if (::pipe(out) != 0)
    return;
  if (::pipe(in) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  for (int fd : {out[0], out[1], in[0], in[1]})
    posix_spawn_file_actions_addclose(&actions, fd);
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  if (::posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0)
    pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(in[0]);
  output_ = out[0];
  input_ = in[1];
}

child_process::~child_process() {
  if (pid_ > 0) {
    if (!status_) {
      ::kill(pid_, SIGKILL); // a stopped process dies of SIGKILL too
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  if (output_ >= 0)
    ::close(output_);
  if (input_ >= 0)
    ::close(input_);
}

std::optional<std::string> child_process::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto nl = buffered_.find('\n'); nl != std::string::npos) {
      auto line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (output_ < 0 || left.count() <= 0)
      return std::nullopt;
    pollfd p{output_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      continue;
    char chunk[256];
    auto n = ::read(output_, chunk, sizeof chunk);
    if (n <= 0)
      return std::nullopt;
    buffered_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::optional<int> child_process::exit_status(std::chrono::milliseconds timeout) {
  if (status_ || pid_ <= 0)
    return status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return std::nullopt;
}

void child_process::pause() {
  if (pid_ > 0 && !status_)
    ::kill(pid_, SIGSTOP);
}

void child_process::resume() {
  if (pid_ > 0 && !status_)
    ::kill(pid_, SIGCONT);
}

} // namespace boa::amqp::test
