#define BOOST_TEST_MODULE transition
#include <boost/test/unit_test.hpp>

#include "protocol/envelope.hpp"
#include "protocol/transition.hpp"
#include "protocol/workflow_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace {

namespace json = boost::json;
namespace transition = boa::protocol::transition;
namespace addresses = boa::protocol::addresses;
using boa::protocol::job;
using boa::protocol::job_state;
using boa::protocol::outbound_job;
using boa::protocol::properties;
using boa::protocol::step;
using boa::protocol::step_outcome;
using boa::protocol::workflow_ptr;
using strings = std::vector<std::string>;

constexpr std::string_view node = "node-1";

workflow_ptr load(std::string_view text) {
  auto d = boa::protocol::parse_workflow(text);
  std::string listing;
  for (const auto& p : d.problems)
    listing += boa::protocol::to_string(p) + "\n";
  BOOST_REQUIRE_MESSAGE(d.ok(), listing);
  return d.workflow;
}

const step& step_of(const job& j, std::string_view id) {
  const auto* s = j.workflow->def.find(id);
  BOOST_REQUIRE_MESSAGE(s != nullptr, "no step " << id);
  return *s;
}

properties object(std::string_view text) {
  return json::parse(text).as_object();
}

/// Runs the job's current step once with this outcome, as a worker would; returns the result.
std::string run(job& j, const step_outcome& outcome, std::int64_t now_ms = 1500) {
  const auto& s = step_of(j, j.step);
  transition::enter_step(j, s);
  boa::protocol::history_entry entry;
  entry.attempt = j.attempt;
  entry.node = std::string(node);
  entry.start_ms = now_ms;
  entry.end_ms = now_ms;
  return transition::record_attempt(j, s, outcome, std::move(entry));
}

step_outcome ok(std::string_view returned) {
  return step_outcome::success(json::parse(returned));
}

/// `transition::advance` from the step with this id; the step outlives the moved-from job.
std::vector<outbound_job> advance_from(job j, std::string_view step_id, const std::string& result,
                                       std::int64_t now_ms) {
  const auto wf = j.workflow;
  const auto* s = wf->def.find(step_id);
  BOOST_REQUIRE_MESSAGE(s != nullptr, "no step " << step_id);
  return transition::advance(std::move(j), *s, result, now_ms);
}

/// Runs the current step and routes its result; expects exactly one message out.
outbound_job step_once(job j, const step_outcome& outcome, std::int64_t now_ms = 2000) {
  const auto id = j.step;
  auto result = run(j, outcome);
  auto out = advance_from(std::move(j), id, result, now_ms);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  return std::move(out.front());
}

strings steps_of(const job& j) {
  strings out;
  for (const auto& e : j.history)
    out.push_back(e.step);
  return out;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// ---- linear workflows ---------------------------------------------------------------------------

constexpr std::string_view linear_text = R"({
  "name": "linear",
  "properties": {"a": "definition", "b": "definition", "c": "definition", "d": "definition"},
  "steps": [
    {"id": "first", "run": "noop", "properties": {"c": "step", "d": "step"},
     "retry": {"max": 3, "backoff_ms": 100, "multiplier": 2},
     "next": [["ok", "second"], ["error", "recover"]]},
    {"id": "second", "run": "noop", "next": [["again", "first"]]},
    {"id": "recover", "run": "noop"}
  ]})";

constexpr std::string_view fragile_text = R"({
  "name": "fragile",
  "steps": [
    {"id": "only", "run": "noop", "next": [["*", "after"]]},
    {"id": "after", "run": "noop"}
  ]})";

} // namespace

BOOST_AUTO_TEST_SUITE(linear_jobs)

BOOST_AUTO_TEST_CASE(start_puts_start_properties_over_the_definition_and_waits_at_the_entry_step) {
  auto wf = load(linear_text);
  auto j =
      transition::start("job-1", wf, object(R"({"b": "start", "c": "start", "e": "start"})"), 1000);
  BOOST_TEST(j.id == "job-1");
  BOOST_TEST(j.props == object(R"({"a": "definition", "b": "start", "c": "start",
                                   "d": "definition", "e": "start"})"));
  BOOST_TEST(j.step == "first");
  BOOST_TEST((j.state == job_state::initial));
  BOOST_TEST(j.created_ms == 1000);
  BOOST_TEST(j.updated_ms == 1000);
  BOOST_TEST(j.deadline_ms == 0);
  BOOST_TEST(j.history.empty());
  BOOST_TEST(j.workflow == wf);
}

BOOST_AUTO_TEST_CASE(start_sets_the_deadline_from_the_workflow_timeout) {
  auto wf = load(R"({"name": "timed", "timeout_ms": 5000, "steps": [{"id": "s", "run": "noop"}]})");
  auto j = transition::start("job-1", wf, {}, 1000);
  BOOST_TEST(j.deadline_ms == 6000);
}

BOOST_AUTO_TEST_CASE(properties_merge_in_the_order_definition_start_step_result) {
  auto j = transition::start("job-1", load(linear_text),
                             object(R"({"b": "start", "c": "start", "d": "start"})"), 1000);
  transition::enter_step(j, step_of(j, "first"));
  BOOST_TEST((j.state == job_state::running));
  BOOST_TEST(j.props == object(R"({"a": "definition", "b": "start", "c": "step", "d": "step"})"));

  boa::protocol::history_entry entry;
  entry.node = "node-7";
  entry.attempt = 2;
  auto result = transition::record_attempt(j, step_of(j, "first"),
                                           ok(R"({"exit": "OK", "d": "result"})"), entry);
  BOOST_TEST(result == "ok");
  BOOST_TEST(j.props == object(R"({"a": "definition", "b": "start", "c": "step", "d": "result"})"));
  BOOST_REQUIRE_EQUAL(j.history.size(), 1u);
  BOOST_TEST(j.history[0].step == "first");
  BOOST_TEST(j.history[0].result == "ok");
  BOOST_TEST(j.history[0].error == "");
  BOOST_TEST(j.history[0].node == "node-7");
  BOOST_TEST(j.history[0].attempt == 2);
}

