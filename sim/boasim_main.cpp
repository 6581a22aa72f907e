// boasim: runs the real actors of several nodes under one seed and checks that no job is lost.
#include "sim/recorded_run_check.hpp"
#include "sim/shrink.hpp"
#include "sim/simulation.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace {

void report(const boa::sim::simulation_options& o, const boa::sim::simulation_result& r) {
  fmt::print("options: {}\n", boa::sim::describe(o));
  for (const auto& f : o.faults.faults)
    fmt::print("fault: {}\n", boa::sim::describe(f));
  fmt::print("jobs: {} started, {} finished, {} failed, {} duplicate ends\n", r.jobs_started,
             r.jobs_finished, r.jobs_failed, r.duplicate_ends);
  fmt::print("workload: {} canceled, {} timed out, {} sub-jobs, {} commands\n", r.jobs_canceled,
             r.jobs_timed_out, r.sub_jobs, r.commands);
  fmt::print("steps: {} attempts, {} failed ({} timed out); redeliveries: {}\n", r.step_attempts,
             r.step_failures, r.step_timeouts, r.redeliveries);
  fmt::print("faults: {} injected, {} skipped, {} restarts; last healed at {} ms\n",
             r.faults_injected, r.faults_skipped, r.restarts, r.healed_ms);
  const auto& l = r.links;
  fmt::print("links: {} held, {} sessions lost, {} reconnects, {} deliveries dropped, {} "
             "settlements dropped, {} publishes failed, {} accepts lost, {} deliveries delayed\n",
             l.held, l.sessions_lost, l.reconnects, l.dropped_deliveries, l.dropped_settlements,
             l.failed_publishes, l.duplicated, l.delayed);
  if (l.lost_in_flight > 0)
    fmt::print("links: {} publishes lost in flight by crashes\n", l.lost_in_flight);
  fmt::print("scheduler: {} messages, {} timers; virtual {} ms, wall {:.1f} ms ({:.0f}x real "
             "time)\n",
             r.messages, r.timers, r.virtual_ms, r.wall_ms,
             r.wall_ms > 0 ? static_cast<double>(r.virtual_ms) / r.wall_ms : 0.0);
  fmt::print("cluster: {} view changes reported, final views {}\n", r.cluster_reports,
             r.cluster_settled ? "checked" : "not due");
  fmt::print("trace: {} events, hash {:016x}\n", r.trace_events, r.trace_hash);
  for (const auto& d : r.diverged)
    fmt::print("diverged copy: {}\n", d);
  for (const auto& v : r.violations)
    fmt::print("violation: {}\n", v);
  fmt::print("{}\n", r.passed() ? "PASS" : "FAIL");
}

