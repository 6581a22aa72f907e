#define BOOST_TEST_MODULE simulation
#include <boost/test/unit_test.hpp>

#include "sim/shrink.hpp"
#include "sim/simulation.hpp"

#include <spdlog/spdlog.h>

#include <cstdint>
#include <set>
#include <string>

using boa::sim::options_from_seed;
using boa::sim::run_simulation;

namespace {

struct quiet_logs {
  quiet_logs() { spdlog::set_level(spdlog::level::warn); }
};

std::string violations_of(const boa::sim::simulation_result& r) {
  std::string out;
  for (const auto& v : r.violations)
    out += v + "; ";
  return out;
}

} // namespace

BOOST_TEST_GLOBAL_FIXTURE(quiet_logs);

BOOST_AUTO_TEST_SUITE(simulation)

BOOST_AUTO_TEST_CASE(the_same_seed_replays_the_same_trace) {
  auto options = options_from_seed(7, 3, 12);
  auto first = run_simulation(options);
  auto second = run_simulation(options);
  BOOST_TEST(first.trace_events > 0u);
  BOOST_TEST(first.trace_hash == second.trace_hash);
  BOOST_TEST(first.trace_events == second.trace_events);
  BOOST_TEST(first.messages == second.messages);
  BOOST_TEST(first.virtual_ms == second.virtual_ms);
}

BOOST_AUTO_TEST_CASE(different_seeds_take_different_paths) {
  std::set<std::uint64_t> hashes;
  for (std::uint64_t seed = 1; seed <= 4; ++seed)
    hashes.insert(run_simulation(options_from_seed(seed, 3, 8)).trace_hash);
  BOOST_TEST(hashes.size() > 1u);
}

BOOST_AUTO_TEST_CASE(only_the_scheduling_seed_changes_the_interleaving) {
  // Same nodes and jobs, but the seed also picks which ready actor runs: traces differ.
  auto a = options_from_seed(11, 2, 6);
  auto b = a;
  b.seed = 12;
  BOOST_TEST(run_simulation(a).trace_hash != run_simulation(b).trace_hash);
}

BOOST_AUTO_TEST_CASE(every_job_ends_exactly_once_on_a_fixed_seed_set) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto options = options_from_seed(seed);
    auto result = run_simulation(options);
    BOOST_TEST_INFO("seed " << seed << ": " << violations_of(result));
    BOOST_TEST(result.passed());
    BOOST_TEST(result.jobs_finished + result.jobs_failed + result.jobs_canceled ==
               result.jobs_started);
  }
}

BOOST_AUTO_TEST_CASE(every_fault_profile_loses_no_job_on_a_fixed_seed_set) {
  using boa::sim::fault_profile;
  for (auto profile :
       {fault_profile::crash, fault_profile::network, fault_profile::broker, fault_profile::chaos})
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      auto result = run_simulation(options_from_seed(seed, std::nullopt, std::nullopt, profile));
      BOOST_TEST_INFO("seed " << seed << " --faults " << to_string(profile) << ": "
                              << violations_of(result));
      BOOST_TEST(result.passed());
    }
}

BOOST_AUTO_TEST_CASE(copies_of_a_state_whose_run_could_not_publish_are_not_both_refused) {
  // Found by these seeds: lost accepts made copies of a branch's state, two nodes each ran one
  // and could not publish (the broker restarted), then each refused the other's copy as a
  // duplicate of its own run, and the job never ended. Claims of a run that could not publish
  // are withdrawn now.
  for (std::uint64_t seed : {55u, 173u}) {
    auto result = run_simulation(
        options_from_seed(seed, std::nullopt, std::nullopt, boa::sim::fault_profile::chaos));
    BOOST_TEST_INFO("seed " << seed << ": " << violations_of(result));
    BOOST_TEST(result.passed());
    BOOST_TEST(result.faults_injected > 0u);
  }
}

BOOST_AUTO_TEST_CASE(a_suspended_job_is_resumed_whatever_the_nodes_missed) {
  // Found by these seeds: a resume broadcast while no node heard it was gone, or a node that had
  // missed it parked the job again for the suspend before it (1000, 1233, 1244, 1609, 1838,
  // 1916); a node that took a job back while the broker restarted could not publish it and ended
  // its subscription, leaving the job parked (21, 42, 1962).
  for (std::uint64_t seed : {21u, 42u, 1000u, 1233u, 1244u, 1609u, 1838u, 1916u, 1962u}) {
    auto result = run_simulation(options_from_seed(seed));
    BOOST_TEST_INFO("seed " << seed << ": " << violations_of(result));
    BOOST_TEST(result.passed());
  }
}

BOOST_AUTO_TEST_CASE(a_node_restarted_after_hearing_a_cancel_still_applies_it) {
  // Found by this seed: a node heard a fork/join job's cancel, crashed, came back and was handed
  // the job's other branch, whose next step it ran: pending commands lived in its memory only.
  auto result = run_simulation(options_from_seed(1726));
  BOOST_TEST_INFO(violations_of(result));
  BOOST_TEST(result.passed());
}

