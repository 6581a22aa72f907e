#include <boost/test/unit_test.hpp>

#include "sim/cluster_view_checker.hpp"
#include "sim/simulation.hpp"
#include "sim/skewed_clock.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <algorithm>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using boa::actors::node_change;
using boa::actors::node_status;
using boa::sim::cluster_timing;
using boa::sim::cluster_view_checker;

namespace {

/// Beats every 500 ms; suspect after 3 missed, down after 6; forgotten within 7 s.
cluster_timing timing() {
  cluster_timing t;
  t.interval_ms = 500;
  t.suspect_after = 3;
  t.down_after = 6;
  t.eviction_bound_ms = 7000;
  return t;
}

node_change change(node_change::kind what, const std::string& node, node_status status) {
  node_change c;
  c.what = what;
  c.node.last.node = node;
  c.node.status = status;
  return c;
}

/// Three nodes started at 0, each seeing all three joined by 600 ms.
cluster_view_checker three_nodes() {
  cluster_view_checker views{timing()};
  const std::vector<std::string> names{"node-1", "node-2", "node-3"};
  for (const auto& n : names)
    views.started(n, 0);
  for (const auto& observer : names)
    for (const auto& n : names)
      views.reported(observer, change(node_change::kind::joined, n, node_status::live), 600);
  return views;
}

/// node-2 crashes at 1000 ms; node-1 and node-3 call it suspect, then down at `down_at`, then
/// forget it at 8000 ms.
cluster_view_checker crash_of_node_2(std::int64_t down_at) {
  auto views = three_nodes();
  views.crashed("node-2", 1000);
  for (const std::string observer : {"node-1", "node-3"}) {
    views.reported(observer, change(node_change::kind::suspect, "node-2", node_status::suspect),
                   2600);
    views.reported(observer, change(node_change::kind::down, "node-2", node_status::down), down_at);
    views.reported(observer, change(node_change::kind::evicted, "node-2", node_status::down), 8000);
  }
  return views;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines)
    out += l + "\n";
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cluster_view_checking)

BOOST_AUTO_TEST_CASE(a_quiet_cluster_passes_and_its_final_views_are_due_after_the_bound) {
  auto views = three_nodes();
  BOOST_TEST(views.settled_after() == 7000 + 2 * 500);
  BOOST_TEST(views.violations(8000).empty());
}

BOOST_AUTO_TEST_CASE(a_crashed_node_reported_down_in_time_passes) {
  // Down after 6 intervals, plus 2 of slack: due by 1000 + 8 * 500 = 5000 ms.
  auto views = crash_of_node_2(4600);
  BOOST_TEST(views.settled_after() == 1000 + 7000 + 1000);
  auto found = views.violations(9000);
  BOOST_TEST(found.empty(), joined(found));
}

BOOST_AUTO_TEST_CASE(a_late_down_is_caught) {
  auto views = crash_of_node_2(5200);
  auto found = views.violations(9000);
  BOOST_TEST_REQUIRE(found.size() == 2u, joined(found)); // one per observer
  BOOST_TEST(found[0].find("node-2 crashed at 1000 ms but node-1 did not report it down by "
                           "5000 ms (it says: suspect)") != std::string::npos,
             found[0]);
}

BOOST_AUTO_TEST_CASE(an_observer_started_again_after_the_crash_need_not_have_known_the_node) {
  // node-1 itself crashed at 900 and came back at 950; its new incarnation never heard node-2,
  // which crashed at 1000, so it cannot call it down. node-3 still must.
  auto views = three_nodes();
  views.crashed("node-1", 900);
  views.started("node-1", 950);
  views.reported("node-1", change(node_change::kind::joined, "node-1", node_status::live), 960);
  views.reported("node-1", change(node_change::kind::joined, "node-3", node_status::live), 970);
  views.crashed("node-2", 1000);
  views.reported("node-3", change(node_change::kind::down, "node-2", node_status::down), 4600);
  views.reported("node-3", change(node_change::kind::evicted, "node-2", node_status::down), 8000);
  auto found = views.violations(9000);
  BOOST_TEST(found.empty(), joined(found));
  // Without node-3's report, node-3 is caught, node-1 is not.
  auto silent = three_nodes();
  silent.crashed("node-1", 900);
  silent.started("node-1", 950);
  silent.crashed("node-2", 1000);
  auto late = silent.violations(9000);
  BOOST_TEST(late.size() >= 1u);
  for (const auto& v : late)
    BOOST_TEST(v.find("but node-1 did not report") == std::string::npos, v);
}