/// `boasim check`: the simulator's checkers on what a soak of real nodes recorded.
int check_record(const std::string& started_file, const std::string& archive_file,
                 const boa::sim::recorded_run_options& options) {
  std::ifstream started{started_file};
  if (!started) {
    fmt::print(stderr, "boasim check: --started: cannot read {}\n", started_file);
    return 2;
  }
  std::ifstream archive{archive_file};
  if (!archive) {
    fmt::print(stderr, "boasim check: --archive: cannot read {}\n", archive_file);
    return 2;
  }
  auto r = boa::sim::check_recorded_run(started, archive, options);
  if (!r) {
    fmt::print(stderr, "boasim check: --started {}: {}\n", started_file, r.error().message);
    return 2;
  }
  fmt::print("jobs: {} started, {} sub-jobs; ends: {} finished, {} failed ({} timed out), {} "
             "canceled, {} not ended; {} archived copies, {} duplicates\n",
             r->started, r->sub_jobs, r->finished, r->failed, r->timed_out, r->canceled, r->unended,
             r->copies, r->duplicates);
  for (const auto& d : r->diverged)
    fmt::print("diverged copy: {}\n", d);
  for (const auto& v : r->violations)
    fmt::print("violation: {}\n", v);
  fmt::print("{}\n", r->passed() ? "PASS" : "FAIL");
  return r->passed() ? 0 : 1;
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

/// What the command line fixes of every run; the rest comes from each run's seed.
struct run_flags {
  std::optional<std::size_t> nodes;
  std::optional<std::size_t> jobs;
  std::string faults = "mixed";
  std::optional<std::int64_t> virtual_time_ms;
  std::optional<std::vector<std::size_t>> keep_faults;
  std::string planted_bug;
  bool strict_copies = false;

  boa::sim::simulation_options options(std::uint64_t seed) const {
    bool known = true;
    auto o = boa::sim::options_from_seed(
        seed, nodes, jobs, boa::sim::parse_fault_profile(faults, known), virtual_time_ms);
    o.planted_early_accept = planted_bug == "early-accept";
    o.planted_early_confirm = planted_bug == "early-confirm";
    o.strict_copies = strict_copies;
    return o;
  }

  /// The command that replays `o` (seed `seed`), keeping `kept` of the seed's faults if given.
  std::string replay(std::uint64_t seed, const boa::sim::simulation_options& o,
                     const std::optional<std::vector<std::size_t>>& kept) const {
    auto command = fmt::format("boasim --seed {}", seed);
    if (nodes)
      command += fmt::format(" --nodes {}", *nodes);
    if (jobs || o.jobs != options(seed).jobs)
      command += fmt::format(" --jobs {}", o.jobs);
    const bool no_faults = kept && kept->empty();
    if (no_faults)
      command += " --faults none";
    else if (faults != "mixed")
      command += " --faults " + faults;
    if (virtual_time_ms)
      command += fmt::format(" --virtual-time {}", *virtual_time_ms);
    if (kept && !no_faults)
      command += fmt::format(" --keep-faults {}", fmt::join(*kept, ","));
    if (!planted_bug.empty())
      command += " --planted-bug " + planted_bug;
    if (strict_copies)
      command += " --strict-copies";
    return command;
  }
};

int main(int argc, char** argv) {
  CLI::App app{"boasim: the deterministic simulator of a boa cluster"};
  std::uint64_t seed = 1;
  std::string seeds;
  run_flags flags;
  std::string trace_file;
  bool shrink = false;
  std::vector<std::size_t> keep_faults;
  app.add_option("--seed", seed, "the run's seed: every choice the run makes derives from it");
  app.add_option("--seeds", seeds, "run seeds A..B and list the failing ones")->excludes("--seed");
  app.add_option("--nodes", flags.nodes, "nodes to simulate (default: from the seed)")
      ->check(CLI::Range(1, 64));
  app.add_option("--jobs", flags.jobs, "jobs to run (default: from the seed)")
      ->check(CLI::Range(0, 100000));
  app.add_option(
         "--faults", flags.faults,
         "the faults to inject: none, crash (nodes die, some come back), network (hangs, "
         "partitions, duplicate deliveries, delays), broker (broker restarts), chaos (all), "
         "mixed (each seed picks one; the default)")
      ->check(CLI::IsMember({"none", "crash", "network", "broker", "chaos", "mixed"}));
  app.add_option("--virtual-time", flags.virtual_time_ms,
                 "virtual milliseconds the faults fall in (default: about as long as the seed's "
                 "jobs take)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{24} * 3600 * 1000));
  app.add_option("--keep-faults", keep_faults,
                 "keep only these faults of the seed's plan, by their order in it from 0 (as "
                 "--shrink prints)")
      ->delimiter(',')
      ->excludes("--seeds");
  app.add_flag("--shrink", shrink,
               "if the run fails, drop faults and jobs while it still fails and print the "
               "smallest run found, with the command that replays it")
      ->excludes("--seeds");
  app.add_option("--trace", trace_file, "write the run's trace here, one event a line")
      ->excludes("--seeds");
  app.add_option("--planted-bug", flags.planted_bug,
                 "run a deliberately broken node, to see the checkers catch it: early-accept "
                 "(deliveries accepted before the step's next state is published), "
                 "early-confirm (publishes confirmed before the broker has them: only a crash "
                 "shows it)")
      ->check(CLI::IsMember({"early-accept", "early-confirm"}));
  app.add_flag("--strict-copies", flags.strict_copies,
               "fail runs where copies of a job (made by a redelivery around a fault) contradict "
               "its first end: ended another way, or ran a step after it ended");
  auto* check = app.add_subcommand(
      "check", "check a record of real nodes (a soak): every started job ended exactly one way, "
               "with a sound history; prints one line per violation and exits 1 on any");
  std::string started_file;
  std::string archive_file;
  boa::sim::recorded_run_options check_options;
  check
      ->add_option("--started", started_file,
                   "the started jobs, one a line: its id, then 'cancelable', 'timeout', "
                   "'shape=linear|fork-join|routing|map-reduce' and 'items=N' when they apply")
      ->required();
  check
      ->add_option("--archive", archive_file,
                   "every archived message received, one job's JSON a line")
      ->required();
  check->add_flag("--strict-copies", check_options.strict_copies,
                  "count copies of a job that ended different ways as violations");
  check
      ->add_option("--skew-ms", check_options.skew_ms,
                   "how far apart the clocks of the nodes may be (default 0: one host)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3600} * 1000));
  CLI11_PARSE(app, argc, argv);
  if (*check)
    return check_record(started_file, archive_file, check_options);
  spdlog::set_level(spdlog::level::warn);
  if (!app.get_option("--keep-faults")->empty())
    flags.keep_faults = keep_faults;

  if (seeds.empty()) {
    auto options = flags.options(seed);
    if (flags.keep_faults && !boa::sim::keep_faults(options, *flags.keep_faults)) {
      fmt::print(stderr, "boasim: --keep-faults: the seed's plan has {} faults (0 to {})\n",
                 options.faults.faults.size(),
                 static_cast<std::int64_t>(options.faults.faults.size()) - 1);
      return 2;
    }
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
    if (result.passed() || !shrink)
      return result.passed() ? 0 : 1;
    fmt::print("\nshrinking...\n");
    auto smallest = boa::sim::shrink(options);
    std::optional<std::vector<std::size_t>> kept = smallest.kept_faults;
    if (flags.keep_faults) { // indices of the kept list, back to the seed's plan
      for (auto& k : *kept)
        k = (*flags.keep_faults)[k];
    }
    fmt::print("smallest failing run ({} runs tried):\n", smallest.runs);
    report(smallest.options, smallest.result);
    fmt::print("replay: {}\n", flags.replay(seed, smallest.options, kept));
    return 1;
  }
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (!parse_range(seeds, first, last)) {
    fmt::print(stderr, "boasim: --seeds: expected A..B with A <= B, got '{}'\n", seeds);
    return 2;
  }
  std::uint64_t failed = 0;
  for (auto s = first; s <= last; ++s) {
    auto options = flags.options(s);
    auto result = boa::sim::run_simulation(options);
    if (!result.passed()) {
      ++failed;
      fmt::print("FAIL seed {}: {}\n  replay: {}\n", s, result.violations.front(),
                 flags.replay(s, options, std::nullopt));
    }
  }
  fmt::print("{} of {} seeds failed\n{}\n", failed, last - first + 1,
             failed == 0 ? "PASS" : "FAIL");
  return failed == 0 ? 0 : 1;
}
