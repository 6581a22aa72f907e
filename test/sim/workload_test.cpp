// The workload plan: data the run plays, derived from the seed alone.
#include <boost/test/unit_test.hpp>

#include "protocol/job_codec.hpp"
#include "protocol/job_command.hpp"
#include "sim/simulation.hpp"
#include "sim/workload.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

using boa::sim::plan_workload;
using boa::sim::workload_event;
using action = boa::protocol::job_command::action;

BOOST_AUTO_TEST_SUITE(workload)

BOOST_AUTO_TEST_CASE(the_plan_is_sorted_by_time_and_every_job_starts_before_its_commands) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    auto plan = plan_workload(seed, 30, 0);
    BOOST_TEST(plan.jobs.size() == 30u);
    BOOST_TEST(std::is_sorted(plan.events.begin(), plan.events.end(),
                              [](const auto& a, const auto& b) { return a.at_ms < b.at_ms; }));
    std::set<std::string> started;
    std::map<std::string, int> suspended; // suspends not yet resumed
    for (const auto& e : plan.events) {
      if (e.what == workload_event::kind::start) {
        BOOST_TEST(started.insert(e.job_id).second);
        BOOST_TEST(e.message.address == boa::protocol::addresses::new_jobs);
        continue;
      }
      BOOST_TEST(started.count(e.job_id) == 1u, "command before the start of " << e.job_id);
      BOOST_TEST(e.message.address == boa::protocol::addresses::commands);
      auto command = boa::protocol::parse_command(e.message.body);
      BOOST_REQUIRE(command.has_value());
      BOOST_TEST(command->job_id == e.job_id);
      BOOST_TEST((command->what == e.action));
      // A resume also goes to the durable queue, for when no node hears the broadcast.
      if (e.action == action::resume) {
        BOOST_REQUIRE(e.copies.size() == 1u);
        BOOST_TEST(e.copies[0].address == boa::protocol::addresses::resumes);
        BOOST_TEST(e.copies[0].body == e.message.body);
      } else {
        BOOST_TEST(e.copies.empty());
      }
      if (e.action == action::suspend)
        ++suspended[e.job_id];
      if (e.action == action::resume)
        --suspended[e.job_id];
    }
    // A job suspended and never resumed would never end.
    for (const auto& [id, open] : suspended)
      BOOST_TEST(open == 0, id << " is left suspended");
  }
}

BOOST_AUTO_TEST_CASE(a_start_message_carries_the_planned_shape_items_and_timeout) {
  auto plan = plan_workload(3, 40, 1000);
  std::set<boa::sim::shape> shapes;
  for (const auto& job : plan.jobs) {
    shapes.insert(job.shape);
    auto first = boa::protocol::parse_job(job.start.body);
    BOOST_REQUIRE(first.has_value());
    BOOST_TEST(first->id == job.id);
    BOOST_TEST(first->created_ms >= 1000);
    BOOST_TEST((first->deadline_ms != 0) == job.timeout_ms.has_value());
    if (job.shape == boa::sim::shape::map_reduce) {
      BOOST_TEST(job.timeout_ms.has_value());
      BOOST_TEST(first->props.at("parts").as_array().size() == job.items);
    }
  }
  BOOST_TEST(shapes.size() == 4u); // 40 jobs draw every shape
}

BOOST_AUTO_TEST_CASE(the_same_seed_plans_the_same_workload) {
  auto a = plan_workload(9, 20, 0);
  auto b = plan_workload(9, 20, 0);
  BOOST_REQUIRE(a.events.size() == b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    BOOST_TEST(a.events[i].at_ms == b.events[i].at_ms);
    BOOST_TEST(a.events[i].message.body == b.events[i].message.body);
  }
}

BOOST_AUTO_TEST_CASE(runs_exercise_cancels_timeouts_suspensions_and_sub_jobs) {
  // Over a few seeds, every feature of the workload happens at least once (and every run passes):
  // a workload that silently stopped exercising one would leave its checker nothing to check.
  std::size_t canceled = 0, timed_out = 0, sub_jobs = 0, commands = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    auto r = boa::sim::run_simulation(boa::sim::options_from_seed(seed));
    BOOST_TEST(r.passed(), "seed " << seed << ": " << (r.passed() ? "" : r.violations.front()));
    canceled += r.jobs_canceled;
    timed_out += r.jobs_timed_out;
    sub_jobs += r.sub_jobs;
    commands += r.commands;
  }
  BOOST_TEST(canceled > 0u);
  BOOST_TEST(timed_out > 0u);
  BOOST_TEST(sub_jobs > 0u);
  BOOST_TEST(commands > canceled);
}

BOOST_AUTO_TEST_SUITE_END()
