#define BOOST_TEST_MODULE engine
#include <boost/test/unit_test.hpp>

#include "engine_harness.hpp"

#include "storage/job_store.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <csignal>
#include <fstream>
#include <thread>

using boa::protocol::job;
using boa::protocol::job_state;
using boa::test::engine;
namespace json = boost::json;

namespace {

std::vector<std::string> steps_run(const job& j) {
  std::vector<std::string> ids;
  for (const auto& e : j.history)
    ids.push_back(e.step);
  return ids;
}

/// True once the process no longer runs (gone, or a zombie nobody has reaped yet).
bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0)
    return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  stat >> pid_field >> comm >> state;
  return state == "Z";
}

std::vector<std::string> ids(std::initializer_list<const char*> list) {
  return {list.begin(), list.end()};
}

/// Registers the C++ step `name`, which sends `what` (issued at `issued_ms`) for the job whose id
/// is its property `me`, and returns once this node holds it: the command then takes effect
/// before the job's next step.
void add_self_command(engine& e, const std::string& name, boa::protocol::job_command::action what,
                      std::int64_t issued_ms = 0) {
  e.functions().add(name, [&e, what, issued_ms](const boa::protocol::properties& p) -> json::value {
    std::string me(p.at("me").as_string());
    e.command(me, what, issued_ms);
    e.eventually([&] { return e.node().context().controls->find(me).has_value(); });
    return nullptr;
  });
}

} // namespace

BOOST_AUTO_TEST_SUITE(routing)

BOOST_AUTO_TEST_CASE(a_result_routes_to_its_matching_step_case_insensitively) {
  engine e;
  auto j = e.run(R"({"name": "r", "steps": [
    {"id": "classify", "run": {"kind": "set", "values": {"code": "Express"}},
     "next": [["standard", "slow"], ["EXPRESS", "fast"], ["*", "other"]]},
    {"id": "slow", "run": "noop"}, {"id": "fast", "run": "noop"}, {"id": "other", "run": "noop"}]})");
  BOOST_TEST(j.state == job_state::finished);
  BOOST_TEST(steps_run(j) == ids({"classify", "fast"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_unmatched_result_takes_the_wildcard_and_no_match_finishes_the_job) {
  engine e;
  auto j = e.run(R"({"name": "r", "steps": [
    {"id": "a", "run": {"kind": "set", "values": {"return": "zzz"}}, "next": [["x", "b"], ["*", "c"]]},
    {"id": "b", "run": "noop"},
    {"id": "c", "run": {"kind": "set", "values": {"exit": 3}}, "next": [["4", "b"]]}]})");
  BOOST_TEST(j.state == job_state::finished);
  BOOST_TEST(steps_run(j) == ids({"a", "c"}), boost::test_tools::per_element());
  BOOST_TEST(j.history.back().result == "3");
}

BOOST_AUTO_TEST_CASE(a_failed_step_takes_only_an_explicit_error_route_never_the_wildcard) {
  engine e;
  auto handled = e.run(R"({"name": "r", "steps": [
    {"id": "a", "run": {"kind": "fail", "message": "disk full"}, "next": [["*", "b"], ["error", "c"]]},
    {"id": "b", "run": "noop"}, {"id": "c", "run": "noop"}]})");
  BOOST_TEST(handled.state == job_state::finished);
  BOOST_TEST(steps_run(handled) == ids({"a", "c"}), boost::test_tools::per_element());
  BOOST_TEST(handled.history.front().error == "disk full");

  auto unhandled = e.run(R"({"name": "r", "steps": [
    {"id": "a", "run": {"kind": "fail", "message": "disk full"}, "next": [["*", "b"]]},
    {"id": "b", "run": "noop"}]})");
  BOOST_TEST(unhandled.state == job_state::error);
  BOOST_TEST(steps_run(unhandled) == ids({"a"}), boost::test_tools::per_element());
  BOOST_TEST(unhandled.error.find("disk full") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(properties_merge_definition_then_start_then_step_then_result) {
  engine e;
  auto j = e.run(R"({"name": "m", "properties": {"a": "def", "b": "def", "c": "def", "d": "def"},
    "steps": [{"id": "s", "properties": {"c": "step", "d": "step"},
               "run": {"kind": "set", "values": {"d": "result"}}}]})",
                 json::object{{"b", "start"}, {"c", "start"}, {"d", "start"}});
  BOOST_TEST(j.props.at("a").as_string() == "def");
  BOOST_TEST(j.props.at("b").as_string() == "start");
  BOOST_TEST(j.props.at("c").as_string() == "step");
  BOOST_TEST(j.props.at("d").as_string() == "result");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fork_join)

