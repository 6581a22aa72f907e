#include "sim/simulation.hpp"

#include "runtime/node.hpp"
#include "sim/final_data_checker.hpp"
#include "sim/history_checker.hpp"
#include "sim/lifecycle_checker.hpp"
#include "sim/node_link.hpp"
#include "sim/run_observer.hpp"
#include "sim/safety_checker.hpp"
#include "sim/seed.hpp"
#include "sim/seeded_scheduler.hpp"
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
  return o;
}

std::string describe(const simulation_options& o) {
  auto crash = o.crash_node
                   ? fmt::format("node-{}@message-{}", *o.crash_node + 1, o.crash_after_messages)
                   : std::string("none");
  return fmt::format("seed={} nodes={} jobs={} workers={} step-failures={}% crash={}{}", o.seed,
                     o.nodes, o.jobs, o.workers, o.failure_percent, crash,
                     o.planted_early_accept ? " planted-bug=early-accept" : "");
}

namespace {

std::string node_name(std::size_t index) {
  return "node-" + std::to_string(index + 1);
}

/// Runs actors until none is ready and no timer is pending. After `node::stop` this ends: every
/// actor has an exit message, and exiting actors start no new timers.
void settle_down(seeded_scheduler& loop, safety_checker& checker) {
  do
    checker.settle();
  while (loop.step() != seeded_scheduler::outcome::idle);
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

  std::vector<std::unique_ptr<node_link>> links;
  std::vector<std::unique_ptr<runtime::node>> nodes;
  std::vector<std::shared_ptr<simulated_executor>> executors;
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
    options.detach_blocking_actors = false;
    // One executor per node (all draw alike), so that an attempt is known by its node: a crashed
    // node's actors may still run a step before they stop, and that attempt is lost with it.
    auto executor =
        std::make_shared<simulated_executor>(derive(o.seed, "steps"), o.failure_percent);
    executor->on_attempt(
        [&observed, &clock, link = links.back().get()](const protocol::step_request& request,
                                                       const protocol::step_outcome& outcome) {
          if (!link->cut_off())
            observed.attempt(clock.elapsed_ms(), request.job_id, request.step_id, request.attempt,
                             outcome.ok);
        });
    executors.push_back(executor);
    auto n = runtime::node::start(system, *links.back(), executor, std::move(options));
    if (!n) {
      r.violations.push_back(name + " did not start: " + n.error().message);
      return r;
    }
    nodes.push_back(std::move(*n));
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

  seeded_scheduler loop{coordinator, derive(o.seed, "schedule")};
  for (;;) {
    checker.settle();
    // The workload: what is due goes out; when no actor is ready, time moves on to the next event
    // (unless a timer comes first). Sub-jobs that map steps started must end too.
    feed.publish_due(clock.elapsed_ms(), r.violations);
    if (!coordinator.has_job() && feed.advance_to_next(coordinator, clock.elapsed_ms()))
      continue;
    for (auto& id : observed.take_new_sub_jobs()) {
      checker.expect(id);
      ++r.sub_jobs;
    }
    if (o.crash_node && !r.crashed && loop.messages() >= o.crash_after_messages) {
      links[*o.crash_node]->cut();
      nodes[*o.crash_node]->stop();
      r.crashed = true;
    }
    if (checker.all_ended() && !coordinator.has_job() && feed.done())
      break;
    if (clock.elapsed_ms() > o.max_virtual_ms || loop.messages() > o.max_messages)
      break;
    if (loop.step() == seeded_scheduler::outcome::idle)
      break;
    for (auto& link : links)
      link->flush_early_accepts();
  }
  r.virtual_ms = clock.elapsed_ms();

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
  for (const auto& executor : executors) {
    r.step_attempts += executor->attempts();
    r.step_failures += executor->failures();
  }
  r.jobs_finished = checker.count(protocol::job_state::finished);
  r.jobs_failed = checker.count(protocol::job_state::error);
  r.jobs_canceled = checker.count(protocol::job_state::canceled);
  r.jobs_timed_out = checker.timed_out();
  r.jobs_started = feed.started();
  r.commands = feed.commands();
  r.duplicate_ends = checker.duplicate_ends();
  for (const auto& link : links)
    r.redeliveries += link->redeliveries();
  for (auto& v : checker.violations())
    r.violations.push_back(std::move(v));
  for (const auto& problem : observed.undecodable())
    r.violations.push_back("published job state does not decode: " + problem);
  for (auto& v : check_lifecycle(observed.attempts(), observed.states()))
    r.violations.push_back(std::move(v));
  for (const auto& [id, job] : checker.archived())
    for (auto& v : check_history(job))
      r.violations.push_back(std::move(v));
  for (const auto& planned : plan.jobs)
    if (auto archived = checker.archived().find(planned.id); archived != checker.archived().end())
      for (auto& v : check_final_data(planned, archived->second))
        r.violations.push_back(std::move(v));
  r.wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_start)
          .count();
  return r;
}

} // namespace boa::sim
