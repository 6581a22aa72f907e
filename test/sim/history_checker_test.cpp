// The job-level checkers, fed by hand: each must find the violation planted in its input, and
// stay quiet on the same input without it.
#include <boost/test/unit_test.hpp>

#include "actors/bus/broker_core.hpp"
#include "protocol/job_codec.hpp"
#include "protocol/transition.hpp"
#include "protocol/workflow_codec.hpp"
#include "sim/final_data_checker.hpp"
#include "sim/history_checker.hpp"
#include "sim/lifecycle_checker.hpp"
#include "sim/safety_checker.hpp"
#include "sim/workload.hpp"

#include <memory>
#include <string>
#include <vector>

using namespace boa;
using protocol::job_state;
using sim::attempt_record;
using sim::state_record;

namespace {

protocol::workflow_ptr tiny_workflow() {
  static const auto w = protocol::parse_workflow(R"({"name": "tiny", "steps": [
    {"id": "a", "run": "work", "next": [["*", "b"]]}, {"id": "b", "run": "work"}]})")
                            .workflow;
  return w;
}

protocol::history_entry entry(std::string step, int attempt, std::int64_t start, std::int64_t end,
                              std::string result = "ok") {
  protocol::history_entry e;
  e.step = std::move(step);
  e.attempt = attempt;
  e.start_ms = start;
  e.end_ms = end;
  e.result = std::move(result);
  return e;
}

/// A job that ended well: created at 100, step a failed once and was retried, then b, ended at 200.
protocol::job ended_job() {
  auto j = protocol::transition::start("j-1", tiny_workflow(), {}, 100);
  j.state = job_state::finished;
  j.step.clear();
  j.ended_ms = 200;
  j.history = {entry("a", 1, 110, 110, "error"), entry("a", 2, 150, 150), entry("b", 1, 160, 170)};
  return j;
}

bool mentions(const std::vector<std::string>& violations, const std::string& text) {
  for (const auto& v : violations)
    if (v.find(text) != std::string::npos)
      return true;
  return false;
}

attempt_record attempt(std::uint64_t seq, std::string step, int n) {
  return {seq, static_cast<std::int64_t>(seq), "j-1", std::move(step), n, true};
}

state_record state(std::uint64_t seq, std::string step, job_state s, std::string address,
                   std::string line = {}) {
  state_record r;
  r.seq = seq;
  r.at_ms = static_cast<std::int64_t>(seq);
  r.node = "node-1";
  r.address = std::move(address);
  r.job_id = "j-1";
  r.step = std::move(step);
  r.line = std::move(line);
  r.state = s;
  return r;
}

const std::string jobs = protocol::addresses::jobs;
const std::string archive = protocol::addresses::archive;

} // namespace

BOOST_AUTO_TEST_SUITE(history_checker)

BOOST_AUTO_TEST_CASE(a_consistent_history_passes) {
  BOOST_TEST(sim::check_history(ended_job()).empty());
}

BOOST_AUTO_TEST_CASE(an_attempt_on_a_node_that_was_not_running_is_a_violation) {
  auto j = ended_job();
  for (auto& e : j.history)
    e.node = "node-1";
  j.history[2].node = "node-2";
  // node-2 ran until 155 and came back at 300: the attempt of b (160 to 170) cannot be its.
  auto alive = [](const std::string& node, std::int64_t from, std::int64_t to) {
    return node == "node-1" || from <= 155 || to >= 300;
  };
  BOOST_TEST(mentions(sim::check_attempt_nodes(j, alive, 0),
                      "entry 2 (step b attempt 1) ran on node-2 from 160 to 170"));
  BOOST_TEST(sim::check_attempt_nodes(j, alive, 5).empty()); // within the clocks' skew
  j.history[2].result = "interrupted"; // a silent node's attempt, recorded by another
  BOOST_TEST(sim::check_attempt_nodes(j, alive, 0).empty());
}

BOOST_AUTO_TEST_CASE(a_gap_in_the_attempts_of_a_step_is_a_violation) {
  auto j = ended_job();
  j.history[1].attempt = 3;
  BOOST_TEST(mentions(sim::check_history(j), "entry 1 (step a attempt 3) follows attempt 1"));
}

BOOST_AUTO_TEST_CASE(a_first_attempt_numbered_two_is_a_violation) {
  auto j = ended_job();
  j.history[2].attempt = 2;
  BOOST_TEST(mentions(sim::check_history(j), "(step b attempt 2) follows no attempt"));
}