constexpr const char* three_branches = R"({"name": "fj", "steps": [
  {"id": "fan", "run": "noop", "parallel": true, "next": [["*", "a"], ["*", "b"], ["*", "c"]]},
  {"id": "a", "run": {"kind": "set", "values": {"a": 1, "shared": "a"}}, "next": [["*", "join"]]},
  {"id": "b", "run": {"kind": "fail", "message": "b broke"}, "next": [["*", "join"]]},
  {"id": "c", "run": {"kind": "set", "values": {"c": 3, "shared": "c"}}, "next": [["*", "join"]]},
  {"id": "join", "join": true, "next": [["error", "cleanup"], ["*", "done"]]},
  {"id": "cleanup", "run": "noop"}, {"id": "done", "run": "noop"}]})";

BOOST_AUTO_TEST_CASE(three_branches_with_one_failing_all_arrive_and_the_join_routes_the_error) {
  engine e;
  auto j = e.run(three_branches);
  BOOST_TEST(j.state == job_state::finished);
  auto run = steps_run(j);
  for (auto s : {"fan", "a", "b", "c", "join", "cleanup"})
    BOOST_TEST(std::count(run.begin(), run.end(), s) == 1, s);
  BOOST_TEST(std::count(run.begin(), run.end(), "done") == 0);
  BOOST_TEST(j.props.at("a").as_int64() == 1);
  BOOST_TEST(j.props.at("c").as_int64() == 3);
  BOOST_TEST(j.props.at("shared").as_string() == "c"); // last writer in branch order
  BOOST_TEST(j.forks.empty());
}

BOOST_AUTO_TEST_CASE(a_failed_branch_without_an_error_route_at_the_join_fails_the_job) {
  engine e;
  auto j = e.run(R"({"name": "fj", "steps": [
    {"id": "fan", "run": "noop", "parallel": true, "next": [["*", "a"], ["*", "b"], ["*", "c"]]},
    {"id": "a", "run": "noop", "next": [["*", "join"]]},
    {"id": "b", "run": {"kind": "fail", "message": "b broke"}, "next": [["*", "join"]]},
    {"id": "c", "run": {"kind": "sleep", "ms": 20}, "next": [["*", "join"]]},
    {"id": "join", "join": true, "next": [["*", "done"]]}, {"id": "done", "run": "noop"}]})");
  BOOST_TEST(j.state == job_state::error);
  BOOST_TEST(j.error.find("branch 1") != std::string::npos, j.error);
  BOOST_TEST(j.error.find("b broke") != std::string::npos, j.error);
}

BOOST_AUTO_TEST_CASE(a_join_keeps_each_branch_change_and_no_branch_writes_back_an_inherited_value) {
  engine e;
  auto j = e.run(R"({"name": "fj", "properties": {"k": "old", "n": 0}, "steps": [
    {"id": "fan", "run": "noop", "parallel": true, "next": [["*", "a"], ["*", "b"]]},
    {"id": "a", "run": {"kind": "set", "values": {"k": "from a"}}, "next": [["*", "join"]]},
    {"id": "b", "run": {"kind": "set", "values": {"n": 2}}, "next": [["*", "join"]]},
    {"id": "join", "join": true}]})");
  BOOST_TEST(j.state == job_state::finished);
  BOOST_TEST(j.props.at("k").as_string() == "from a"); // b inherited "old": it must not win
  BOOST_TEST(j.props.at("n").as_int64() == 2);
}

