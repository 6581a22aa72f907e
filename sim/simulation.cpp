#include "sim/simulation.hpp"

#include "sim/cluster_view_checker.hpp"
#include "sim/fault_injector.hpp"
#include "sim/final_data_checker.hpp"
#include "sim/history_checker.hpp"
#include "sim/lifecycle_checker.hpp"
#include "sim/run_observer.hpp"
#include "sim/safety_checker.hpp"
#include "sim/seed.hpp"
#include "sim/seeded_scheduler.hpp"
#include "sim/simulated_cluster.hpp"
#include "sim/simulated_executor.hpp"
#include "sim/trace.hpp"
#include "sim/virtual_clock.hpp"
#include "sim/workload.hpp"
#include "sim/workload_feed.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <memory>

namespace boa::sim {

simulation_options options_from_seed(std::uint64_t seed, std::optional<std::size_t> nodes,
                                     std::optional<std::size_t> jobs,
                                     std::optional<fault_profile> profile,
                                     std::optional<std::int64_t> virtual_time_ms) {
  simulation_options o;
  o.seed = seed;
  o.nodes = nodes ? *nodes : 1 + derive(seed, "nodes") % 5;
  const std::size_t seed_jobs = 5 + derive(seed, "jobs") % 26;
  o.jobs = jobs ? *jobs : seed_jobs;
  o.workers = 1 + derive(seed, "workers") % 3;
  o.failure_percent = static_cast<unsigned>(derive(seed, "failures") % 31);
  o.max_step_ms = 10 + static_cast<std::int64_t>(derive(seed, "step-ms") % 491);
  // Faults fall while the work is under way: within about the time the seed's own jobs would
  // take without any (some six attempts a job, shared by every worker of the cluster). Not the
  // time of `jobs`, so that fewer jobs (as when a run is shrunk) keep the same faults.
  auto workers = static_cast<std::int64_t>(o.nodes * o.workers);
  auto busy_ms = static_cast<std::int64_t>(seed_jobs) * 6 * o.max_step_ms / 2 / workers;
  o.virtual_time_ms = virtual_time_ms ? *virtual_time_ms : 1000 + busy_ms;
  o.faults = plan_faults(seed, profile ? *profile : profile_from_seed(seed, o.nodes), o.nodes,
                         o.virtual_time_ms);
  o.heartbeat_interval_ms = 200 + static_cast<std::int64_t>(derive(seed, "heartbeat") % 801);
  for (std::size_t i = 0; i < o.nodes; ++i)
    o.clock_skews.push_back(skew_from_seed(seed, "node-" + std::to_string(i + 1)));
  return o;
}

std::string describe(const simulation_options& o) {
  std::string cluster;
  if (o.heartbeat_interval_ms > 0)
    cluster = fmt::format(" heartbeat={}ms", o.heartbeat_interval_ms);
  for (std::size_t i = 0; i < o.clock_skews.size(); ++i)
    cluster +=
        fmt::format("{}node-{}:{}", i == 0 ? " skews=" : ",", i + 1, to_string(o.clock_skews[i]));
  return fmt::format(
      "seed={} nodes={} jobs={} workers={} step-failures={}% step-ms<={} virtual-time={} ms "
      "faults={} ({}){}{}",
      o.seed, o.nodes, o.jobs, o.workers, o.failure_percent, o.max_step_ms, o.virtual_time_ms,
      to_string(o.faults.profile), o.faults.faults.size(), cluster,
      o.planted_early_accept    ? " planted-bug=early-accept"
      : o.planted_early_confirm ? " planted-bug=early-confirm"
                                : "");
}

namespace {

/// How far apart two nodes' clocks may be by `until_ms` of virtual time: timestamps written on
/// different nodes compare only within that.
std::int64_t largest_skew_ms(const simulation_options& o, std::int64_t until_ms) {
  std::int64_t lowest = 0;
  std::int64_t highest = 0;
  for (const auto& s : o.clock_skews) {
    auto drift = s.drift_ppm * until_ms / 1'000'000;
    lowest = std::min({lowest, s.offset_ms - std::abs(drift)});
    highest = std::max({highest, s.offset_ms + std::abs(drift)});
  }
  return highest - lowest;
}

std::optional<std::int64_t> earliest(std::optional<std::int64_t> a, std::optional<std::int64_t> b) {
  if (a && b)
    return std::min(*a, *b);
  return a ? a : b;
}

/// A silent node is forgotten this many heartbeat intervals after its last beat, judged every
/// `eviction_period_intervals`.
constexpr std::int64_t eviction_age_intervals = 12;
constexpr std::int64_t eviction_period_intervals = 2;

/// Runs actors until none is ready and no timer is pending. After `node::stop` this ends: every
/// actor has an exit message, and exiting actors start no new timers.
void settle_down(seeded_scheduler& loop, safety_checker& checker) {
  do
    checker.settle();
  while (loop.step() != seeded_scheduler::outcome::idle);
}

/// How every node of the run beats and judges the others: thresholds tight enough that a crash is
/// seen and forgotten within seconds of virtual time, so the run need not go on for long.
cluster_timing timing_of(const simulation_options& o) {
  cluster_timing t;
  t.interval_ms = o.heartbeat_interval_ms;
  t.suspect_after = 3;
  t.down_after = 6;
  t.eviction_bound_ms = eviction_age_intervals * o.heartbeat_interval_ms +
                        eviction_period_intervals * o.heartbeat_interval_ms;
  return t;
}

/// Heartbeats, the aggregator and its thresholds for a simulated node; its reports go to `views`
/// and to the trace.
void follow_the_cluster(runtime::node_options& options, const simulation_options& o,
                        std::size_t index, cluster_view_checker& views, trace& events,
                        const virtual_clock& truth) {
  const auto timing = timing_of(o);
  options.heartbeat_interval = std::chrono::milliseconds(o.heartbeat_interval_ms);
  options.host_facts = [host = "sim-host-" + std::to_string(index + 1),
                        pid = static_cast<std::int64_t>(1000 + index)] {
    return actors::host_facts{host, pid, {0.5, 0.5, 0.5}, std::int64_t{64} << 20};
  };
  options.cluster_aware = o.recall_interrupted_attempts;
  options.cluster.suspect_after = timing.suspect_after;
  options.cluster.down_after = timing.down_after;
  options.cluster.eviction_age_ms = eviction_age_intervals * o.heartbeat_interval_ms;
  options.cluster_eviction_interval =
      std::chrono::milliseconds(eviction_period_intervals * o.heartbeat_interval_ms);
  options.on_cluster_change = [&views, &events, &truth,
                               observer = options.node_id](const actors::node_change& change) {
    views.reported(observer, change, truth.elapsed_ms());
    events.record({"cluster", observer, actors::to_string(change.what), change.node.last.node});
  };
}

} // namespace

simulation_result run_simulation(const simulation_options& o) {
  const auto wall_start = std::chrono::steady_clock::now();
  simulation_result r;

  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  caf::actor_system system{cfg};
  // Actors the run leaves behind (a crashed node's) must not make shutdown wait for a thread that
  // does not exist: this thread is the scheduler.
  system.await_actors_before_shutdown(false);
  auto& coordinator = dynamic_cast<caf::scheduler::test_coordinator&>(system.scheduler());
  virtual_clock clock{coordinator};

  trace events{o.trace_text};
  auto core = std::make_shared<bus::broker_core>([&clock] { return clock.elapsed_ms(); });
  safety_checker checker{core};
  // The checkers watch every attempt and every published job state as it happens.
  run_observer observed;
  events.listen([&](std::initializer_list<std::string_view> fields) {
    observed.traced(clock.elapsed_ms(), fields);
  });

  // One executor per node incarnation (all draw alike), so that an attempt is known by its node:
  // a crashed node's actors may still run a step before they stop, and that attempt is lost with
  // it.
  std::vector<std::shared_ptr<simulated_executor>> executors;
  auto executor_for = [&](node_link& link) -> actors::step_executor_ptr {
    auto executor =
        std::make_shared<simulated_executor>(derive(o.seed, "steps"), o.failure_percent);
    executor->set_max_step_ms(o.max_step_ms);
    executor->on_attempt([&observed, &clock, link = &link](const protocol::step_request& request,
                                                           const protocol::step_outcome& outcome) {
      if (!link->cut_off())
        observed.attempt(clock.elapsed_ms(), request.job_id, request.step_id, request.attempt,
                         outcome.ok);
    });
    executors.push_back(executor);
    return executor;
  };
  // Heartbeats and every node's aggregator, judged by the cluster-view checker; each node on a
  // clock of its own.
  const bool cluster_checking = o.heartbeat_interval_ms > 0;
  cluster_view_checker views{timing_of(o)};
  std::vector<std::unique_ptr<skewed_clock>> clocks;
  for (std::size_t i = 0; i < o.nodes; ++i)
    clocks.push_back(std::make_unique<skewed_clock>(
        clock, i < o.clock_skews.size() ? o.clock_skews[i] : clock_skew{}));
  simulated_cluster::settings settings{o.seed, o.workers, o.planted_early_accept,
                                       o.planted_early_confirm};
  settings.configure = [&](std::size_t i, runtime::node_options& options) {
    options.clock = clocks[i].get();
    if (cluster_checking)
      follow_the_cluster(options, o, i, views, events, clock);
  };
  settings.started = [&](std::size_t i, runtime::node& n) {
    if (!cluster_checking)
      return;
    views.started(simulated_cluster::name_of(i), clock.elapsed_ms());
    n.cluster_view(); // the aggregator, also when the runners do not consult it
  };
  simulated_cluster cluster{system, core, clock, executor_for, events, std::move(settings)};
  if (auto started = cluster.start(o.nodes); !started) {
    r.violations.push_back(started.error().message);
    return r;
  }

  auto plan = plan_workload(o.seed, o.jobs, virtual_clock::epoch_ms);
  for (const auto& job : plan.jobs) {
    checker.expect(job.id);
    if (job.timeout_ms)
      checker.allow_timeout(job.id);
  }
  for (const auto& e : plan.events)
    if (e.what == workload_event::kind::command &&
        e.action == protocol::job_command::action::cancel)
      checker.allow_cancel(e.job_id);
  workload_feed feed{plan.events, *core, events};

  fault_injector faults{
      o.seed, o.faults, {cluster, *core, checker, events, r, cluster_checking ? &views : nullptr}};
  seeded_scheduler loop{coordinator, derive(o.seed, "schedule")};
  const auto liveness_deadline = o.faults.heals_by_ms() + o.liveness_bound_ms;
  bool out_of_time = false;
  for (;;) {
    checker.settle();
    faults.apply_due(loop.now_ms(), loop.messages(), coordinator.has_job());
    // The workload: what is due goes out. Sub-jobs that map steps started must end too.
    feed.publish_due(loop.now_ms(), r.violations, !faults.broker_down());
    for (auto& id : observed.take_new_sub_jobs()) {
      checker.expect(id);
      ++r.sub_jobs;
    }
    // With heartbeats, timers never run out: the run ends once the views had time to settle.
    if (checker.all_ended() && !coordinator.has_job() && feed.done() &&
        (!cluster_checking || loop.now_ms() >= views.settled_after()))
      break;
    if (loop.now_ms() > std::min(o.max_virtual_ms, liveness_deadline) ||
        loop.messages() > o.max_messages) {
      out_of_time = true;
      break;
    }
    // When no actor is ready, time moves on to the next timer, fault or workload event.
    // The wake-up time matters only when no actor is ready.
    std::optional<std::int64_t> wake;
    if (!coordinator.has_job())
      wake = earliest(faults.next_ms(), faults.broker_down() ? std::nullopt : feed.next_ms());
    if (loop.step(wake) == seeded_scheduler::outcome::idle)
      break;
    cluster.flush_early_accepts();
  }
  r.virtual_ms = loop.now_ms();
  if (out_of_time && !checker.all_ended())
    r.violations.push_back(fmt::format(
        "liveness: {} of {} jobs had not ended {} ms after the last fault healed (at {} ms)",
        checker.unended(), checker.expected(), r.virtual_ms - o.faults.heals_by_ms(),
        o.faults.heals_by_ms()));
  // Judged before the nodes stop: their last beats say they leave, which is not a fault.
  std::vector<std::string> view_violations;
  if (cluster_checking) {
    faults.close_open_spans(r.virtual_ms);
    view_violations = views.violations(r.virtual_ms);
    r.cluster_reports = views.reports();
    r.cluster_settled = r.virtual_ms >= views.settled_after();
  }

  // Every actor must be gone before its node is: a stopped node's actors still read its context
  // while they exit.
  cluster.stop_all();
  settle_down(loop, checker);

  r.trace_hash = events.hash();
  r.trace_events = events.events();
  r.messages = loop.messages();
  r.timers = loop.timers();
  for (const auto& executor : executors) {
    r.step_attempts += executor->attempts();
    r.step_failures += executor->failures();
    r.step_timeouts += executor->timeouts();
  }
  r.jobs_finished = checker.count(protocol::job_state::finished);
  r.jobs_failed = checker.count(protocol::job_state::error);
  r.jobs_canceled = checker.count(protocol::job_state::canceled);
  r.jobs_timed_out = checker.timed_out();
  r.jobs_started = feed.started();
  r.commands = feed.commands();
  r.duplicate_ends = checker.duplicate_ends();
  r.redeliveries = cluster.redeliveries();
  r.links = cluster.counters();
  for (auto& v : checker.violations())
    r.violations.push_back(std::move(v));
  for (const auto& problem : observed.undecodable())
    r.violations.push_back("published job state does not decode: " + problem);
  r.diverged = checker.diverged();
  auto copied = jobs_with_copies(observed.states());
  copied.insert(observed.redelivered().begin(), observed.redelivered().end());
  for (auto& v : check_lifecycle(observed.attempts(), observed.states(), copied, &r.diverged))
    r.violations.push_back(std::move(v));
  if (o.strict_copies)
    r.violations.insert(r.violations.end(), r.diverged.begin(), r.diverged.end());
  const auto skew_ms = largest_skew_ms(o, r.virtual_ms);
  auto ran_on = [&cluster](const std::string& node, std::int64_t from_ms, std::int64_t to_ms) {
    auto index = simulated_cluster::index_of(node);
    return index && cluster.was_running(*index, from_ms - virtual_clock::epoch_ms,
                                        to_ms - virtual_clock::epoch_ms);
  };
  for (const auto& [id, job] : checker.archived()) {
    for (auto& v : check_history(job, skew_ms))
      r.violations.push_back(std::move(v));
    for (auto& v : check_attempt_nodes(job, ran_on, skew_ms))
      r.violations.push_back(std::move(v));
  }
  for (const auto& planned : plan.jobs)
    if (auto archived = checker.archived().find(planned.id); archived != checker.archived().end())
      for (auto& v : check_final_data(planned, archived->second))
        r.violations.push_back(std::move(v));
  for (auto& v : view_violations)
    r.violations.push_back(std::move(v));
  r.wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_start)
          .count();
  return r;
}

} // namespace boa::sim