BOOST_AUTO_TEST_CASE(a_failed_attempt_records_the_error_and_leaves_the_properties_alone) {
  auto j = transition::start("job-1", load(linear_text), {}, 1000);
  transition::enter_step(j, step_of(j, "first"));
  const auto before = j.props;
  auto result = run(j, step_outcome::failure("disk full"));
  BOOST_TEST(result == "error");
  BOOST_TEST(j.props == before);
  BOOST_REQUIRE_EQUAL(j.history.size(), 1u);
  BOOST_TEST(j.history[0].result == "error");
  BOOST_TEST(j.history[0].error == "disk full");
  BOOST_TEST(j.error == "step 'first' failed: disk full");
}

BOOST_AUTO_TEST_CASE(retry_delay_grows_exponentially_and_is_minus_one_after_the_last_retry) {
  auto wf = load(R"({"name": "retries", "steps": [
    {"id": "doubling", "run": "noop", "retry": {"max": 3, "backoff_ms": 100, "multiplier": 2},
     "next": [["*", "flat"]]},
    {"id": "flat", "run": "noop", "retry": {"max": 2, "backoff_ms": 50}, "next": [["*", "none"]]},
    {"id": "none", "run": "noop", "next": [["*", "zero"]]},
    {"id": "zero", "run": "noop", "retry": {"max": 0, "backoff_ms": 10}, "next": [["*", "huge"]]},
    {"id": "huge", "run": "noop", "retry": {"max": 5, "backoff_ms": 3600000, "multiplier": 10}}
  ]})");
  const auto& w = wf->def;
  BOOST_TEST(transition::retry_delay_ms(*w.find("doubling"), 1) == 100);
  BOOST_TEST(transition::retry_delay_ms(*w.find("doubling"), 2) == 200);
  BOOST_TEST(transition::retry_delay_ms(*w.find("doubling"), 3) == 400);
  BOOST_TEST(transition::retry_delay_ms(*w.find("doubling"), 4) == -1);
  BOOST_TEST(transition::retry_delay_ms(*w.find("flat"), 1) == 50);
  BOOST_TEST(transition::retry_delay_ms(*w.find("flat"), 2) == 50);
  BOOST_TEST(transition::retry_delay_ms(*w.find("flat"), 3) == -1);
  BOOST_TEST(transition::retry_delay_ms(*w.find("none"), 1) == -1);
  BOOST_TEST(transition::retry_delay_ms(*w.find("zero"), 1) == -1);
  // Capped at one day, however large the exponent makes it.
  BOOST_TEST(transition::retry_delay_ms(*w.find("huge"), 5) == 24 * 3600 * 1000);
}

