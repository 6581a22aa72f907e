// Simulated speed: how much virtual time boasim covers per wall second, and how many seeds of a
// fixed scenario it checks per minute, beside a reference measured in the same run (bare CAF
// messages through the same test coordinator, one thread) so that the ratios hold on a noisy
// machine.
#include "sim/simulation.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

using ping_atom = caf::atom_constant<caf::atom("ping")>;

/// Messages per wall second two bare actors exchange under the test coordinator, run the way the
/// simulator runs actors: one thread, one message at a time.
double coordinator_messages_per_s(std::uint64_t messages) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  caf::actor_system system{cfg};
  auto& coordinator = dynamic_cast<caf::scheduler::test_coordinator&>(system.scheduler());
  auto echo = [](caf::event_based_actor* self) -> caf::behavior {
    return {[self](ping_atom, std::uint64_t n, const caf::actor& peer) {
      if (n > 0)
        self->send(peer, ping_atom::value, n - 1, caf::actor_cast<caf::actor>(self));
    }};
  };
  auto a = system.spawn(echo);
  auto b = system.spawn(echo);
  caf::anon_send(a, ping_atom::value, messages, b);
  auto start = clock_type::now();
  std::uint64_t ran = 0;
  for (; coordinator.has_job(); ++ran)
    coordinator.run_once();
  return static_cast<double>(ran) / seconds_since(start);
}

struct figures {
  double virtual_s = 0;
  double wall_s = 0;
  std::uint64_t messages = 0;
  std::size_t failed = 0;
};

figures run_seeds(std::uint64_t first, std::uint64_t count, std::size_t nodes, std::size_t jobs,
                  std::optional<std::int64_t> virtual_time_ms) {
  figures f;
  auto start = clock_type::now();
  for (auto seed = first; seed < first + count; ++seed) {
    auto options = boa::sim::options_from_seed(seed, nodes, jobs, std::nullopt, virtual_time_ms);
    auto r = boa::sim::run_simulation(options);
    f.virtual_s += static_cast<double>(r.virtual_ms) / 1000;
    f.messages += r.messages;
    f.failed += r.passed() ? 0 : 1;
  }
  f.wall_s = seconds_since(start);
  return f;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"sim_bench: simulated time per wall time, and seeds per minute"};
  std::uint64_t seeds = 20;
  std::uint64_t scenario_seeds = 200;
  app.add_option("--seeds", seeds, "seeds of the 10-node, 200-job runs");
  app.add_option("--scenario-seeds", scenario_seeds,
                 "seeds of the 10-node, 100-job, 60-virtual-second scenario");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::err);

  auto reference = coordinator_messages_per_s(2'000'000);
  fmt::print("reference: bare CAF messages under the test coordinator: {:.0f} msg/s\n", reference);

  auto big = run_seeds(1, seeds, 10, 200, std::nullopt);
  auto big_rate = static_cast<double>(big.messages) / big.wall_s;
  fmt::print("10 nodes x 200 jobs, {} seeds (mixed faults): {:.1f} virtual s in {:.2f} wall s = "
             "{:.0f}x real time; {:.0f} msg/s, ratio to the reference {:.2f}; {} failed\n",
             seeds, big.virtual_s, big.wall_s, big.virtual_s / big.wall_s, big_rate,
             big_rate / reference, big.failed);

  auto scenario = run_seeds(1, scenario_seeds, 10, 100, 60'000);
  auto scenario_rate = static_cast<double>(scenario.messages) / scenario.wall_s;
  fmt::print("10 nodes x 100 jobs, faults over 60 virtual s, {} seeds: {:.0f} seeds/min, {:.0f}x "
             "real time; {:.0f} msg/s, ratio to the reference {:.2f}; {} failed\n",
             scenario_seeds, static_cast<double>(scenario_seeds) * 60 / scenario.wall_s,
             scenario.virtual_s / scenario.wall_s, scenario_rate, scenario_rate / reference,
             scenario.failed);
  fmt::print("goal: >= 100x real time and >= 1000 seeds/min of the scenario\n");
  return 0;
}
