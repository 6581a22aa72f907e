// `boasim check`'s checker on hand-made records of real nodes: each planted fault must be caught,
// and the same record without it must pass.
#include <boost/test/unit_test.hpp>

#include "protocol/job_codec.hpp"
#include "protocol/transition.hpp"
#include "protocol/workflow_codec.hpp"
#include "sim/recorded_run_check.hpp"

#include <sstream>
#include <string>
#include <vector>

using namespace boa;
using protocol::job_state;

namespace {

protocol::workflow_ptr two_steps() {
  static const auto w = protocol::parse_workflow(R"({"name": "two", "steps": [
    {"id": "a", "run": "work", "next": [["*", "b"]]}, {"id": "b", "run": "work"}]})")
                            .workflow;
  return w;
}

protocol::history_entry entry(std::string step, int attempt, std::int64_t start, std::int64_t end) {
  protocol::history_entry e;
  e.step = std::move(step);
  e.attempt = attempt;
  e.start_ms = start;
  e.end_ms = end;
  e.result = "ok";
  return e;
}

/// A job that ended well: created at 100, steps a then b, ended at 200.
protocol::job ended(const std::string& id, job_state state = job_state::finished) {
  auto j = protocol::transition::start(id, two_steps(), {}, 100);
  j.state = state;
  j.step.clear();
  j.ended_ms = 200;
  j.history = {entry("a", 1, 110, 120), entry("b", 1, 130, 140)};
  return j;
}

std::string lines(const std::vector<protocol::job>& copies) {
  std::string out;
  for (const auto& j : copies)
    out += protocol::serialize_job(j) + "\n";
  return out;
}

sim::recorded_run_report check(const std::string& started, const std::string& archive,
                               bool strict = true) {
  std::istringstream s{started};
  std::istringstream a{archive};
  auto r = sim::check_recorded_run(s, a, {strict, 0});
  BOOST_REQUIRE(r.has_value());
  return *r;
}