BOOST_AUTO_TEST_CASE(a_resume_outlives_the_node_that_took_it_on) {
  // Found by these seeds: a node took a resume from its queue before the job was parked, then
  // crashed; the resume was gone with it, and a node that had missed the resume parked the job
  // for the suspend before it, for good (4030; chaos 144 and 493). Remembering suspends across a
  // restart made more of these (2228, 2530, 4991) until jobs carried the resumes they had seen.
  for (std::uint64_t seed : {4030u, 2228u, 2530u, 4991u}) {
    auto result = run_simulation(options_from_seed(seed));
    BOOST_TEST_INFO("seed " << seed << ": " << violations_of(result));
    BOOST_TEST(result.passed());
  }
  for (std::uint64_t seed : {144u, 493u}) {
    auto result = run_simulation(
        options_from_seed(seed, std::nullopt, std::nullopt, boa::sim::fault_profile::chaos));
    BOOST_TEST_INFO("seed " << seed << " --faults chaos: " << violations_of(result));
    BOOST_TEST(result.passed());
  }
}

BOOST_AUTO_TEST_CASE(a_crashed_node_loses_no_job) {
  auto options = options_from_seed(3, 3, 15);
  boa::sim::fault crash;
  crash.node = 0;
  crash.at_ms = 200;
  crash.after_messages = 20;
  options.faults.faults = {crash};
  auto result = run_simulation(options);
  BOOST_TEST(result.faults_injected == 1u);
  BOOST_TEST(result.restarts == 0u);
  BOOST_TEST_INFO(violations_of(result));
  BOOST_TEST(result.passed());
  BOOST_TEST(result.jobs_finished + result.jobs_failed + result.jobs_canceled ==
             result.jobs_started);
}

BOOST_AUTO_TEST_CASE(a_run_cut_short_reports_its_unended_jobs_as_lost) {
  // The checker can fail: stopped before any job could end, every job is lost.
  auto options = options_from_seed(5, 2, 4);
  options.faults.faults.clear();
  options.max_messages = 3;
  auto result = run_simulation(options);
  BOOST_TEST(!result.passed());
  BOOST_REQUIRE(result.violations.size() == 5u);
  BOOST_TEST(result.violations.front().find("liveness: 4 of 4 jobs had not ended") == 0u);
  BOOST_TEST(result.violations.back().find("never ended (lost)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_node_that_accepts_before_publishing_is_caught_within_the_ci_seeds) {
  // The planted bug: deliveries accepted on arrival. The seeds CI runs must catch it.
  std::size_t caught = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    auto options = options_from_seed(seed);
    options.planted_early_accept = true;
    auto result = run_simulation(options);
    if (!result.passed()) {
      ++caught;
      BOOST_TEST(violations_of(result).find("never ended (lost)") != std::string::npos);
    }
  }
  BOOST_TEST(caught > 0u);
  // The same seeds pass without it (every_job_ends_exactly_once_on_a_fixed_seed_set and the
  // boasim_seeds test): the checker fails for the bug, not for the seeds.
  auto clean = run_simulation(options_from_seed(1));
  BOOST_TEST(clean.passed());
}

BOOST_AUTO_TEST_CASE(a_bridge_that_confirms_before_the_broker_has_it_is_caught_only_by_faults) {
  // The subtler planted bug: without faults nothing is lost and every run passes; with crashes,
  // lost sessions and broker restarts, a publish the node already counted is lost in flight.
  std::size_t caught_calm = 0;
  std::size_t caught_faulted = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    auto calm = options_from_seed(seed, std::nullopt, std::nullopt, boa::sim::fault_profile::none);
    calm.planted_early_confirm = true;
    caught_calm += run_simulation(calm).passed() ? 0 : 1;
    auto faulted = options_from_seed(seed);
    faulted.planted_early_confirm = true;
    auto result = run_simulation(faulted);
    if (!result.passed()) {
      ++caught_faulted;
      BOOST_TEST(violations_of(result).find("never ended (lost)") != std::string::npos);
    }
  }
  BOOST_TEST(caught_calm == 0u);
  BOOST_TEST(caught_faulted > 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(shrinking)

BOOST_AUTO_TEST_CASE(a_failing_run_shrinks_to_a_smaller_one_that_still_fails_and_replays) {
  auto options = options_from_seed(3, 3, 12, boa::sim::fault_profile::crash);
  options.planted_early_accept = true;
  auto original = run_simulation(options);
  BOOST_REQUIRE(!original.passed());
  auto smallest = boa::sim::shrink(options);
  BOOST_TEST(!smallest.result.passed());
  BOOST_TEST(smallest.options.jobs < options.jobs);
  BOOST_TEST(smallest.options.faults.faults.size() <= options.faults.faults.size());
  BOOST_TEST(smallest.kept_faults.size() == smallest.options.faults.faults.size());
  // What the shrinker reports replays: the seed's options cut down the same way.
  auto replay = options_from_seed(3, 3, smallest.options.jobs, boa::sim::fault_profile::crash);
  replay.planted_early_accept = true;
  BOOST_REQUIRE(boa::sim::keep_faults(replay, smallest.kept_faults));
  BOOST_TEST(run_simulation(replay).trace_hash == smallest.result.trace_hash);
}

BOOST_AUTO_TEST_CASE(a_passing_run_is_left_as_it_is) {
  auto options = options_from_seed(4, 2, 6);
  auto shrunk = boa::sim::shrink(options);
  BOOST_TEST(shrunk.result.passed());
  BOOST_TEST(shrunk.runs == 1u);
  BOOST_TEST(shrunk.options.jobs == 6u);
}

BOOST_AUTO_TEST_SUITE_END()