BOOST_AUTO_TEST_CASE(joins_wait_without_holding_workers) {
  // One worker and twenty jobs forking three ways: if a waiting join held a worker, the pool would
  // starve and the jobs would never end.
  engine::options opts;
  opts.workers = 1;
  engine e{opts};
  std::vector<std::string> started;
  for (int i = 0; i < 20; ++i)
    started.push_back(e.start(R"({"name": "fj", "steps": [
      {"id": "fan", "run": "noop", "parallel": true, "next": [["*", "a"], ["*", "b"], ["*", "c"]]},
      {"id": "a", "run": {"kind": "sleep", "ms": 1}, "next": [["*", "join"]]},
      {"id": "b", "run": "noop", "next": [["*", "join"]]},
      {"id": "c", "run": "noop", "next": [["*", "join"]]},
      {"id": "join", "join": true}]})"));
  for (const auto& id : started)
    BOOST_TEST((e.wait(id).state == job_state::finished));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(map_reduce)

BOOST_AUTO_TEST_CASE(fifty_sub_jobs_are_each_folded_exactly_once_across_checkpoints) {
  engine::options opts;
  opts.reduce_checkpoint_every = 7;
  engine e{opts};
  json::array items;
  for (int i = 1; i <= 50; ++i)
    items.push_back(json::object{{"n", i}});
  auto j = e.run(R"json({"name": "mr", "steps": [
    {"id": "fan", "map": {"workflow": {"name": "square", "steps": [
       {"id": "sq", "run": {"kind": "exec", "argv": ["python3", "-c",
         "import json,sys; p=json.load(sys.stdin); print(json.dumps({'sq': p['n']*p['n']}))"]}}]},
       "items": "items"}, "next": [["*", "total"]]},
    {"id": "total", "reduce": {"fold": "sum", "field": "sq", "into": "sum"}}]})json",
                 json::object{{"items", items}});
  BOOST_TEST(j.state == job_state::finished, j.error);
  BOOST_TEST(j.props.at("sum").as_int64() == 42925); // 1^2 + ... + 50^2
  BOOST_TEST(!j.reduce.has_value());
  BOOST_TEST(e.eventually([&] { return e.archived_count() >= 51; }));
}

BOOST_AUTO_TEST_CASE(collect_keeps_item_order_and_a_failed_sub_job_routes_the_reduce_to_error) {
  engine e;
  auto ok = e.run(R"({"name": "mr", "properties": {"xs": [3, 1, 2]}, "steps": [
    {"id": "fan", "map": {"workflow": {"name": "echo", "steps": [
       {"id": "s", "run": {"kind": "set", "values": {"seen": true}}}]}, "items": "xs"},
     "next": [["*", "all"]]},
    {"id": "all", "reduce": {"fold": "collect", "field": "item"}}]})");
  BOOST_TEST(ok.state == job_state::finished);
  BOOST_TEST(boost::json::serialize(ok.props.at("all")) == "[3,1,2]");

  auto failed = e.run(R"({"name": "mr", "properties": {"xs": [1, 2, 3]}, "steps": [
    {"id": "fan", "map": {"workflow": {"name": "maybe", "steps": [
       {"id": "s", "run": {"kind": "set", "values": {"return": "x"}},
        "next": [["x", "f"]]}, {"id": "f", "run": {"kind": "fail"}}]}, "items": "xs"},
     "next": [["*", "all"]]},
    {"id": "all", "reduce": {"fold": "collect"}, "next": [["error", "report"]]},
    {"id": "report", "run": "noop"}]})");
  BOOST_TEST(failed.state == job_state::finished);
  BOOST_TEST(failed.history.back().step == "report");
}