BOOST_AUTO_TEST_CASE(an_interrupted_attempt_counts_as_one) {
  auto j = ended_job();
  j.history.insert(j.history.begin() + 2, entry("b", 1, 155, 158, "interrupted"));
  j.history[3].attempt = 2;
  BOOST_TEST(sim::check_history(j).empty());
}

BOOST_AUTO_TEST_CASE(time_going_backwards_is_a_violation) {
  auto j = ended_job();
  j.history[2].end_ms = 159; // b ends before it starts
  BOOST_TEST(mentions(sim::check_history(j), "ends at 159 before it starts at 160"));
  j = ended_job();
  j.history[1].start_ms = 105; // the retry starts before the first attempt ended
  j.history[1].end_ms = 105;
  BOOST_TEST(mentions(sim::check_history(j), "before attempt 1 ended at 110"));
  j = ended_job();
  j.history[2].end_ms = 250; // after the job ended
  BOOST_TEST(mentions(sim::check_history(j), "after the job ended at 200"));
  j = ended_job();
  j.history[0].start_ms = 90; // before the job was created
  BOOST_TEST(mentions(sim::check_history(j), "before the job was created at 100"));
}

BOOST_AUTO_TEST_CASE(a_job_archived_with_a_step_to_run_is_a_violation) {
  auto j = ended_job();
  j.step = "b";
  BOOST_TEST(mentions(sim::check_history(j), "still to run"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lifecycle_checker)

BOOST_AUTO_TEST_CASE(attempts_before_the_end_pass) {
  std::vector<attempt_record> attempts{attempt(1, "a", 1), attempt(3, "b", 1)};
  std::vector<state_record> states{state(2, "b", job_state::running, jobs),
                                   state(4, "", job_state::finished, archive)};
  BOOST_TEST(sim::check_lifecycle(attempts, states).empty());
}

BOOST_AUTO_TEST_CASE(a_new_attempt_after_the_end_is_a_violation) {
  std::vector<attempt_record> attempts{attempt(1, "a", 1), attempt(3, "b", 1)};
  std::vector<state_record> states{state(2, "", job_state::finished, archive)};
  BOOST_TEST(mentions(sim::check_lifecycle(attempts, states),
                      "step b attempt 1 of job j-1 (at 3 ms) started after the job ended"));
}

BOOST_AUTO_TEST_CASE(a_re_run_of_an_attempt_after_the_end_is_at_least_once_not_a_violation) {
  // A node ran a, published the end and crashed before settling: another node runs a again.
  std::vector<attempt_record> attempts{attempt(1, "a", 1), attempt(3, "a", 1)};
  std::vector<state_record> states{state(2, "", job_state::finished, archive)};
  BOOST_TEST(sim::check_lifecycle(attempts, states).empty());
}

BOOST_AUTO_TEST_CASE(a_step_after_the_cancel_took_effect_is_a_violation) {
  // Branch 1 of a fork is canceled, then a step of that branch runs anyway.
  std::vector<state_record> states{
      state(1, "left", job_state::running, jobs, "split-0.1/"),
      state(2, "right", job_state::running, jobs, "split-0.0/"),
      state(3, "", job_state::canceled, "queue:boa.join.j-1.split-0", "split-0.1/")};
  std::vector<attempt_record> attempts{attempt(4, "left", 1)};
  BOOST_TEST(mentions(sim::check_lifecycle(attempts, states), "after the cancel took effect"));
  // The other branch has not met the cancel yet: it may run.
  attempts = {attempt(4, "right", 1)};
  BOOST_TEST(sim::check_lifecycle(attempts, states).empty());
}

BOOST_AUTO_TEST_CASE(a_step_while_suspended_is_a_violation_and_after_the_resume_is_not) {
  std::vector<state_record> states{
      state(1, "b", job_state::suspended, "queue:boa.suspended.j-1"),
      state(3, "b", job_state::running, jobs), // the resume
  };
  std::vector<attempt_record> attempts{attempt(2, "b", 1)};
  BOOST_TEST(mentions(sim::check_lifecycle(attempts, states), "while the job was suspended"));
  attempts = {attempt(4, "b", 1)};
  BOOST_TEST(sim::check_lifecycle(attempts, states).empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(final_data_checker)

namespace {

sim::planned_job planned(sim::shape s, std::size_t items = 0) {
  sim::planned_job p;
  p.id = "j-1";
  p.shape = s;
  p.items = items;
  return p;
}

protocol::job fork_join_finished() {
  auto j = ended_job();
  j.history.clear();
  for (const char* step : {"split", "left-1", "left-2", "right-1", "right-2", "gather", "report"})
    j.history.push_back(entry(step, 1, 120, 120));
  return j;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_join_that_merged_a_branch_twice_is_caught) {
  auto j = fork_join_finished();
  BOOST_TEST(sim::check_final_data(planned(sim::shape::fork_join), j).empty());
  j.history.push_back(entry("right-1", 1, 120, 120)); // branch 1 appended again
  j.history.push_back(entry("right-2", 1, 120, 120));
  auto v = sim::check_final_data(planned(sim::shape::fork_join), j);
  BOOST_TEST(mentions(v, "step right-1 succeeded 2 times"));
  BOOST_TEST(mentions(v, "finished with step right-2 done 2 times"));
}

BOOST_AUTO_TEST_CASE(a_join_that_lost_a_branch_is_caught) {
  auto j = fork_join_finished();
  j.history.erase(j.history.begin() + 1);
  BOOST_TEST(mentions(sim::check_final_data(planned(sim::shape::fork_join), j),
                      "finished with step left-1 done 0 times"));
}

BOOST_AUTO_TEST_CASE(a_reduce_that_counted_a_sub_job_twice_or_not_at_all_is_caught) {
  auto j = ended_job();
  j.history = {entry("split", 1, 120, 120), entry("total", 1, 130, 130)};
  j.props["total"] = sim::expected_total(3); // 1 + 2 + 4
  BOOST_TEST(sim::check_final_data(planned(sim::shape::map_reduce, 3), j).empty());
  j.props["total"] = sim::expected_total(3) + sim::item_weight(1); // item 1 twice
  BOOST_TEST(mentions(sim::check_final_data(planned(sim::shape::map_reduce, 3), j),
                      "reduce total 9 is not 7"));
  j.props["total"] = sim::expected_total(3) - sim::item_weight(2); // item 2 missing
  BOOST_TEST(mentions(sim::check_final_data(planned(sim::shape::map_reduce, 3), j),
                      "reduce total 3 is not 7"));
}

BOOST_AUTO_TEST_CASE(a_route_not_taken_by_the_result_is_caught) {
  auto j = ended_job();
  j.history = {entry("classify", 1, 120, 120, "express"), entry("ship-express", 1, 121, 121)};
  BOOST_TEST(sim::check_final_data(planned(sim::shape::routing), j).empty());
  j.history[1].step = "ship-standard";
  BOOST_TEST(mentions(sim::check_final_data(planned(sim::shape::routing), j),
                      "classify returned 'express' but the job went on to ship-standard"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(safety_checker_ends)

namespace {

/// Archives `j` through a broker core as a node would, and returns the checker's violations.
std::vector<std::string> archive_and_check(const protocol::job& j, bool cancel_asked,
                                           bool has_timeout) {
  auto core = std::make_shared<bus::broker_core>();
  sim::safety_checker checker{core};
  checker.expect(j.id);
  if (cancel_asked)
    checker.allow_cancel(j.id);
  if (has_timeout)
    checker.allow_timeout(j.id);
  protocol::envelope m;
  m.address = protocol::addresses::archive;
  m.subject = "job";
  m.body = protocol::serialize_job(j);
  BOOST_REQUIRE(core->publish(m).has_value());
  checker.settle();
  BOOST_TEST(checker.all_ended());
  return checker.violations();
}

} // namespace

BOOST_AUTO_TEST_CASE(a_canceled_job_is_ended_only_if_someone_asked) {
  auto j = ended_job();
  j.state = job_state::canceled;
  BOOST_TEST(archive_and_check(j, true, false).empty());
  BOOST_TEST(mentions(archive_and_check(j, false, false), "nobody asked to cancel it"));
}

BOOST_AUTO_TEST_CASE(a_timed_out_job_is_ended_only_if_it_has_a_timeout) {
  auto j = ended_job();
  j.state = job_state::error;
  j.error = "job exceeded its timeout of 50 ms";
  BOOST_TEST(archive_and_check(j, false, true).empty());
  BOOST_TEST(mentions(archive_and_check(j, false, false), "timed out, but it has no timeout"));
}

BOOST_AUTO_TEST_SUITE_END()