BOOST_AUTO_TEST_CASE(advancing_on_a_matching_result_continues_at_the_next_step_on_the_jobs_queue) {
  auto j = transition::start("job-1", load(linear_text), {}, 1000);
  j.attempt = 3;
  auto result = run(j, ok(R"({"exit": "ok", "p": 1})"));
  auto out = advance_from(std::move(j), "first", result, 2000);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].address == addresses::jobs);
  const auto& next = out[0].state;
  BOOST_TEST(next.step == "second");
  BOOST_TEST((next.state == job_state::running));
  BOOST_TEST(next.attempt == 1);
  BOOST_TEST(next.updated_ms == 2000);
  BOOST_TEST(next.ended_ms == 0);
  BOOST_TEST(next.props.at("p") == json::value(1));
  BOOST_TEST(steps_of(next) == (strings{"first"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(advancing_on_an_error_follows_the_error_route_and_clears_the_error) {
  auto j = transition::start("job-1", load(linear_text), {}, 1000);
  auto out = step_once(std::move(j), step_outcome::failure("timeout"));
  BOOST_TEST(out.address == addresses::jobs);
  BOOST_TEST(out.state.step == "recover");
  BOOST_TEST((out.state.state == job_state::running));
  BOOST_TEST(out.state.error == "");
  BOOST_TEST(out.state.history.back().error == "timeout");
}

BOOST_AUTO_TEST_CASE(a_result_without_a_route_finishes_the_job_into_the_archive) {
  auto j = transition::start("job-1", load(linear_text), {}, 1000);
  j = step_once(std::move(j), ok(R"("ok")")).state;
  BOOST_REQUIRE(j.step == "second");
  auto out = step_once(std::move(j), ok(R"("done")"), 3000);
  BOOST_TEST(out.address == addresses::archive);
  BOOST_TEST((out.state.state == job_state::finished));
  BOOST_TEST(out.state.step == "");
  BOOST_TEST(out.state.error == "");
  BOOST_TEST(out.state.ended_ms == 3000);
  BOOST_TEST(out.state.updated_ms == 3000);
  BOOST_TEST(steps_of(out.state) == (strings{"first", "second"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_error_without_an_error_route_ends_the_job_in_error_with_the_steps_text) {
  auto j = transition::start("job-1", load(fragile_text), {}, 1000);
  auto out = step_once(std::move(j), step_outcome::failure("disk full"), 2500);
  BOOST_TEST(out.address == addresses::archive);
  BOOST_TEST((out.state.state == job_state::error));
  BOOST_TEST(out.state.error == "step 'only' failed: disk full");
  BOOST_TEST(out.state.ended_ms == 2500);
}

BOOST_AUTO_TEST_CASE(an_error_without_an_error_route_takes_its_text_from_history_if_needed) {
  auto j = transition::start("job-1", load(fragile_text), {}, 1000);
  auto result = run(j, step_outcome::failure("disk full"));
  j.error.clear();
  auto out = advance_from(std::move(j), "only", result, 2000);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST((out[0].state.state == job_state::error));
  BOOST_TEST(out[0].state.error == "step 'only' failed: disk full");
}

BOOST_AUTO_TEST_CASE(a_sub_job_that_ends_is_also_published_to_its_parents_reduce_queue) {
  auto j = transition::start("parent-1.split-1.0", load(fragile_text), {}, 1000);
  j.parent_id = "parent-1";
  j.parent_step = "split-1";
  j.item_index = 0;
  j = step_once(std::move(j), ok("{}")).state;
  auto result = run(j, ok(R"({"v": 1})"));
  auto out = advance_from(std::move(j), "after", result, 3000);
  BOOST_REQUIRE_EQUAL(out.size(), 2u);
  BOOST_TEST(out[0].address == addresses::reduce_queue("parent-1", "split-1"));
  BOOST_TEST(out[1].address == addresses::archive);
  for (const auto& o : out) {
    BOOST_TEST((o.state.state == job_state::finished));
    BOOST_TEST(o.state.id == "parent-1.split-1.0");
    BOOST_TEST(o.state.props.at("v") == json::value(1));
  }
}

BOOST_AUTO_TEST_CASE(a_sub_job_that_fails_reports_its_error_to_the_parents_reduce_queue) {
  auto j = transition::start("parent-1.split-1.1", load(fragile_text), {}, 1000);
  j.parent_id = "parent-1";
  j.parent_step = "split-1";
  auto result = run(j, step_outcome::failure("bad item"));
  auto out = advance_from(std::move(j), "only", result, 3000);
  BOOST_REQUIRE_EQUAL(out.size(), 2u);
  BOOST_TEST(out[0].address == addresses::reduce_queue("parent-1", "split-1"));
  BOOST_TEST((out[0].state.state == job_state::error));
  BOOST_TEST(out[0].state.error == "step 'only' failed: bad item");
  BOOST_TEST(out[1].address == addresses::archive);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- parallel steps and joins -------------------------------------------------------------------

namespace {

/// split forks into left, middle and right; left and middle always lead to the join, right only
/// on "ok" (otherwise its branch ends inside the fork).
workflow_ptr fan_workflow(std::string_view join, std::string_view routes) {
  std::string text = R"({"name": "fan", "properties": {"shared": "base"}, "steps": [
    {"id": "split", "run": "noop", "parallel": true,
     "next": [["*", "left"], ["*", "middle"], ["*", "right"]]},
    {"id": "left", "run": "noop", "next": [["*", "meet"]]},
    {"id": "middle", "run": "noop", "next": [["*", "meet"]]},
    {"id": "right", "run": "noop", "next": [["ok", "meet"]]},
    {"id": "meet", "join": )";
  text += join;
  text += R"(, "next": [)";
  text += routes;
  text += R"(]},
    {"id": "after", "run": "noop"},
    {"id": "cleanup", "run": "noop"}
  ]})";
  return load(text);
}

std::vector<outbound_job> fork(const workflow_ptr& wf) {
  auto j = transition::start("job-7", wf, {}, 1000);
  auto result = run(j, ok(R"({"forked": true})"));
  return advance_from(std::move(j), "split", result, 1100);
}

/// The three branches of `wf` after running their first step with these outcomes.
struct arrival {
  job main, second, third;
};

arrival arrive(const workflow_ptr& wf, const step_outcome& main_outcome,
               const step_outcome& second_outcome, const step_outcome& third_outcome) {
  auto out = fork(wf);
  BOOST_REQUIRE_EQUAL(out.size(), 3u);
  return {step_once(std::move(out[0].state), main_outcome).state,
          step_once(std::move(out[1].state), second_outcome).state,
          step_once(std::move(out[2].state), third_outcome).state};
}

arrival arrive_with_properties(const workflow_ptr& wf) {
  return arrive(wf, ok(R"({"x": 0, "only_main": 0})"), ok(R"({"x": 1, "y": 1})"),
                ok(R"({"exit": "ok", "x": 2, "y": 2, "z": 2})"));
}

} // namespace

BOOST_AUTO_TEST_SUITE(forks_and_joins)

BOOST_AUTO_TEST_CASE(a_parallel_step_forks_one_branch_per_matching_route) {
  auto out = fork(fan_workflow("true", R"(["*", "after"])"));
  BOOST_REQUIRE_EQUAL(out.size(), 3u);
  const strings targets = {"left", "middle", "right"};
  const auto fork_id = out[0].state.forks.at(0).fork_id;
  BOOST_TEST(!fork_id.empty());
  for (int i = 0; i < 3; ++i) {
    const auto& b = out[static_cast<std::size_t>(i)];
    BOOST_TEST_CONTEXT("branch " << i) {
      BOOST_TEST(b.address == addresses::jobs);
      BOOST_TEST(b.state.id == "job-7");
      BOOST_TEST(b.state.step == targets[static_cast<std::size_t>(i)]);
      BOOST_TEST((b.state.state == job_state::running));
      BOOST_TEST(b.state.props == object(R"({"shared": "base", "forked": true})"));
      BOOST_REQUIRE_EQUAL(b.state.forks.size(), 1u);
      const auto& f = b.state.forks[0];
      BOOST_TEST(f.fork_id == fork_id);
      BOOST_TEST(f.fork_step == "split");
      BOOST_TEST(f.branch == i);
      BOOST_TEST(f.branches == 3);
      BOOST_TEST(!transition::is_rendezvous(b.state));
    }
  }
  // Only the main branch keeps what happened before the fork; the join appends the others.
  BOOST_TEST(steps_of(out[0].state) == (strings{"split"}), boost::test_tools::per_element());
  BOOST_TEST(out[1].state.history.empty());
  BOOST_TEST(out[2].state.history.empty());
}

BOOST_AUTO_TEST_CASE(forks_at_different_points_of_a_job_have_different_ids) {
  auto wf = fan_workflow("true", R"(["*", "after"])");
  auto first = fork(wf);
  auto j = transition::start("job-7", wf, {}, 1000);
  run(j, ok("{}"));
  run(j, ok("{}")); // the same step again: a later point of the job
  auto later = advance_from(std::move(j), "split", "", 1100);
  BOOST_REQUIRE(!later.empty());
  BOOST_TEST(first[0].state.forks[0].fork_id != later[0].state.forks[0].fork_id);
}

BOOST_AUTO_TEST_CASE(nested_forks_in_sibling_branches_have_different_ids) {
  // Every outer branch reaches the same parallel step after the same number of steps.
  auto wf = load(R"({"name": "nested", "steps": [
    {"id": "outer", "run": "noop", "parallel": true, "next": [["*", "a"], ["*", "b"], ["*", "c"]]},
    {"id": "a", "run": "noop", "next": [["*", "inner"]]},
    {"id": "b", "run": "noop", "next": [["*", "inner"]]},
    {"id": "c", "run": "noop", "next": [["*", "inner"]]},
    {"id": "inner", "run": "noop", "parallel": true, "next": [["*", "x"], ["*", "y"]]},
    {"id": "x", "run": "noop", "next": [["*", "inner-meet"]]},
    {"id": "y", "run": "noop", "next": [["*", "inner-meet"]]},
    {"id": "inner-meet", "join": true, "next": [["*", "outer-meet"]]},
    {"id": "outer-meet", "join": true}
  ]})");
  auto j = transition::start("job-7", wf, {}, 1000);
  auto result = run(j, ok("{}"));
  auto outer = advance_from(std::move(j), "outer", result, 1100);
  BOOST_REQUIRE_EQUAL(outer.size(), 3u);
  std::vector<std::vector<outbound_job>> inner;
  for (auto& branch : outer) {
    auto at_inner = step_once(std::move(branch.state), ok("{}")).state;
    BOOST_REQUIRE(at_inner.step == "inner");
    auto r = run(at_inner, ok("{}"));
    inner.push_back(advance_from(std::move(at_inner), "inner", r, 1200));
    BOOST_REQUIRE_EQUAL(inner.back().size(), 2u);
    BOOST_REQUIRE_EQUAL(inner.back()[1].state.forks.size(), 2u);
  }
  // Their inner branches meet in different join queues, so no waiter takes another's branch.
  std::vector<std::string> join_queues;
  for (auto& fork : inner)
    join_queues.push_back(step_once(std::move(fork[1].state), ok("{}")).address);
  for (std::size_t i = 0; i < join_queues.size(); ++i)
    for (std::size_t k = i + 1; k < join_queues.size(); ++k)
      BOOST_TEST(join_queues[i] != join_queues[k], "outer branches " << i << " and " << k);
}

BOOST_AUTO_TEST_CASE(an_inner_join_hands_a_non_main_outer_branch_on_to_the_outer_join_queue) {
  auto wf = load(R"({"name": "nested", "steps": [
    {"id": "outer", "run": "noop", "parallel": true, "next": [["*", "a"], ["*", "inner"]]},
    {"id": "a", "run": "noop", "next": [["*", "outer-meet"]]},
    {"id": "inner", "run": "noop", "parallel": true, "next": [["*", "x"], ["*", "y"]]},
    {"id": "x", "run": "noop", "next": [["*", "inner-meet"]]},
    {"id": "y", "run": "noop", "next": [["*", "inner-meet"]]},
    {"id": "inner-meet", "join": true, "next": [["*", "outer-meet"]]},
    {"id": "outer-meet", "join": true}
  ]})");
  auto j = transition::start("job-7", wf, {}, 1000);
  auto result = run(j, ok("{}"));
  auto outer = advance_from(std::move(j), "outer", result, 1100);
  BOOST_REQUIRE_EQUAL(outer.size(), 2u);
  const auto outer_fork = outer[1].state.forks[0].fork_id;
  auto r = run(outer[1].state, ok("{}"));
  auto inner = advance_from(std::move(outer[1].state), "inner", r, 1200);
  BOOST_REQUIRE_EQUAL(inner.size(), 2u);
  auto x = step_once(std::move(inner[0].state), ok(R"({"x": 1})"));
  auto y = step_once(std::move(inner[1].state), ok(R"({"y": 1})"));
  BOOST_TEST(x.address == addresses::jobs);
  BOOST_TEST(transition::is_rendezvous(x.state));
  BOOST_TEST(y.address != addresses::jobs);

  auto joined = transition::join(std::move(x.state), {y.state}, 1300, "node-9");
  BOOST_REQUIRE_EQUAL(joined.size(), 1u);
  BOOST_TEST(joined[0].address == addresses::join_queue("job-7", outer_fork));
  BOOST_TEST(joined[0].state.step == "outer-meet");
  BOOST_REQUIRE_EQUAL(joined[0].state.forks.size(), 1u);
  BOOST_TEST(joined[0].state.forks[0].branch == 1);
  BOOST_TEST(joined[0].state.props == object(R"({"x": 1, "y": 1})"));
}