BOOST_AUTO_TEST_CASE(a_sub_job_reported_twice_is_counted_once) {
  engine e;
  auto wf = engine::workflow(R"({"name": "mr", "steps": [
    {"id": "fan", "map": {"workflow": {"name": "w", "steps": [{"id": "s", "run": "noop"}]},
                          "items": "xs"}, "next": [["*", "total"]]},
    {"id": "total", "reduce": {"fold": "sum", "field": "v"}}]})");
  auto sub_wf = engine::workflow(R"({"name": "w", "steps": [{"id": "s", "run": "noop"}]})");
  // A parent waiting at its reduce step for three sub-jobs, as a map step leaves it.
  auto parent = boa::protocol::transition::start("p", wf, {}, 1);
  json::array xs{json::object{{"v", 1}}, json::object{{"v", 10}}, json::object{{"v", 100}}};
  auto key = boa::protocol::transition::reduce_key(parent, wf->def.steps[0]);
  auto fan = boa::protocol::transition::start_map(parent, wf->def.steps[0], key, xs, sub_wf, 2);
  // The sub-jobs end; the second reports twice (it ran twice: at-least-once).
  auto report = [&](job sub) {
    for (auto& out : boa::protocol::transition::end(sub, job_state::finished, {}, 3))
      if (out.address != boa::protocol::addresses::archive)
        e.publish_job(out.address, out.state);
  };
  report(fan.sub_jobs[0]);
  report(fan.sub_jobs[1]);
  report(fan.sub_jobs[1]);
  report(fan.sub_jobs[2]);
  e.publish_job(fan.parent.address, fan.parent.state);
  auto j = e.wait("p");
  BOOST_TEST(j.state == job_state::finished);
  BOOST_TEST(j.props.at("total").as_int64() == 111);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(retries_and_timeouts)

BOOST_AUTO_TEST_CASE(a_failing_step_is_retried_with_growing_backoff_then_takes_the_error_route) {
  engine e;
  auto j = e.run(R"({"name": "rt", "steps": [
    {"id": "flaky", "run": {"kind": "fail", "message": "nope"},
     "retry": {"max": 2, "backoff_ms": 40, "multiplier": 2}, "next": [["error", "alert"]]},
    {"id": "alert", "run": "noop"}]})");
  BOOST_TEST(j.state == job_state::finished);
  BOOST_TEST(steps_run(j) == ids({"flaky", "flaky", "flaky", "alert"}),
             boost::test_tools::per_element());
  BOOST_TEST(j.history[0].attempt == 1);
  BOOST_TEST(j.history[2].attempt == 3);
  // The backoff is a lower bound the runtime guarantees: 40 ms, then 80 ms.
  BOOST_TEST(j.history[1].start_ms - j.history[0].end_ms >= 40);
  BOOST_TEST(j.history[2].start_ms - j.history[1].end_ms >= 80);
}

BOOST_AUTO_TEST_CASE(a_step_timeout_kills_the_whole_exec_process_tree) {
  engine e;
  auto j = e.run(R"({"name": "to", "steps": [
    {"id": "hang", "timeout_ms": 300, "run": {"kind": "exec", "argv": ["sh", "-c",
      "sleep 60 & echo $! > child.pid; wait"]}, "next": [["error", "after"]]},
    {"id": "after", "run": "noop"}]})");
  BOOST_TEST(j.state == job_state::finished);
  BOOST_TEST(j.history.front().result == "error");
  BOOST_TEST(steps_run(j).back() == "after");
  std::ifstream pid_file(e.data_dir() / "jobs" / j.id / "child.pid");
  pid_t child = 0;
  BOOST_REQUIRE(pid_file >> child);
  BOOST_TEST(e.eventually([&] { return process_gone(child); }));
}

BOOST_AUTO_TEST_CASE(a_job_past_its_timeout_ends_in_error_before_its_next_step) {
  engine e;
  auto j = e.run(R"({"name": "jt", "timeout_ms": 150, "steps": [
    {"id": "a", "run": {"kind": "sleep", "ms": 100}, "next": [["*", "b"]]},
    {"id": "b", "run": {"kind": "sleep", "ms": 100}, "next": [["*", "c"]]},
    {"id": "c", "run": {"kind": "sleep", "ms": 100}}]})");
  BOOST_TEST(j.state == job_state::error);
  BOOST_TEST(j.error.find("timeout") != std::string::npos, j.error);
  auto run = steps_run(j);
  BOOST_TEST(std::count(run.begin(), run.end(), "c") == 0);
}