BOOST_AUTO_TEST_CASE(a_crash_not_yet_due_is_not_judged) {
  auto views = crash_of_node_2(5200);
  BOOST_TEST(views.violations(4900).empty());
}

BOOST_AUTO_TEST_CASE(a_false_suspicion_is_caught) {
  auto views = three_nodes();
  views.reported("node-1", change(node_change::kind::suspect, "node-3", node_status::suspect),
                 2000);
  views.reported("node-1", change(node_change::kind::live_again, "node-3", node_status::live),
                 2100);
  auto found = views.violations(8000);
  BOOST_TEST_REQUIRE(found.size() == 1u, joined(found));
  BOOST_TEST(found[0] == "cluster view: node-1 reported node-3 suspect at 2000 ms, but it was "
                         "alive and beating");
}

BOOST_AUTO_TEST_CASE(a_silent_node_may_be_suspected_and_must_come_back_live) {
  auto views = three_nodes();
  views.silent("node-3", 1000, 4000);
  views.reported("node-1", change(node_change::kind::suspect, "node-3", node_status::suspect),
                 2600);
  views.reported("node-1", change(node_change::kind::live_again, "node-3", node_status::live),
                 4300);
  views.reported("node-2", change(node_change::kind::suspect, "node-3", node_status::suspect),
                 2700);
  // node-2 still calls it suspect two intervals after it beats again.
  auto found = views.violations(4000 + 8000);
  BOOST_TEST_REQUIRE(found.size() == 2u, joined(found));
  BOOST_TEST(found[0] == "cluster view: node-3 was back at 4000 ms but node-2 did not report it "
                         "live by 5000 ms (it says: suspect)");
  BOOST_TEST(found[1].find("node-2's view is wrong: node-3 suspect") != std::string::npos,
             found[1]);
}