BOOST_AUTO_TEST_CASE(a_non_main_branch_whose_next_step_is_the_join_goes_to_the_join_queue) {
  auto out = fork(fan_workflow("true", R"(["*", "after"])"));
  const auto fork_id = out[1].state.forks[0].fork_id;
  auto arrived = step_once(std::move(out[1].state), ok("{}"));
  BOOST_TEST(arrived.address == addresses::join_queue("job-7", fork_id));
  BOOST_TEST(arrived.state.step == "meet");
  BOOST_TEST(!transition::is_rendezvous(arrived.state));
  BOOST_TEST(transition::address_for(arrived.state) == arrived.address);
}

BOOST_AUTO_TEST_CASE(the_main_branch_reaching_the_join_stays_on_the_jobs_queue_as_the_rendezvous) {
  auto out = fork(fan_workflow("true", R"(["*", "after"])"));
  auto arrived = step_once(std::move(out[0].state), ok("{}"));
  BOOST_TEST(arrived.address == addresses::jobs);
  BOOST_TEST(arrived.state.step == "meet");
  BOOST_TEST(transition::is_rendezvous(arrived.state));
}

BOOST_AUTO_TEST_CASE(a_non_main_branch_that_ends_goes_to_the_join_queue_and_not_the_archive) {
  auto out = fork(fan_workflow("true", R"(["*", "after"])"));
  const auto fork_id = out[2].state.forks[0].fork_id;
  auto ended = step_once(std::move(out[2].state), ok(R"("skipped")"));
  BOOST_TEST(ended.address == addresses::join_queue("job-7", fork_id));
  BOOST_TEST((ended.state.state == job_state::finished));
  BOOST_TEST(ended.state.step == "");
  BOOST_TEST(ended.state.forks.size() == 1u);
  BOOST_TEST(!transition::is_rendezvous(ended.state));
}