BOOST_AUTO_TEST_CASE(a_job_past_its_timeout_while_waiting_for_sub_jobs_ends_in_error) {
  engine e;
  auto j = e.run(R"({"name": "rt", "timeout_ms": 200, "properties": {"xs": [1, 2]}, "steps": [
    {"id": "fan", "map": {"workflow": {"name": "slow", "steps": [
       {"id": "s", "run": {"kind": "sleep", "ms": 1000}}]}, "items": "xs"},
     "next": [["*", "all"]]},
    {"id": "all", "reduce": {"fold": "collect"}}]})");
  BOOST_TEST(j.state == job_state::error);
  BOOST_TEST(j.error.find("waiting at step 'all' for 2 of 2 sub-jobs") != std::string::npos,
             j.error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lifecycle)

BOOST_AUTO_TEST_CASE(cancel_takes_effect_before_the_next_step) {
  engine e;
  // The first step asks for the cancel and ends once the node has received it.
  add_self_command(e, "cancel-me", boa::protocol::job_command::action::cancel);
  auto id = e.start(R"({"name": "c", "steps": [
    {"id": "first", "run": {"kind": "cpp", "function": "cancel-me"}, "next": [["*", "second"]]},
    {"id": "second", "run": "noop"}]})",
                    json::object{{"me", "job-c"}}, "job-c");
  auto j = e.wait(id);
  BOOST_TEST(j.state == job_state::canceled);
  BOOST_TEST(steps_run(j) == ids({"first"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_suspended_job_waits_and_a_resumed_one_goes_on_where_it_stopped) {
  engine e;
  add_self_command(e, "suspend-me", boa::protocol::job_command::action::suspend);
  auto id = e.start(R"({"name": "s", "steps": [
    {"id": "first", "run": {"kind": "cpp", "function": "suspend-me"}, "next": [["*", "second"]]},
    {"id": "second", "run": "noop"}]})",
                    json::object{{"me", "job-s"}}, "job-s");
  BOOST_REQUIRE(
      e.eventually([&] { return e.bus().core().stats("queue:boa.suspended.job-s").ready == 1; }));
  BOOST_TEST(e.archived_count() == 0u);
  e.node().flush_records();
  auto stored = e.node().store()->get(id);
  BOOST_REQUIRE(stored);
  BOOST_REQUIRE(stored->has_value());
  BOOST_TEST((*stored)->state == "suspended");
  e.command(id, boa::protocol::job_command::action::resume);
  auto j = e.wait(id);
  BOOST_TEST(j.state == job_state::finished);
  BOOST_TEST(steps_run(j) == ids({"first", "second"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_resume_that_only_reached_the_durable_queue_still_takes_the_job_back) {
  // No node heard the broadcast (every one was cut off when it went out): the queue keeps it.
  engine e;
  add_self_command(e, "suspend-me", boa::protocol::job_command::action::suspend, 100);
  auto id = e.start(R"({"name": "s", "steps": [
    {"id": "first", "run": {"kind": "cpp", "function": "suspend-me"}, "next": [["*", "second"]]},
    {"id": "second", "run": "noop"}]})",
                    json::object{{"me", "job-rq"}}, "job-rq");
  BOOST_REQUIRE(
      e.eventually([&] { return e.bus().core().stats("queue:boa.suspended.job-rq").ready == 1; }));
  e.command(id, boa::protocol::job_command::action::resume, 200, boa::protocol::addresses::resumes);
  auto j = e.wait(id);
  BOOST_TEST(j.state == job_state::finished);
  BOOST_TEST(steps_run(j) == ids({"first", "second"}), boost::test_tools::per_element());
  BOOST_TEST(j.commands_ms == 200);
  BOOST_TEST(e.bus().core().stats(boa::protocol::addresses::resumes).ready == 0u);
}