BOOST_AUTO_TEST_CASE(a_final_view_that_keeps_a_dead_node_or_misses_a_live_one_is_caught) {
  auto views = three_nodes();
  views.crashed("node-2", 1000);
  for (const std::string observer : {"node-1", "node-3"})
    views.reported(observer, change(node_change::kind::down, "node-2", node_status::down), 4000);
  // node-3 forgets node-2, as it should; node-1 never does, and node-3 also forgets node-1.
  views.reported("node-3", change(node_change::kind::evicted, "node-2", node_status::down), 8000);
  views.reported("node-3", change(node_change::kind::evicted, "node-1", node_status::live), 8000);
  auto found = views.violations(9000);
  BOOST_TEST_REQUIRE(found.size() == 2u, joined(found));
  BOOST_TEST(found[0] == "cluster view: at the end (9000 ms) node-1's view is wrong: node-2 down");
  BOOST_TEST(found[1] ==
             "cluster view: at the end (9000 ms) node-3's view is wrong: node-1 not in its view");
  // Before the views are due to have settled, only the rest is judged.
  BOOST_TEST(views.violations(8500).empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(clock_skew)

BOOST_AUTO_TEST_CASE(a_skewed_clock_is_offset_and_drifts_from_the_virtual_time) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  caf::actor_system system{cfg};
  auto& coordinator = dynamic_cast<caf::scheduler::test_coordinator&>(system.scheduler());
  boa::sim::virtual_clock truth{coordinator};
  boa::sim::skewed_clock fast{truth, {2000, 1000}};
  boa::sim::skewed_clock slow{truth, {-300, -500}};
  const auto epoch = boa::sim::virtual_clock::epoch_ms;
  BOOST_TEST(fast.now_ms() == epoch + 2000);
  BOOST_TEST(slow.now_ms() == epoch - 300);
  coordinator.clock().current_time += std::chrono::seconds(100);
  BOOST_TEST(fast.now_ms() == epoch + 2000 + 100000 + 100); // 1000 ppm of 100 s
  BOOST_TEST(slow.now_ms() == epoch - 300 + 100000 - 50);
}

BOOST_AUTO_TEST_CASE(skews_come_from_the_seed_mostly_small_sometimes_seconds) {
  std::size_t large = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    auto skew = boa::sim::skew_from_seed(seed, "node-1");
    BOOST_TEST((skew == boa::sim::skew_from_seed(seed, "node-1")));
    BOOST_TEST(std::abs(skew.offset_ms) <= 5000);
    BOOST_TEST(std::abs(skew.drift_ppm) <= 2000);
    if (std::abs(skew.offset_ms) > 50)
      ++large;
  }
  BOOST_TEST(large > 10u);
  BOOST_TEST(large < 100u);
  BOOST_TEST(boa::sim::to_string({12, -30}) == "+12ms-30ppm");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(simulated_cluster)

BOOST_AUTO_TEST_CASE(every_observer_reports_a_crashed_node_down_and_the_views_settle) {
  auto options = boa::sim::options_from_seed(3, 3, 15);
  options.faults.faults.clear();
  // Late in a calm run's heartbeats, every view knows node-1: it crashes then, for good.
  const auto calm = boa::sim::run_simulation(options);
  BOOST_TEST_REQUIRE(calm.passed(), joined(calm.violations));
  boa::sim::fault crash;
  crash.node = 0;
  crash.at_ms = calm.virtual_ms / 2;
  options.faults.faults = {crash};
  std::ostringstream text;
  options.trace_text = &text;
  auto result = boa::sim::run_simulation(options);
  BOOST_TEST(result.faults_injected == 1u);
  BOOST_TEST(result.cluster_settled);
  BOOST_TEST(result.passed(), joined(result.violations));
  // The trace has one line per reported change: cluster, observer, change, node.
  std::set<std::string> down_reporters;
  std::istringstream lines{text.str()};
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("cluster\t", 0) == 0 && line.find("\tdown\tnode-1") != std::string::npos)
      down_reporters.insert(line.substr(8, line.find('\t', 8) - 8));
  BOOST_TEST((down_reporters == std::set<std::string>{"node-2", "node-3"}));
}

BOOST_AUTO_TEST_CASE(clocks_seconds_apart_make_no_healthy_node_look_suspect) {
  // The aggregator ages beats by their arrival on the observer's clock: offsets of seconds either
  // way and drifts of 0.2 % must not make anyone suspect or down, nor keep a view from settling.
  auto options = boa::sim::options_from_seed(11, 4, 10);
  options.faults.faults.clear();
  options.clock_skews = {{5000, 2000}, {-5000, -2000}, {0, 0}, {3000, -2000}};
  auto result = boa::sim::run_simulation(options);
  BOOST_TEST(result.passed(), joined(result.violations));
  BOOST_TEST(result.cluster_settled);
  BOOST_TEST(result.cluster_reports >= 16u); // every node joined in every view
}

BOOST_AUTO_TEST_CASE(a_run_with_heartbeats_ends_and_replays) {
  auto options = boa::sim::options_from_seed(8);
  BOOST_TEST(options.heartbeat_interval_ms >= 200);
  BOOST_TEST(options.heartbeat_interval_ms <= 1000);
  auto first = boa::sim::run_simulation(options);
  auto second = boa::sim::run_simulation(options);
  BOOST_TEST(first.passed(), joined(first.violations));
  BOOST_TEST(first.cluster_settled);
  BOOST_TEST(first.cluster_reports > 0u);
  BOOST_TEST(first.trace_hash == second.trace_hash);
  BOOST_TEST(first.virtual_ms == second.virtual_ms);
}

BOOST_AUTO_TEST_SUITE_END()