BOOST_AUTO_TEST_CASE(a_main_branch_that_ends_inside_the_fork_is_the_rendezvous) {
  auto out = fork(fan_workflow("true", R"(["*", "after"])"));
  auto ended = step_once(std::move(out[0].state), step_outcome::failure("boom"));
  BOOST_TEST(ended.address == addresses::jobs);
  BOOST_TEST((ended.state.state == job_state::error));
  BOOST_TEST(transition::is_rendezvous(ended.state));
}

BOOST_AUTO_TEST_CASE(a_job_outside_any_fork_is_never_a_rendezvous) {
  auto wf = fan_workflow("true", R"(["*", "after"])");
  auto j = transition::start("job-7", wf, {}, 1000);
  j.step = "meet";
  BOOST_TEST(!transition::is_rendezvous(j));
  j.state = job_state::finished;
  BOOST_TEST(!transition::is_rendezvous(j));
}

BOOST_AUTO_TEST_CASE(a_join_with_last_writer_wins_applies_branches_in_branch_order) {
  auto a = arrive_with_properties(fan_workflow("true", R"(["*", "after"])"));
  // The other branches arrive in any order; the join sorts them.
  auto out = transition::join(std::move(a.main), {a.third, a.second}, 4000, "node-9");
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].state.props == object(R"({"shared": "base", "forked": true, "x": 2, "y": 2,
                                              "z": 2, "only_main": 0})"));
}

BOOST_AUTO_TEST_CASE(a_join_with_first_writer_wins_keeps_what_an_earlier_branch_set) {
  auto a = arrive_with_properties(
      fan_workflow(R"({"merge": "first-writer-wins"})", R"(["*", "after"])"));
  auto out = transition::join(std::move(a.main), {a.third, a.second}, 4000, "node-9");
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].state.props == object(R"({"shared": "base", "forked": true, "x": 0, "y": 1,
                                              "z": 2, "only_main": 0})"));
}

BOOST_AUTO_TEST_CASE(a_join_by_branch_keeps_each_branchs_properties_apart) {
  auto a = arrive_with_properties(fan_workflow(R"({"merge": "by-branch"})", R"(["*", "after"])"));
  auto out = transition::join(std::move(a.main), {a.third, a.second}, 4000, "node-9");
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  const auto& props = out[0].state.props;
  BOOST_TEST(props.at("split.0") ==
             json::value(object(R"({"shared": "base", "forked": true, "x": 0, "only_main": 0})")));
  BOOST_TEST(props.at("split.1") ==
             json::value(object(R"({"shared": "base", "forked": true, "x": 1, "y": 1})")));
  BOOST_TEST(props.at("split.2") ==
             json::value(object(R"({"shared": "base", "forked": true, "x": 2, "y": 2, "z": 2})")));
  // The job's own top-level properties are the main branch's; nothing else leaks in.
  BOOST_TEST(props.at("x") == json::value(0));
  BOOST_TEST(!props.contains("y"));
  BOOST_TEST(!props.contains("z"));
}

BOOST_AUTO_TEST_CASE(a_join_appends_branch_histories_and_routes_past_the_join) {
  auto a = arrive_with_properties(fan_workflow("true", R"(["*", "after"])"));
  BOOST_REQUIRE(transition::is_rendezvous(a.main));
  auto out = transition::join(std::move(a.main), {a.third, a.second}, 4000, "node-9");
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].address == addresses::jobs);
  const auto& j = out[0].state;
  BOOST_TEST(j.step == "after");
  BOOST_TEST((j.state == job_state::running));
  BOOST_TEST(j.forks.empty());
  BOOST_TEST(steps_of(j) == (strings{"split", "left", "middle", "right", "meet"}),
             boost::test_tools::per_element());
  const auto& meet = j.history.back();
  BOOST_TEST(meet.node == "node-9");
  BOOST_TEST(meet.start_ms == 4000);
  BOOST_TEST(meet.end_ms == 4000);
  BOOST_TEST(meet.result == "");
  BOOST_TEST(meet.error == "");
}

BOOST_AUTO_TEST_CASE(a_failed_branch_makes_the_join_result_error_for_an_explicit_error_route) {
  auto a = arrive(fan_workflow("true", R"(["error", "cleanup"], ["*", "after"])"), ok("{}"),
                  ok("{}"), step_outcome::failure("boom"));
  BOOST_REQUIRE((a.third.state == job_state::error));
  auto out = transition::join(std::move(a.main), {a.second, a.third}, 4000, "node-9");
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].address == addresses::jobs);
  BOOST_TEST(out[0].state.step == "cleanup");
  BOOST_TEST((out[0].state.state == job_state::running));
  const auto& meet = out[0].state.history.back();
  BOOST_TEST(meet.step == "meet");
  BOOST_TEST(meet.result == "error");
  BOOST_TEST(contains(meet.error, "branch 2"), meet.error);
  BOOST_TEST(contains(meet.error, "boom"), meet.error);
}

BOOST_AUTO_TEST_CASE(a_failed_branch_without_an_error_route_ends_the_job_naming_the_branch) {
  auto a = arrive(fan_workflow("true", R"(["*", "after"])"), ok("{}"),
                  step_outcome::failure("boom"), ok(R"("ok")"));
  auto out = transition::join(std::move(a.main), {a.second, a.third}, 4000, "node-9");
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].address == addresses::archive);
  const auto& j = out[0].state;
  BOOST_TEST((j.state == job_state::error));
  BOOST_TEST(j.forks.empty());
  BOOST_TEST(j.ended_ms == 4000);
  BOOST_TEST(contains(j.error, "branch 1"), j.error);
  BOOST_TEST(contains(j.error, "boom"), j.error);
}

BOOST_AUTO_TEST_CASE(a_canceled_branch_cancels_the_job) {
  auto a = arrive_with_properties(fan_workflow("true", R"(["error", "cleanup"], ["*", "after"])"));
  auto canceled = transition::end(std::move(a.second), job_state::canceled, "canceled", 3000);
  BOOST_REQUIRE_EQUAL(canceled.size(), 1u);
  auto out =
      transition::join(std::move(a.main), {a.third, std::move(canceled[0].state)}, 4000, "node-9");
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].address == addresses::archive);
  BOOST_TEST((out[0].state.state == job_state::canceled));
  BOOST_TEST(out[0].state.step == "");
}