BOOST_AUTO_TEST_CASE(a_suspend_left_pending_from_before_the_last_resume_does_not_park_the_job) {
  // A node that heard a suspend but missed the resume that followed still holds the suspend
  // when the job, resumed elsewhere, comes back to it: the job must go on, not wait for a resume
  // that already came.
  engine e;
  add_self_command(e, "suspend-me", boa::protocol::job_command::action::suspend, 100);
  e.functions().add("hold-stale-suspend", [&e](const boa::protocol::properties& p) -> json::value {
    std::string me(p.at("me").as_string());
    e.node().context().controls->request(me, boa::protocol::job_command::action::suspend, 100);
    return nullptr;
  });
  auto id = e.start(R"({"name": "s", "steps": [
    {"id": "first", "run": {"kind": "cpp", "function": "suspend-me"}, "next": [["*", "second"]]},
    {"id": "second", "run": {"kind": "cpp", "function": "hold-stale-suspend"},
     "next": [["*", "third"]]},
    {"id": "third", "run": "noop"}]})",
                    json::object{{"me", "job-st"}}, "job-st");
  BOOST_REQUIRE(
      e.eventually([&] { return e.bus().core().stats("queue:boa.suspended.job-st").ready == 1; }));
  e.command(id, boa::protocol::job_command::action::resume, 200, boa::protocol::addresses::resumes);
  auto j = e.wait(id);
  BOOST_TEST(j.state == job_state::finished);
  BOOST_TEST(steps_run(j) == ids({"first", "second", "third"}), boost::test_tools::per_element());
  BOOST_TEST(!e.node().context().controls->find(id).has_value());
}

BOOST_AUTO_TEST_CASE(a_resume_issued_before_the_jobs_last_suspend_leaves_it_parked) {
  // Suspended at 100, resumed at 200, suspended again at 300: a copy of the resume at 200 that
  // reaches a node late (from the queue, on a node that never heard the later suspend) must not
  // take the job back from its second suspension.
  engine e;
  e.functions().add("suspend-me", [&e](const boa::protocol::properties& p) -> json::value {
    std::string me(p.at("me").as_string());
    // As the suspend at 300 would be left by a node that heard no command before it.
    e.node().context().controls->request(me, boa::protocol::job_command::action::suspend, 300);
    return nullptr;
  });
  auto id = e.start(R"({"name": "s", "steps": [
    {"id": "first", "run": {"kind": "cpp", "function": "suspend-me"}, "next": [["*", "second"]]},
    {"id": "second", "run": "noop"}]})",
                    json::object{{"me", "job-lr"}}, "job-lr");
  const std::string suspended = "queue:boa.suspended.job-lr";
  BOOST_REQUIRE(e.eventually([&] { return e.bus().core().stats(suspended).ready == 1; }));
  e.command(id, boa::protocol::job_command::action::resume, 200, boa::protocol::addresses::resumes);
  BOOST_REQUIRE(e.eventually(
      [&] { return e.bus().core().stats(boa::protocol::addresses::resumes).ready == 0; }));
  // Taken, looked at, and released: it is back in its queue and nobody holds it.
  BOOST_REQUIRE(e.eventually([&] {
    auto st = e.bus().core().stats(suspended);
    return st.ready == 1 && st.consumers == 0;
  }));
  BOOST_TEST(e.archived_count() == 0u);
  e.command(id, boa::protocol::job_command::action::resume, 400, boa::protocol::addresses::resumes);
  auto j = e.wait(id);
  BOOST_TEST(j.state == job_state::finished);
  BOOST_TEST(j.commands_ms == 400);
}