bool mentions(const std::vector<std::string>& violations, const std::string& text) {
  for (const auto& v : violations)
    if (v.find(text) != std::string::npos)
      return true;
  return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(recorded_run_check)

BOOST_AUTO_TEST_CASE(every_job_ended_once_passes_and_repeated_copies_count_as_duplicates) {
  auto r = check("j-1\nj-2\n", lines({ended("j-1"), ended("j-2"), ended("j-1")}));
  BOOST_TEST(r.violations.empty());
  BOOST_TEST(r.started == 2u);
  BOOST_TEST(r.finished == 2u);
  BOOST_TEST(r.copies == 3u);
  BOOST_TEST(r.duplicates == 1u);
}

BOOST_AUTO_TEST_CASE(a_job_that_ended_two_different_ways_is_caught) {
  auto archive = lines({ended("j-1"), ended("j-1", job_state::error)});
  auto strict = check("j-1\n", archive);
  BOOST_TEST(mentions(strict.violations, "job j-1 ended more than one way: finished, error"));
  // Without strict copies it is reported, not failed: the simulator's default.
  auto lenient = check("j-1\n", archive, false);
  BOOST_TEST(lenient.violations.empty());
  BOOST_TEST(mentions(lenient.diverged, "job j-1 ended more than one way"));
}

BOOST_AUTO_TEST_CASE(a_job_that_never_ended_is_caught) {
  auto r = check("j-1\nj-2\n", lines({ended("j-1")}));
  BOOST_TEST(mentions(r.violations, "job j-2 never ended (lost)"));
  BOOST_TEST(r.unended == 1u);
}

BOOST_AUTO_TEST_CASE(a_history_with_a_gap_in_its_attempts_is_caught) {
  auto j = ended("j-1");
  j.history[1].attempt = 3; // b: attempt 3 with no attempt 1 or 2 before it
  auto r = check("j-1\n", lines({j}));
  BOOST_TEST(mentions(r.violations, "job j-1 history: entry 1 (step b attempt 3) follows no "
                                    "attempt"));
}

BOOST_AUTO_TEST_CASE(a_step_that_succeeded_twice_in_one_history_is_caught) {
  auto j = ended("j-1");
  j.history.push_back(entry("b", 1, 150, 160));
  BOOST_TEST(mentions(check("j-1\n", lines({j})).violations, "step b succeeded 2 times"));
}

BOOST_AUTO_TEST_CASE(a_cancel_nobody_sent_is_caught_and_a_sent_one_is_not) {
  auto archive = lines({ended("j-1", job_state::canceled)});
  BOOST_TEST(mentions(check("j-1\n", archive).violations, "nobody asked to cancel it"));
  auto r = check("j-1 cancelable\n", archive);
  BOOST_TEST(r.violations.empty());
  BOOST_TEST(r.canceled == 1u);
}

BOOST_AUTO_TEST_CASE(an_end_of_a_job_never_started_and_an_undecodable_copy_are_caught) {
  auto r = check("j-1\n", lines({ended("j-1"), ended("stranger")}) + "{\"v\": 1}\n");
  BOOST_TEST(mentions(r.violations, "job stranger ended but was never started"));
  BOOST_TEST(mentions(r.violations, "archive: undecodable job"));
}

BOOST_AUTO_TEST_CASE(sub_jobs_of_started_jobs_must_end_like_any_job) {
  auto sub = ended("j-1.0");
  sub.parent_id = "j-1";
  auto r = check("j-1\n", lines({ended("j-1"), sub}));
  BOOST_TEST(r.violations.empty());
  BOOST_TEST(r.sub_jobs == 1u);
  BOOST_TEST(r.finished == 1u); // sub-jobs are not counted among the started jobs' ends
  sub.state = job_state::canceled;
  BOOST_TEST(
      mentions(check("j-1\n", lines({ended("j-1"), sub})).violations, "job j-1.0 ended canceled"));
}

BOOST_AUTO_TEST_CASE(an_unknown_word_in_the_started_list_names_its_line) {
  std::istringstream started{"# started\nj-1 timeout\nj-2 cancelled\n"};
  std::istringstream archive{""};
  auto r = sim::check_recorded_run(started, archive);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message ==
             "started jobs, line 3: unknown word 'cancelled' after job j-2 (expected "
             "'cancelable', 'timeout', 'shape=NAME' or 'items=N')");
  std::istringstream bad_shape{"j-1 shape=spiral\n"};
  auto s = sim::check_recorded_run(bad_shape, archive);
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message.find("line 1: unknown shape 'spiral'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_map_reduce_that_counted_an_item_twice_is_caught_by_its_total) {
  auto j = ended("j-1");
  j.history = {entry("split", 1, 110, 120), entry("total", 1, 130, 140)};
  j.props["total"] = 7; // items 1 + 2 + 4
  BOOST_TEST(check("j-1 shape=map-reduce items=3\n", lines({j})).violations.empty());
  j.props["total"] = 9; // 1 + 2 + 4 + 2: the second item folded twice
  BOOST_TEST(mentions(check("j-1 shape=map-reduce items=3\n", lines({j})).violations,
                      "reduce total 9 is not 7"));
}

BOOST_AUTO_TEST_CASE(a_finished_fork_join_that_skipped_a_branch_step_is_caught) {
  auto j = ended("j-1");
  j.history = {entry("split", 1, 101, 102),   entry("left-1", 1, 103, 104),
               entry("left-2", 1, 105, 106),  entry("right-1", 1, 103, 104),
               entry("right-2", 1, 105, 106), entry("gather", 1, 107, 108),
               entry("report", 1, 109, 110)};
  BOOST_TEST(check("j-1 shape=fork-join\n", lines({j})).violations.empty());
  j.history.erase(j.history.begin() + 4); // right-2 never ran
  BOOST_TEST(mentions(check("j-1 shape=fork-join\n", lines({j})).violations,
                      "finished with step right-2 done 0 times, not once"));
}

BOOST_AUTO_TEST_SUITE_END()