BOOST_AUTO_TEST_CASE(a_fork_whose_branches_all_end_before_the_join_ends_the_job) {
  auto wf = fan_workflow("true", R"(["*", "after"])");
  auto out = fork(wf);
  auto main = step_once(std::move(out[0].state), step_outcome::failure("first")).state;
  auto second = step_once(std::move(out[1].state), step_outcome::failure("second")).state;
  auto third = step_once(std::move(out[2].state), ok(R"("no")")).state;
  BOOST_REQUIRE(transition::is_rendezvous(main));
  auto ended = transition::join(std::move(main), {third, second}, 4000, "node-9");
  BOOST_REQUIRE_EQUAL(ended.size(), 1u);
  BOOST_TEST(ended[0].address == addresses::archive);
  BOOST_TEST((ended[0].state.state == job_state::error));
  BOOST_TEST(contains(ended[0].state.error, "branch 0"), ended[0].state.error);
  BOOST_TEST(contains(ended[0].state.error, "branch 1"), ended[0].state.error);

  // Without a failure the job finishes.
  out = fork(wf);
  main = step_once(std::move(out[0].state), step_outcome::failure("first")).state;
  main.state = job_state::finished;
  main.error.clear();
  third = step_once(std::move(out[2].state), ok(R"("no")")).state;
  auto finished = transition::join(std::move(main), {third}, 4000, "node-9");
  BOOST_REQUIRE_EQUAL(finished.size(), 1u);
  BOOST_TEST(finished[0].address == addresses::archive);
  BOOST_TEST((finished[0].state.state == job_state::finished));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- map and reduce -----------------------------------------------------------------------------

namespace {

constexpr std::string_view item_text = R"({"name": "item-flow", "properties": {"origin": "sub"},
  "steps": [{"id": "work", "run": "noop"}]})";

workflow_ptr mapper_workflow(std::string_view reduce, std::string_view routes) {
  std::string text = R"({"name": "mapper", "steps": [
    {"id": "prepare", "run": "noop", "next": [["*", "split"]]},
    {"id": "split", "map": {"workflow": "item-flow", "items": "list"}, "next": [["*", "gather"]]},
    {"id": "gather", "reduce": )";
  text += reduce;
  text += R"(, "next": [)";
  text += routes;
  text += R"(]},
    {"id": "done", "run": "noop"},
    {"id": "failed", "run": "noop"}
  ]})";
  return load(text);
}

constexpr std::string_view both_routes = R"(["error", "failed"], ["*", "done"])";

struct mapped {
  std::string key;
  transition::map_fanout fan;
};

/// Runs the parent up to its map step and fans `items` out, as the job runner does.
mapped map_items(const workflow_ptr& wf, std::string_view items) {
  auto j = transition::start("parent-1", wf, {}, 1000);
  j = step_once(std::move(j), ok("{}")).state;
  BOOST_REQUIRE(j.step == "split");
  const auto& split = step_of(j, "split");
  auto key = transition::reduce_key(j, split);
  run(j, ok("null"));
  auto fan = transition::start_map(std::move(j), split, key, json::parse(items).as_array(),
                                   load(item_text), 2000);
  return {key, std::move(fan)};
}

/// Runs a sub-job's only step and returns the state it reports to its parent's reduce queue.
job finish_sub_job(job sub, const step_outcome& outcome) {
  auto result = run(sub, outcome);
  auto out = advance_from(std::move(sub), "work", result, 2500);
  BOOST_REQUIRE_EQUAL(out.size(), 2u);
  BOOST_TEST(out[0].address ==
             addresses::reduce_queue(out[0].state.parent_id, out[0].state.parent_step));
  return std::move(out[0].state);
}

/// Folds every sub-job of `m` (finishing each with its own properties unchanged) in this order.
job fold_all(mapped& m, const std::vector<std::size_t>& order) {
  auto parent = std::move(m.fan.parent.state);
  const auto& gather = step_of(parent, "gather");
  for (auto i : order)
    BOOST_TEST(transition::fold(parent, gather, finish_sub_job(m.fan.sub_jobs.at(i), ok("{}"))));
  return parent;
}

outbound_job finish(job parent) {
  BOOST_REQUIRE(transition::reduce_complete(parent));
  const auto wf = parent.workflow;
  auto out = transition::finish_reduce(std::move(parent), *wf->def.find("gather"), 5000, "node-3");
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  return std::move(out.front());
}

} // namespace

BOOST_AUTO_TEST_SUITE(map_and_reduce)

BOOST_AUTO_TEST_CASE(start_map_starts_one_sub_job_per_item_with_the_item_as_its_properties) {
  auto m = map_items(mapper_workflow(R"({"fold": "collect"})", both_routes),
                     R"([{"n": 1, "name": "a"}, 5, "x"])");
  BOOST_TEST(m.key.rfind("split", 0) == 0u, m.key);
  const auto& subs = m.fan.sub_jobs;
  BOOST_REQUIRE_EQUAL(subs.size(), 3u);
  const std::vector<properties> expected = {
      object(R"({"origin": "sub", "n": 1, "name": "a"})"),
      object(R"({"origin": "sub", "item": 5})"),
      object(R"({"origin": "sub", "item": "x"})"),
  };
  for (std::size_t i = 0; i < subs.size(); ++i) {
    BOOST_TEST_CONTEXT("item " << i) {
      BOOST_TEST(subs[i].id == "parent-1." + m.key + "." + std::to_string(i));
      BOOST_TEST(subs[i].props == expected[i]);
      BOOST_TEST(subs[i].parent_id == "parent-1");
      BOOST_TEST(subs[i].parent_step == m.key);
      BOOST_TEST(subs[i].item_index == static_cast<std::int64_t>(i));
      BOOST_TEST(subs[i].step == "work");
      BOOST_TEST((subs[i].state == job_state::initial));
      BOOST_TEST(subs[i].created_ms == 2000);
      BOOST_TEST(subs[i].workflow->def.name == "item-flow");
    }
  }
}

