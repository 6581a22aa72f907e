// boasim: runs the real actors of several nodes under one seed and checks that no job is lost.
#include "sim/simulation.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

namespace {

void report(const boa::sim::simulation_options& o, const boa::sim::simulation_result& r) {
  fmt::print("options: {}\n", boa::sim::describe(o));
  fmt::print("jobs: {} started, {} finished, {} failed, {} duplicate ends\n", r.jobs_started,
             r.jobs_finished, r.jobs_failed, r.duplicate_ends);
  fmt::print("steps: {} attempts, {} failed; redeliveries: {}; crash: {}\n", r.step_attempts,
             r.step_failures, r.redeliveries, r.crashed ? "injected" : "none");
  fmt::print("scheduler: {} messages, {} timers; virtual {} ms, wall {:.1f} ms\n", r.messages,
             r.timers, r.virtual_ms, r.wall_ms);
  fmt::print("cluster: {} view changes reported, final views {}\n", r.cluster_reports,
             r.cluster_settled ? "checked" : "not due");
  fmt::print("trace: {} events, hash {:016x}\n", r.trace_events, r.trace_hash);
  for (const auto& v : r.violations)
    fmt::print("violation: {}\n", v);
  fmt::print("{}\n", r.passed() ? "PASS" : "FAIL");
}

/// "A..B" (inclusive) or "A".
bool parse_range(const std::string& text, std::uint64_t& first, std::uint64_t& last) {
  try {
    auto dots = text.find("..");
    first = std::stoull(text.substr(0, dots));
    last = dots == std::string::npos ? first : std::stoull(text.substr(dots + 2));
    return first <= last;
  } catch (const std::exception&) {
    return false;
  }
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"boasim: the deterministic simulator of a boa cluster"};
  std::uint64_t seed = 1;
  std::string seeds;
  std::optional<std::size_t> nodes;
  std::optional<std::size_t> jobs;
  std::string trace_file;
  std::string planted_bug;
  app.add_option("--seed", seed, "the run's seed: every choice the run makes derives from it");
  app.add_option("--seeds", seeds, "run seeds A..B and list the failing ones")->excludes("--seed");
  app.add_option("--nodes", nodes, "nodes to simulate (default: from the seed)")
      ->check(CLI::Range(1, 64));
  app.add_option("--jobs", jobs, "jobs to run (default: from the seed)")
      ->check(CLI::Range(0, 100000));
  app.add_option("--trace", trace_file, "write the run's trace here, one event a line")
      ->excludes("--seeds");
  app.add_option("--planted-bug", planted_bug,
                 "run a deliberately broken node, to see the checkers catch it: early-accept "
                 "(deliveries accepted before the step's next state is published)")
      ->check(CLI::IsMember({"early-accept"}));
  CLI11_PARSE(app, argc, argv);
  const bool early_accept = planted_bug == "early-accept";
  spdlog::set_level(spdlog::level::warn);

  if (seeds.empty()) {
    auto options = boa::sim::options_from_seed(seed, nodes, jobs);
    options.planted_early_accept = early_accept;
    std::ofstream trace_text;
    if (!trace_file.empty()) {
      trace_text.open(trace_file);
      if (!trace_text) {
        fmt::print(stderr, "boasim: --trace: cannot write {}\n", trace_file);
        return 2;
      }
      options.trace_text = &trace_text;
    }
    auto result = boa::sim::run_simulation(options);
    report(options, result);
    return result.passed() ? 0 : 1;
  }
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (!parse_range(seeds, first, last)) {
    fmt::print(stderr, "boasim: --seeds: expected A..B with A <= B, got '{}'\n", seeds);
    return 2;
  }
  std::uint64_t failed = 0;
  for (auto s = first; s <= last; ++s) {
    auto options = boa::sim::options_from_seed(s, nodes, jobs);
    options.planted_early_accept = early_accept;
    auto result = boa::sim::run_simulation(options);
    if (!result.passed()) {
      ++failed;
      fmt::print("FAIL seed {}: {}\n  replay: boasim --seed {}{}{}{}\n", s,
                 result.violations.front(), s, nodes ? fmt::format(" --nodes {}", *nodes) : "",
                 jobs ? fmt::format(" --jobs {}", *jobs) : "",
                 early_accept ? " --planted-bug early-accept" : "");
    }
  }
  fmt::print("{} of {} seeds failed\n{}\n", failed, last - first + 1,
             failed == 0 ? "PASS" : "FAIL");
  return failed == 0 ? 0 : 1;
}
