// Runs the crash scenario on a durable broker in `argv[1]`, then kills itself with SIGKILL, as
// `kill -9` would: nothing is closed, flushed or settled.
#include "actors/bus/durable_queues.hpp"
#include "crash_scenario.hpp"

#include <csignal>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s JOURNAL_DIR\n", argv[0]);
    return 2;
  }
  auto hook = boa::bus::durable_queues::open(argv[1]);
  if (!hook) {
    std::fprintf(stderr, "%s\n", hook.error().message.c_str());
    return 1;
  }
  boa::bus::broker_core broker{std::move(*hook)};
  if (!boa::test::crash_scenario{}.run(broker)) {
    std::fprintf(stderr, "the broker refused a publish or a settlement\n");
    return 1;
  }
  std::raise(SIGKILL);
  return 3; // not reached
}