BOOST_AUTO_TEST_CASE(start_map_moves_the_parent_to_its_reduce_step_waiting_for_every_item) {
  auto m = map_items(mapper_workflow(R"({"fold": "collect"})", both_routes), "[1, 2, 3]");
  const auto& parent = m.fan.parent;
  BOOST_TEST(parent.address == addresses::jobs);
  BOOST_TEST(parent.state.step == "gather");
  BOOST_TEST((parent.state.state == job_state::running));
  BOOST_TEST(parent.state.attempt == 1);
  BOOST_REQUIRE(parent.state.reduce.has_value());
  BOOST_TEST(parent.state.reduce->map_step == m.key);
  BOOST_TEST(parent.state.reduce->expected == 3);
  BOOST_TEST(parent.state.reduce->folded.empty());
  BOOST_TEST(!transition::reduce_complete(parent.state));
}

BOOST_AUTO_TEST_CASE(a_redelivered_map_step_gets_the_same_reduce_key_and_sub_job_ids) {
  auto wf = mapper_workflow(R"({"fold": "collect"})", both_routes);
  auto first = map_items(wf, "[1, 2]");
  auto again = map_items(wf, "[1, 2]");
  BOOST_TEST(first.key == again.key);
  BOOST_TEST(first.fan.sub_jobs[1].id == again.fan.sub_jobs[1].id);
}

BOOST_AUTO_TEST_CASE(map_steps_in_sibling_branches_feed_different_reduces) {
  auto wf = load(R"({"name": "branch-maps", "steps": [
    {"id": "split", "run": "noop", "parallel": true,
     "next": [["*", "split-items"], ["*", "split-items"], ["*", "split-items"]]},
    {"id": "split-items", "map": {"workflow": "item-flow", "items": "list"},
     "next": [["*", "gather"]]},
    {"id": "gather", "reduce": {"fold": "collect"}, "next": [["*", "meet"]]},
    {"id": "meet", "join": true}
  ]})");
  auto j = transition::start("parent-1", wf, object(R"({"list": [1, 2]})"), 1000);
  auto result = run(j, ok("{}"));
  auto branches = advance_from(std::move(j), "split", result, 1100);
  BOOST_REQUIRE_EQUAL(branches.size(), 3u);
  strings keys, reduce_queues, first_sub_jobs;
  for (auto& b : branches) {
    auto& branch = b.state;
    const auto& map_step = step_of(branch, "split-items");
    auto key = transition::reduce_key(branch, map_step);
    run(branch, ok("null"));
    auto fan = transition::start_map(std::move(branch), map_step, key,
                                     json::parse("[1, 2]").as_array(), load(item_text), 1200);
    BOOST_REQUIRE_EQUAL(fan.sub_jobs.size(), 2u);
    keys.push_back(key);
    first_sub_jobs.push_back(fan.sub_jobs[0].id);
    auto ended = finish_sub_job(std::move(fan.sub_jobs[0]), ok("{}"));
    reduce_queues.push_back(addresses::reduce_queue(ended.parent_id, ended.parent_step));
  }
  for (std::size_t i = 0; i < keys.size(); ++i)
    for (std::size_t k = i + 1; k < keys.size(); ++k) {
      BOOST_TEST_CONTEXT("branches " << i << " and " << k) {
        BOOST_TEST(keys[i] != keys[k]);
        BOOST_TEST(first_sub_jobs[i] != first_sub_jobs[k]);
        BOOST_TEST(reduce_queues[i] != reduce_queues[k]);
      }
    }
}

BOOST_AUTO_TEST_CASE(folding_the_same_sub_job_twice_counts_it_once) {
  auto m = map_items(mapper_workflow(R"({"fold": "sum", "field": "n"})", both_routes),
                     R"([{"n": 1}, {"n": 2}, {"n": 4}])");
  auto parent = std::move(m.fan.parent.state);
  const auto& gather = step_of(parent, "gather");
  auto first = finish_sub_job(m.fan.sub_jobs[0], ok("{}"));
  BOOST_TEST(transition::fold(parent, gather, first));
  BOOST_TEST(parent.reduce->sum == 1.0);
  BOOST_TEST(!transition::fold(parent, gather, first));
  BOOST_TEST(parent.reduce->sum == 1.0);
  BOOST_TEST(parent.reduce->folded.size() == 1u);
  BOOST_TEST(!transition::reduce_complete(parent));

  BOOST_TEST(transition::fold(parent, gather, finish_sub_job(m.fan.sub_jobs[2], ok("{}"))));
  BOOST_TEST(!transition::reduce_complete(parent));
  BOOST_TEST(transition::fold(parent, gather, finish_sub_job(m.fan.sub_jobs[1], ok("{}"))));
  BOOST_TEST(!transition::fold(parent, gather, first));
  BOOST_TEST(parent.reduce->sum == 7.0);
  BOOST_TEST(transition::reduce_complete(parent));
}