BOOST_AUTO_TEST_CASE(a_job_suspended_across_a_fork_goes_on_with_every_branch_after_one_resume) {
  // Suspended as the fork publishes its branches: one resume must bring the whole job back.
  engine e;
  add_self_command(e, "suspend-me", boa::protocol::job_command::action::suspend);
  auto id = e.start(R"({"name": "sf", "steps": [
    {"id": "fan", "run": {"kind": "cpp", "function": "suspend-me"}, "parallel": true,
     "next": [["*", "left"], ["*", "right"]]},
    {"id": "left", "run": "noop", "next": [["*", "join"]]},
    {"id": "right", "run": "noop", "next": [["*", "join"]]},
    {"id": "join", "join": true, "next": [["*", "after"]]},
    {"id": "after", "run": "noop"}]})",
                    json::object{{"me", "job-sf"}}, "job-sf");
  BOOST_REQUIRE(
      e.eventually([&] { return e.bus().core().stats("queue:boa.suspended.job-sf").ready >= 1; }));
  e.command(id, boa::protocol::job_command::action::resume);
  auto j = e.wait(id);
  BOOST_TEST(j.state == job_state::finished);
  auto run = steps_run(j);
  for (const char* step : {"fan", "left", "right", "join", "after"})
    BOOST_TEST(std::count(run.begin(), run.end(), step) == 1, step);
}

BOOST_AUTO_TEST_CASE(a_stopped_node_hands_back_what_it_held_and_another_node_finishes_the_job) {
  // Declared before the engine, so that they outlive it: the replaced node's worker may still be
  // in its last sleep of the loop below when the test ends, and only the engine's destructor
  // waits for it (ASan caught the read of `release` after its scope).
  std::atomic<bool> release{false};
  std::atomic<int> calls{0};
  engine e;
  e.functions().add("block-once", [&](const boa::protocol::properties&) -> json::value {
    if (calls++ == 0)
      while (!release)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return json::object{{"slow", "done"}};
  });
  auto id = e.start(R"({"name": "sd", "steps": [
    {"id": "fan", "run": "noop", "parallel": true, "next": [["*", "quick"], ["*", "slow"]]},
    {"id": "quick", "run": {"kind": "set", "values": {"quick": "done"}}, "next": [["*", "join"]]},
    {"id": "slow", "run": {"kind": "cpp", "function": "block-once"}, "next": [["*", "join"]]},
    {"id": "join", "join": true}]})");
  // The main branch waits at the join; the other branch is stuck in its step on a worker.
  auto& core = e.bus().core();
  BOOST_REQUIRE(e.eventually([&] { return core.stats("queue:boa.jobs").unsettled == 2; }));
  e.replace_node();
  release = true;
  auto j = e.wait(id);
  BOOST_TEST(j.state == job_state::finished);
  BOOST_TEST(j.props.at("quick").as_string() == "done");
  BOOST_TEST(j.props.at("slow").as_string() == "done");
  BOOST_TEST(calls.load() == 2); // the interrupted step ran again on the new node: at-least-once
}

BOOST_AUTO_TEST_CASE(an_undecodable_job_message_is_dead_lettered_and_the_node_goes_on) {
  engine e;
  boa::protocol::envelope junk;
  junk.address = boa::protocol::addresses::jobs;
  junk.subject = "job";
  junk.body = R"({"v": 1, "type": "job", "id": 42})";
  e.bus().publish(junk, caf::actor{}, 0);
  BOOST_REQUIRE(e.eventually([&] { return e.bus().core().stats("queue:boa.dead").ready == 1; }));
  auto j = e.run(R"({"name": "ok", "steps": [{"id": "a", "run": "noop"}]})");
  BOOST_TEST(j.state == job_state::finished);
}

BOOST_AUTO_TEST_CASE(the_job_store_holds_each_job_and_its_final_state) {
  engine e;
  auto j = e.run(R"({"name": "st", "revision": 4, "steps": [{"id": "a", "run": "noop"}]})");
  e.node().flush_records();
  auto stored = e.node().store()->get(j.id);
  BOOST_REQUIRE(stored);
  BOOST_REQUIRE(stored->has_value());
  BOOST_TEST((*stored)->state == "finished");
  BOOST_TEST((*stored)->workflow == "st");
  BOOST_TEST((*stored)->revision == 4);
  auto decoded = boa::protocol::parse_job((*stored)->body);
  BOOST_REQUIRE(decoded);
  BOOST_TEST(decoded->history.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
