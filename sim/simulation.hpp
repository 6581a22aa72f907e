#pragma once

#include "sim/fault_plan.hpp"
#include "sim/node_link.hpp"
#include "sim/skewed_clock.hpp"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace boa::sim {

/// Everything a run does, derived from its seed (the command line may fix nodes and jobs).
struct simulation_options {
  std::uint64_t seed = 1;
  std::size_t nodes = 3;
  std::size_t jobs = 20;
  std::size_t workers = 2;       ///< step workers per node
  unsigned failure_percent = 10; ///< of step attempts
  /// Attempts take 1 to this many virtual ms (a few up to ten times more).
  std::int64_t max_step_ms = 100;
  /// The span of virtual time the faults fall in.
  std::int64_t virtual_time_ms = 10000;
  /// The faults the run injects, and when (sim/fault_plan.hpp).
  fault_plan faults;
  /// Once the last fault healed, every job must end within this much virtual time (liveness):
  /// the run stops then, and a job still running is reported.
  std::int64_t liveness_bound_ms = 120 * 1000;
  std::int64_t max_virtual_ms = 60 * 60 * 1000; ///< the run ends here whatever else happens
  std::uint64_t max_messages = 5'000'000;
  /// A planted bug, to prove the checkers can fail: every node accepts each delivery as soon as
  /// it arrives, before the step runs and the job's next state is published, so a crash in
  /// between loses the job. Off in every real run.
  bool planted_early_accept = false;
  /// A subtler planted bug, one only a crash exposes: every node's link confirms a publish as
  /// soon as it is sent, before the broker has it (a bridge confirming what it only buffered), so
  /// the node settles the state it consumed while its successor is still in flight.
  bool planted_early_confirm = false;
  /// Every node beats this often (virtual ms) and runs the cluster aggregator, whose reports the
  /// cluster-view checker judges; the run goes on until the views had time to settle. 0: no
  /// heartbeats, no aggregator, no check.
  std::int64_t heartbeat_interval_ms = 0;
  /// Let job runners consult the cluster view when a delivery comes back (`cluster_aware`): a
  /// step the view showed running on another node is recorded as interrupted and runs again as
  /// the next attempt. Off by default: under the simulated executor an attempt's outcome depends
  /// on its number, so the renumbered re-run can end a job differently from the copy the crashed
  /// node had already passed on (seed 193 ends one job both finished and failed). With it off,
  /// the aggregator still runs in every node.
  bool recall_interrupted_attempts = false;
  /// Each node's clock skew, by node index (a node without one reads the virtual time).
  std::vector<clock_skew> clock_skews;
  /// Count as violations the copies of a job that contradict its first end (they ended another
  /// way, or ran a step after it ended). Off: they are counted and listed apart
  /// (`simulation_result::diverged`). See docs/simulator.md, "Copies that diverge".
  bool strict_copies = false;
  /// Writes the trace as text here, one event a line (null: only its hash is kept).
  std::ostream* trace_text = nullptr;
};

/// The options of `seed`; `nodes`, `jobs`, `profile` and `virtual_time_ms` override what the
/// seed would choose.
simulation_options options_from_seed(std::uint64_t seed, std::optional<std::size_t> nodes = {},
                                     std::optional<std::size_t> jobs = {},
                                     std::optional<fault_profile> profile = {},
                                     std::optional<std::int64_t> virtual_time_ms = {});

/// Options as `key=value` pairs, one line, for the start of a run's report.
std::string describe(const simulation_options& options);

struct simulation_result {
  std::uint64_t trace_hash = 0;
  std::uint64_t trace_events = 0;
  std::uint64_t messages = 0; ///< actor messages the scheduler ran
  std::uint64_t timers = 0;   ///< timers it fired
  std::uint64_t step_attempts = 0;
  std::uint64_t step_failures = 0;
  std::uint64_t step_timeouts = 0;
  std::size_t jobs_started = 0;
  std::size_t jobs_finished = 0;
  std::size_t jobs_failed = 0;
  std::size_t jobs_canceled = 0;
  std::size_t jobs_timed_out = 0;  ///< ended in error by their timeout (counted in jobs_failed)
  std::size_t sub_jobs = 0;        ///< started by map steps (not in jobs_started)
  std::size_t commands = 0;        ///< cancel, suspend and resume commands the workload sent
  std::size_t duplicate_ends = 0;  ///< extra archived copies of an end (at-least-once)
  std::uint64_t redeliveries = 0;  ///< deliveries of messages delivered before
  std::size_t faults_injected = 0; ///< faults of the plan that began
  std::size_t faults_skipped = 0;  ///< that could not (a crash of a node already down)
  std::size_t restarts = 0;        ///< crashed nodes started again
  std::int64_t healed_ms = 0;      ///< virtual time when the last fault healed (0: none)
  link_counters links;             ///< what the faults did on the nodes' links
  std::int64_t virtual_ms = 0;
  std::size_t cluster_reports = 0; ///< status changes the nodes' aggregators reported
  bool cluster_settled = false;    ///< the run went on long enough to check the final views
  double wall_ms = 0;
  std::vector<std::string> violations;
  /// Copies of jobs that contradicted the first end (violations only with `strict_copies`).
  std::vector<std::string> diverged;
  bool passed() const { return violations.empty(); }
};

/// Runs `options.nodes` nodes' real actors over one broker core under CAF's test coordinator on
/// the calling thread, starts the workload, runs until every job ended and nothing is left to do
/// (or a limit is reached), and checks the safety invariant, the jobs' histories and final data,
/// that no step ran after its job ended, was canceled or while it was suspended, and (with
/// heartbeats, running until the views had time to settle) the cluster views.
simulation_result run_simulation(const simulation_options& options);

} // namespace boa::sim
