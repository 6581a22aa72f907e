#include "sim/simulation.hpp"

#include "runtime/node.hpp"
#include "sim/cluster_view_checker.hpp"
#include "sim/node_link.hpp"
#include "sim/safety_checker.hpp"
#include "sim/seed.hpp"
#include "sim/seeded_scheduler.hpp"
#include "sim/simulated_executor.hpp"
#include "sim/trace.hpp"
#include "sim/virtual_clock.hpp"
#include "sim/workload.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <fmt/core.h>

#include <chrono>
#include <memory>

namespace boa::sim {

simulation_options options_from_seed(std::uint64_t seed, std::optional<std::size_t> nodes,
                                     std::optional<std::size_t> jobs) {
  simulation_options o;
  o.seed = seed;
  o.nodes = nodes ? *nodes : 1 + derive(seed, "nodes") % 5;
  o.jobs = jobs ? *jobs : 5 + derive(seed, "jobs") % 26;
  o.workers = 1 + derive(seed, "workers") % 3;
  o.failure_percent = static_cast<unsigned>(derive(seed, "failures") % 31);
  // Half of the runs with two nodes or more lose one of them somewhere in their first hundreds of
  // messages (a job takes some 25 messages to end).
  if (o.nodes >= 2 && derive(seed, "crash") % 2 == 0) {
    o.crash_node = derive(seed, "crash-node") % o.nodes;
    o.crash_after_messages = 1 + derive(seed, "crash-after") % (25 * o.jobs);
  }
  o.heartbeat_interval_ms = 200 + static_cast<std::int64_t>(derive(seed, "heartbeat") % 801);
  for (std::size_t i = 0; i < o.nodes; ++i)
    o.clock_skews.push_back(skew_from_seed(seed, "node-" + std::to_string(i + 1)));
  return o;
}

std::string describe(const simulation_options& o) {
  auto crash = o.crash_node
                   ? fmt::format("node-{}@message-{}", *o.crash_node + 1, o.crash_after_messages)
                   : std::string("none");
  std::string cluster;
  if (o.heartbeat_interval_ms > 0)
    cluster = fmt::format(" heartbeat={}ms", o.heartbeat_interval_ms);
  for (std::size_t i = 0; i < o.clock_skews.size(); ++i)
    cluster +=
        fmt::format("{}node-{}:{}", i == 0 ? " skews=" : ",", i + 1, to_string(o.clock_skews[i]));
  return fmt::format("seed={} nodes={} jobs={} workers={} step-failures={}% crash={}{}{}", o.seed,
                     o.nodes, o.jobs, o.workers, o.failure_percent, crash, cluster,
                     o.planted_early_accept ? " planted-bug=early-accept" : "");
}

namespace {

std::string node_name(std::size_t index) {
  return "node-" + std::to_string(index + 1);
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
  auto executor = std::make_shared<simulated_executor>(derive(o.seed, "steps"), o.failure_percent);

  const bool cluster_checking = o.heartbeat_interval_ms > 0;
  cluster_view_checker views{timing_of(o)};
  std::vector<std::unique_ptr<skewed_clock>> clocks;
  std::vector<std::unique_ptr<node_link>> links;
  std::vector<std::unique_ptr<runtime::node>> nodes;
  for (std::size_t i = 0; i < o.nodes; ++i) {
    auto name = node_name(i);
    links.push_back(std::make_unique<node_link>(core, name, i + 1, events));
    if (o.planted_early_accept)
      links.back()->accept_on_arrival();
    runtime::node_options options;
    options.node_id = name;
    options.workers = o.workers;
    options.job_id_seed = derive(o.seed, "job-ids/" + name) | 1; // 0 would mean "from the OS"
    options.message_id_prefix = derive(o.seed, "message-ids/" + name) | 1;
    options.clock = &clock;
    if (i < o.clock_skews.size()) {
      clocks.push_back(std::make_unique<skewed_clock>(clock, o.clock_skews[i]));
      options.clock = clocks.back().get();
    }
    options.detach_blocking_actors = false;
    if (cluster_checking) {
      follow_the_cluster(options, o, i, views, events, clock);
      views.started(name, clock.elapsed_ms());
    }
    auto n = runtime::node::start(system, *links.back(), executor, std::move(options));
    if (!n) {
      r.violations.push_back(name + " did not start: " + n.error().message);
      return r;
    }
    nodes.push_back(std::move(*n));
    if (cluster_checking)
      nodes.back()->cluster_view(); // the aggregator, also when the runners do not consult it
  }

  for (auto& job : plan_jobs(o.seed, o.jobs, clock.now_ms())) {
    checker.expect(job.id);
    events.record({"start", job.id, to_string(job.shape)});
    if (auto published = core->publish(std::move(job.start)); !published)
      r.violations.push_back("job " + job.id +
                             " could not be started: " + published.error().message);
    ++r.jobs_started;
  }

  seeded_scheduler loop{coordinator, derive(o.seed, "schedule")};
  for (;;) {
    checker.settle();
    if (o.crash_node && !r.crashed && loop.messages() >= o.crash_after_messages) {
      links[*o.crash_node]->cut();
      nodes[*o.crash_node]->stop();
      r.crashed = true;
      views.crashed(node_name(*o.crash_node), clock.elapsed_ms());
    }
    // With heartbeats, timers never run out: the run ends once the views had time to settle.
    const auto settled = cluster_checking ? views.settled_after() : 0;
    if (checker.all_ended() && !coordinator.has_job() && clock.elapsed_ms() >= settled)
      break;
    if (clock.elapsed_ms() > o.max_virtual_ms || loop.messages() > o.max_messages)
      break;
    if (loop.step() == seeded_scheduler::outcome::idle)
      break;
    for (auto& link : links)
      link->flush_early_accepts();
  }
  r.virtual_ms = clock.elapsed_ms();
  // Judged before the nodes stop: their last beats say they leave, which is not a fault.
  std::vector<std::string> view_violations;
  if (cluster_checking) {
    view_violations = views.violations(r.virtual_ms);
    r.cluster_reports = views.reports();
    r.cluster_settled = r.virtual_ms >= views.settled_after();
  }

  // Every actor must be gone before its node is: a stopped node's actors still read its context
  // while they exit.
  for (auto& n : nodes)
    n->stop();
  settle_down(loop, checker);
  nodes.clear();

  r.trace_hash = events.hash();
  r.trace_events = events.events();
  r.messages = loop.messages();
  r.timers = loop.timers();
  r.step_attempts = executor->attempts();
  r.step_failures = executor->failures();
  r.jobs_finished = checker.count(protocol::job_state::finished);
  r.jobs_failed = checker.count(protocol::job_state::error);
  r.duplicate_ends = checker.duplicate_ends();
  for (const auto& link : links)
    r.redeliveries += link->redeliveries();
  for (auto& v : checker.violations())
    r.violations.push_back(std::move(v));
  for (auto& v : view_violations)
    r.violations.push_back(std::move(v));
  r.wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_start)
          .count();
  return r;
}

} // namespace boa::sim
