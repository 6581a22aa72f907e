#define BOOST_TEST_MODULE cluster_view
#include <boost/test/unit_test.hpp>

#include "actors/cluster_view.hpp"
#include "test/support/heartbeats.hpp"

#include <string>
#include <vector>

using boa::actors::cluster_view;
using boa::actors::cluster_view_options;
using boa::actors::node_status;
using boa::protocol::heartbeat;
using boa::protocol::running_job;
using boa::test::beat;

namespace {

std::vector<std::string> node_ids(const cluster_view& view, std::int64_t now_ms) {
  std::vector<std::string> out;
  for (const auto& n : view.nodes(now_ms))
    out.push_back(n.last.node);
  return out;
}

node_status status_at(const cluster_view& view, std::int64_t now_ms) {
  auto nodes = view.nodes(now_ms);
  BOOST_TEST_REQUIRE(nodes.size() == 1u);
  return nodes[0].status;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cluster_view_status)

BOOST_AUTO_TEST_CASE(a_silent_node_goes_from_live_to_suspect_to_down_with_time) {
  cluster_view view;
  view.observe(beat("n1", 100, 1), 10'000);
  BOOST_TEST((status_at(view, 10'000) == node_status::live));
  BOOST_TEST((status_at(view, 13'000) == node_status::live));
  BOOST_TEST((status_at(view, 13'001) == node_status::suspect));
  BOOST_TEST((status_at(view, 20'000) == node_status::suspect));
  BOOST_TEST((status_at(view, 20'001) == node_status::down));
  BOOST_TEST(view.nodes(25'000)[0].age_ms == 15'000);
}

BOOST_AUTO_TEST_CASE(a_node_whose_last_beat_says_it_leaves_has_left_at_once) {
  cluster_view view;
  view.observe(beat("n1", 100, 1), 0);
  auto last = beat("n1", 100, 2);
  last.leaving = true;
  view.observe(last, 1'000);
  BOOST_TEST((status_at(view, 1'000) == node_status::left));
  BOOST_TEST((status_at(view, 20'000) == node_status::left)); // not down: it said goodbye
  // Started again with the same id: a new process, live.
  view.observe(beat("n1", 30'000, 1), 30'000);
  BOOST_TEST((status_at(view, 30'000) == node_status::live));
  BOOST_TEST(view.nodes(30'000)[0].restarts == 1);
}

BOOST_AUTO_TEST_CASE(a_new_beat_brings_a_down_node_back_to_live) {
  cluster_view view;
  view.observe(beat("n1", 100, 1), 0);
  BOOST_TEST((status_at(view, 15'000) == node_status::down));
  view.observe(beat("n1", 100, 2), 15'000);
  BOOST_TEST((status_at(view, 15'000) == node_status::live));
  BOOST_TEST(view.nodes(15'500)[0].age_ms == 500);
}

BOOST_AUTO_TEST_CASE(a_node_whose_clock_is_far_off_is_judged_by_when_its_beats_arrive) {
  // Its clock an hour behind the observer's, or an hour ahead: what counts is when each beat
  // arrived on the observer's clock, never the beat's own `sent_ms`.
  for (std::int64_t skew : {-3'600'000, 3'600'000}) {
    cluster_view view;
    auto first = beat("n1", 100 + skew, 1);
    view.observe(first, 10'000);
    BOOST_TEST((status_at(view, 12'000) == node_status::live));
    auto second = beat("n1", 100 + skew, 2);
    view.observe(second, 12'500);
    BOOST_TEST((status_at(view, 15'000) == node_status::live));
    BOOST_TEST(view.nodes(15'000)[0].age_ms == 2'500);
    BOOST_TEST((status_at(view, 15'501) == node_status::suspect));
  }
}

BOOST_AUTO_TEST_CASE(thresholds_follow_the_options_and_the_node_s_own_interval) {
  cluster_view view(cluster_view_options{.suspect_after = 2, .down_after = 4});
  auto slow = beat("n1", 100, 1);
  slow.interval_ms = 5000;
  view.observe(slow, 0);
  BOOST_TEST((status_at(view, 10'000) == node_status::live));
  BOOST_TEST((status_at(view, 10'001) == node_status::suspect));
  BOOST_TEST((status_at(view, 20'001) == node_status::down));
}

BOOST_AUTO_TEST_CASE(nodes_are_listed_sorted_by_id) {
  cluster_view view;
  view.observe(beat("n3", 1, 1), 0);
  view.observe(beat("n1", 1, 1), 0);
  view.observe(beat("n2", 1, 1), 0);
  BOOST_TEST((node_ids(view, 0) == std::vector<std::string>{"n1", "n2", "n3"}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cluster_view_membership)

BOOST_AUTO_TEST_CASE(nodes_silent_longer_than_the_eviction_age_are_forgotten) {
  cluster_view view(cluster_view_options{.eviction_age_ms = 30'000});
  view.observe(beat("n1", 1, 1), 0);
  view.observe(beat("n2", 1, 1), 10'000);
  view.evict(30'000);
  BOOST_TEST((node_ids(view, 30'000) == std::vector<std::string>{"n1", "n2"}));
  view.evict(30'001);
  BOOST_TEST((node_ids(view, 30'001) == std::vector<std::string>{"n2"}));
  view.evict(40'001);
  BOOST_TEST(view.nodes(40'001).empty());
}

BOOST_AUTO_TEST_CASE(a_restarted_node_is_recognised_not_duplicated) {
  cluster_view view;
  view.observe(beat("n1", 100, 41), 0);
  view.observe(beat("n1", 5000, 1), 1000);
  auto nodes = view.nodes(1000);
  BOOST_TEST_REQUIRE(nodes.size() == 1u);
  BOOST_TEST(nodes[0].restarts == 1);
  BOOST_TEST(nodes[0].last.started_ms == 5000);
  BOOST_TEST(nodes[0].last.seq == 1);
  view.observe(beat("n1", 9000, 1), 2000);
  BOOST_TEST(view.nodes(2000)[0].restarts == 2);
}

BOOST_AUTO_TEST_CASE(a_late_beat_of_the_previous_process_is_ignored) {
  cluster_view view;
  view.observe(beat("n1", 100, 41), 0);
  view.observe(beat("n1", 5000, 1), 1000);
  view.observe(beat("n1", 100, 42), 1500);
  auto nodes = view.nodes(1500);
  BOOST_TEST_REQUIRE(nodes.size() == 1u);
  BOOST_TEST(nodes[0].last.started_ms == 5000);
  BOOST_TEST(nodes[0].restarts == 1);
  BOOST_TEST(nodes[0].age_ms == 500);
}

BOOST_AUTO_TEST_CASE(out_of_order_and_repeated_beats_are_ignored) {
  cluster_view view;
  view.observe(beat("n1", 100, 5), 0);
  view.observe(beat("n1", 100, 4), 1000);
  view.observe(beat("n1", 100, 5), 2000);
  auto nodes = view.nodes(2000);
  BOOST_TEST_REQUIRE(nodes.size() == 1u);
  BOOST_TEST(nodes[0].last.seq == 5);
  BOOST_TEST(nodes[0].age_ms == 2000); // neither refreshed the age
  BOOST_TEST(nodes[0].restarts == 0);
  view.observe(beat("n1", 100, 7), 2500);
  BOOST_TEST(view.nodes(2500)[0].last.seq == 7);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cluster_view_jobs)

BOOST_AUTO_TEST_CASE(jobs_of_all_nodes_are_merged_one_per_job_id_latest_start_breaks_ties) {
  cluster_view view;
  view.observe(beat("n1", 1, 1, {{"j-2", "greet", "hello", 100}, {"j-1", "greet", "bye", 50}}), 0);
  view.observe(beat("n2", 1, 1, {{"j-2", "greet", "world", 300}, {"j-3", "sum", "add", 10}}), 0);
  view.observe(beat("n3", 1, 1, {{"j-3", "sum", "init", 5}}), 0);
  auto jobs = view.jobs(0);
  BOOST_TEST_REQUIRE(jobs.size() == 3u);
  BOOST_TEST(jobs[0].job_id == "j-1");
  BOOST_TEST(jobs[0].step == "bye");
  BOOST_TEST(jobs[0].node == "n1");
  BOOST_TEST(jobs[1].job_id == "j-2");
  BOOST_TEST(jobs[1].step == "world");
  BOOST_TEST(jobs[1].node == "n2");
  BOOST_TEST(jobs[2].job_id == "j-3");
  BOOST_TEST(jobs[2].step == "add");
}

BOOST_AUTO_TEST_CASE(the_most_advanced_history_wins_over_a_later_start) {
  cluster_view view;
  // n1 went silent in step "b"; n2 runs "c" further along; n3 runs a stale copy of "b" that a
  // redelivery started later (same history, same version).
  view.observe(beat("n1", 1, 1, {{"j-1", "w", "b", 100, 2, 1}}), 0);
  view.observe(beat("n2", 1, 1, {{"j-1", "w", "c", 150, 3, 2}}), 500);
  view.observe(beat("n3", 1, 1, {{"j-1", "w", "b", 900, 2, 1}}), 1000);
  auto jobs = view.jobs(1500);
  BOOST_TEST_REQUIRE(jobs.size() == 1u);
  BOOST_TEST(jobs[0].step == "c");
  BOOST_TEST(jobs[0].node == "n2");
  BOOST_TEST(jobs[0].age_ms == 1000);
}

BOOST_AUTO_TEST_CASE(with_equal_history_the_higher_version_then_the_later_start_wins) {
  BOOST_TEST(boa::actors::more_advanced({"j", "w", "a", 10, 5, 2}, {"j", "w", "a", 99, 4, 2}));
  BOOST_TEST(boa::actors::more_advanced({"j", "w", "a", 99, 4, 2}, {"j", "w", "a", 10, 4, 2}));
  BOOST_TEST(!boa::actors::more_advanced({"j", "w", "a", 99, 9, 1}, {"j", "w", "a", 10, 1, 2}));
}

BOOST_AUTO_TEST_CASE(jobs_follow_the_latest_beat_and_leave_with_evicted_nodes) {
  cluster_view view;
  view.observe(beat("n1", 1, 1, {{"j-1", "greet", "hello", 100}}), 0);
  view.observe(beat("n1", 1, 2), 1000);
  BOOST_TEST(view.jobs(1000).empty());
  view.observe(beat("n2", 1, 1, {{"j-2", "greet", "hello", 100}}), 1000);
  BOOST_TEST(view.jobs(1000).size() == 1u);
  view.evict(40'000);
  BOOST_TEST(view.jobs(40'000).empty());
}

BOOST_AUTO_TEST_SUITE_END()