BOOST_AUTO_TEST_CASE(folding_the_same_sub_job_twice_leaves_collected_items_unchanged) {
  auto m = map_items(mapper_workflow(R"({"fold": "collect"})", both_routes), R"([1, 2])");
  auto parent = std::move(m.fan.parent.state);
  const auto& gather = step_of(parent, "gather");
  auto sub = finish_sub_job(m.fan.sub_jobs[1], ok(R"({"seen": 1})"));
  BOOST_TEST(transition::fold(parent, gather, sub));
  const auto items = parent.reduce->items;
  sub.props.insert_or_assign("seen", 2); // a redelivery that ran again with another outcome
  BOOST_TEST(!transition::fold(parent, gather, sub));
  BOOST_TEST(parent.reduce->items == items, boost::test_tools::per_element());
  BOOST_TEST(parent.reduce->folded.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_sum_reduce_writes_the_total_and_routes_past_the_reduce_step) {
  auto m = map_items(mapper_workflow(R"({"fold": "sum", "field": "n"})", both_routes),
                     R"([{"n": 1}, {"n": 2}, {"n": 4}])");
  auto out = finish(fold_all(m, {2, 0, 1}));
  BOOST_TEST(out.address == addresses::jobs);
  BOOST_TEST(out.state.step == "done");
  BOOST_TEST(out.state.props.at("gather") == json::value(7));
  BOOST_TEST(out.state.props.at("gather").is_int64());
  BOOST_TEST(!out.state.reduce.has_value());
  const auto& e = out.state.history.back();
  BOOST_TEST(e.step == "gather");
  BOOST_TEST(e.result == "");
  BOOST_TEST(e.node == "node-3");
  BOOST_TEST(e.end_ms == 5000);
}

BOOST_AUTO_TEST_CASE(a_sum_of_fractions_stays_a_fraction) {
  auto m =
      map_items(mapper_workflow(R"({"fold": "sum", "field": "n", "into": "total"})", both_routes),
                R"([{"n": 1.5}, {"n": 2}])");
  auto out = finish(fold_all(m, {0, 1}));
  BOOST_TEST(out.state.props.at("total") == json::value(3.5));
  BOOST_TEST(!out.state.props.contains("gather"));
}

BOOST_AUTO_TEST_CASE(a_collect_reduce_with_a_field_gathers_that_field_in_item_order) {
  auto m =
      map_items(mapper_workflow(R"({"fold": "collect", "field": "n", "into": "all"})", both_routes),
                R"([{"n": 1}, {"m": 2}, {"n": 4}])");
  auto out = finish(fold_all(m, {2, 1, 0}));
  BOOST_TEST(out.state.props.at("all") == json::parse("[1, null, 4]"));
}

BOOST_AUTO_TEST_CASE(a_collect_reduce_without_a_field_gathers_whole_properties_in_item_order) {
  auto m = map_items(mapper_workflow(R"({"fold": "collect"})", both_routes), R"([{"n": 1}, 7])");
  auto out = finish(fold_all(m, {1, 0}));
  BOOST_TEST(out.state.props.at("gather") ==
             json::parse(R"([{"origin": "sub", "n": 1}, {"origin": "sub", "item": 7}])"));
}

BOOST_AUTO_TEST_CASE(a_merge_reduce_merges_properties_in_item_order) {
  auto m = map_items(mapper_workflow(R"({"fold": "merge", "into": "merged"})", both_routes),
                     R"([{"a": 1, "b": 1}, {"b": 2, "c": 2}, {"c": 3}])");
  auto out = finish(fold_all(m, {2, 1, 0}));
  BOOST_TEST(out.state.props.at("merged") ==
             json::parse(R"({"origin": "sub", "a": 1, "b": 2, "c": 3})"));
}

BOOST_AUTO_TEST_CASE(a_failed_sub_job_makes_the_reduce_result_error) {
  auto m = map_items(mapper_workflow(R"({"fold": "collect", "field": "n"})", both_routes),
                     R"([{"n": 1}, {"n": 2}, {"n": 3}])");
  auto parent = std::move(m.fan.parent.state);
  const auto& gather = step_of(parent, "gather");
  BOOST_TEST(transition::fold(parent, gather, finish_sub_job(m.fan.sub_jobs[0], ok("{}"))));
  auto failed = finish_sub_job(m.fan.sub_jobs[1], step_outcome::failure("bad item"));
  BOOST_TEST(transition::fold(parent, gather, failed));
  BOOST_TEST(!transition::fold(parent, gather, failed));
  BOOST_TEST(parent.reduce->errors.size() == 1u);
  BOOST_TEST(transition::fold(parent, gather, finish_sub_job(m.fan.sub_jobs[2], ok("{}"))));

  auto out = finish(std::move(parent));
  BOOST_TEST(out.address == addresses::jobs);
  BOOST_TEST(out.state.step == "failed");
  const auto& e = out.state.history.back();
  BOOST_TEST(e.step == "gather");
  BOOST_TEST(e.result == "error");
  BOOST_TEST(contains(e.error, "1 of 3"), e.error);
  BOOST_TEST(contains(e.error, m.fan.sub_jobs[1].id), e.error);
  BOOST_TEST(contains(e.error, "bad item"), e.error);
}

BOOST_AUTO_TEST_CASE(a_failed_sub_job_without_an_error_route_ends_the_parent_in_error) {
  auto m = map_items(mapper_workflow(R"({"fold": "sum", "field": "n"})", R"(["*", "done"])"),
                     R"([{"n": 1}, {"n": 2}])");
  auto parent = std::move(m.fan.parent.state);
  const auto& gather = step_of(parent, "gather");
  BOOST_TEST(transition::fold(parent, gather, finish_sub_job(m.fan.sub_jobs[0], ok("{}"))));
  BOOST_TEST(transition::fold(
      parent, gather, finish_sub_job(m.fan.sub_jobs[1], step_outcome::failure("bad item"))));
  auto out = finish(std::move(parent));
  BOOST_TEST(out.address == addresses::archive);
  BOOST_TEST((out.state.state == job_state::error));
  BOOST_TEST(contains(out.state.error, "step 'gather' failed"), out.state.error);
  BOOST_TEST(contains(out.state.error, "bad item"), out.state.error);
}

BOOST_AUTO_TEST_CASE(a_map_over_zero_items_completes_its_reduce_at_once) {
  auto m = map_items(mapper_workflow(R"({"fold": "collect"})", both_routes), "[]");
  BOOST_TEST(m.fan.sub_jobs.empty());
  BOOST_TEST(transition::reduce_complete(m.fan.parent.state));
  auto out = finish(std::move(m.fan.parent.state));
  BOOST_TEST(out.state.step == "done");
  BOOST_TEST(out.state.props.at("gather") == json::parse("[]"));

  auto sum = map_items(mapper_workflow(R"({"fold": "sum", "field": "n"})", both_routes), "[]");
  auto summed = finish(std::move(sum.fan.parent.state));
  BOOST_TEST(summed.state.props.at("gather") == json::value(0));
}

BOOST_AUTO_TEST_SUITE_END()
