#include <boost/test/unit_test.hpp>

#include "engine_harness.hpp"

#include "actors/job_start.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <string>

// Each limit of protocol/limits.hpp where a node meets it: a start request over one is refused
// naming the JSON path, a running job that grows past one ends in its error state.

using boa::protocol::job;
using boa::protocol::job_state;
using boa::test::engine;
namespace json = boost::json;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool ran(const job& j, const std::string& step) {
  return std::any_of(j.history.begin(), j.history.end(),
                     [&](const auto& e) { return e.step == step; });
}

engine::options with_limits(const boa::protocol::engine_limits& limits) {
  engine::options opts;
  opts.limits = limits;
  return opts;
}

std::string chain(std::size_t steps) {
  std::string json = R"({"name":"chain","steps":[)";
  for (std::size_t i = 0; i < steps; ++i) {
    json += i ? "," : "";
    json += R"({"id":"s)" + std::to_string(i) + R"(","run":"noop")";
    if (i + 1 < steps)
      json += R"(,"next":[["*","s)" + std::to_string(i + 1) + R"("]])";
    json += '}';
  }
  return json + "]}";
}

} // namespace

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(a_step_whose_result_grows_the_properties_past_the_limit_ends_the_job) {
  boa::protocol::engine_limits limits;
  limits.max_properties_bytes = 200;
  engine e{with_limits(limits)};
  auto j = e.run(R"({"name": "grow", "steps": [
    {"id": "small", "run": {"kind": "set", "values": {"a": "fits"}}, "next": [["*", "big"]]},
    {"id": "big", "run": {"kind": "set", "values": {"blob": ")" +
                 std::string(300, 'x') + R"("}}, "next": [["*", "after"]]},
    {"id": "after", "run": "noop"}]})");
  BOOST_TEST(j.state == job_state::error);
  BOOST_TEST(contains(j.error, "step 'big' failed: the JSON of the job's properties after step "
                               "'big' is"),
             j.error);
  BOOST_TEST(contains(j.error, "limits.max-properties-bytes"), j.error);
  BOOST_TEST(ran(j, "small"));
  BOOST_TEST(!ran(j, "after"));
  BOOST_TEST(j.history.back().result == "error");
}

BOOST_AUTO_TEST_CASE(a_map_over_more_items_than_the_fan_out_limit_ends_the_job_in_error) {
  boa::protocol::engine_limits limits;
  limits.max_map_fan_out = 3;
  engine e{with_limits(limits)};
  const std::string map = R"({"name": "mr", "steps": [
    {"id": "fan", "map": {"workflow": {"name": "one", "steps": [{"id": "s", "run": "noop"}]},
     "items": "xs"}, "next": [["*", "all"]]},
    {"id": "all", "reduce": {"fold": "collect", "field": "item"}}]})";
  auto within = e.run(map, json::object{{"xs", json::array{1, 2, 3}}});
  BOOST_TEST(within.state == job_state::finished, within.error);

  auto over = e.run(map, json::object{{"xs", json::array{1, 2, 3, 4}}});
  BOOST_TEST(over.state == job_state::error);
  BOOST_TEST(contains(over.error, "map step 'fan' has 4 items, more sub-jobs than the limit of 3 "
                                  "(setting limits.max-map-fan-out)"),
             over.error);
  BOOST_TEST(!ran(over, "all"));
}

BOOST_AUTO_TEST_CASE(a_job_state_that_forks_past_the_branch_limit_ends_in_error_not_in_branches) {
  // The definition came in past a node with a higher limit: this node still never forks it.
  boa::protocol::engine_limits limits;
  limits.max_parallel_branches = 2;
  engine e{with_limits(limits)};
  auto j = e.run(R"({"name": "wide", "steps": [
    {"id": "f", "run": "noop", "parallel": true,
     "next": [["*", "a"], ["*", "b"], ["*", "c"]]},
    {"id": "a", "run": "noop", "next": [["*", "j"]]},
    {"id": "b", "run": "noop", "next": [["*", "j"]]},
    {"id": "c", "run": "noop", "next": [["*", "j"]]},
    {"id": "j", "join": true}]})");
  BOOST_TEST(j.state == job_state::error);
  BOOST_TEST(contains(j.error, "parallel step 'f' forks into 3 branches, more than the limit of 2 "
                               "(setting limits.max-parallel-branches)"),
             j.error);
  BOOST_TEST(!ran(j, "a"));
}

BOOST_AUTO_TEST_CASE(a_map_whose_sub_workflow_has_too_many_steps_ends_the_job_in_error) {
  boa::protocol::engine_limits limits;
  limits.max_steps = 3;
  engine e{with_limits(limits)};
  auto j = e.run(R"({"name": "mr", "properties": {"xs": [1]}, "steps": [
    {"id": "fan", "map": {"workflow": )" +
                 chain(4) + R"(, "items": "xs"}, "next": [["*", "all"]]},
    {"id": "all", "reduce": {"fold": "collect"}}]})");
  BOOST_TEST(j.state == job_state::error);
  BOOST_TEST(contains(j.error, "map step 'fan': sub-workflow: steps: 4 steps, more than the "
                               "limit of 3 (setting limits.max-steps)"),
             j.error);
}

BOOST_AUTO_TEST_CASE(a_job_whose_next_state_is_over_the_message_limit_is_dead_lettered_once) {
  // The state grows with its history: the first step's successor no longer fits.
  boa::protocol::engine_limits limits;
  limits.max_message_bytes = 1500;
  limits.max_properties_bytes = 1000;
  engine e{with_limits(limits)};
  auto id = e.start(R"({"name": "grows", "description": ")" + std::string(900, 'd') +
                    R"(", "steps": [
    {"id": "a", "run": {"kind": "set", "values": {"note": ")" +
                    std::string(200, 'n') + R"("}}, "next": [["*", "b"]]},
    {"id": "b", "run": "noop"}]})");
  auto& core = e.bus().core();
  BOOST_REQUIRE(e.eventually([&] { return core.stats("queue:boa.dead").ready == 1; }));
  // Dead-lettered, not handed back to run again: nothing is left to run.
  BOOST_TEST(e.eventually([&] {
    return core.stats("queue:boa.jobs").ready == 0 && core.stats("queue:boa.jobs").unsettled == 0;
  }));
  BOOST_TEST(core.stats("queue:boa.dead").ready == 1u);
  BOOST_TEST(e.archived_count() == 0u, id);
}

BOOST_AUTO_TEST_CASE(a_start_request_over_a_limit_is_refused_naming_the_json_path) {
  boa::actors::node_context ctx;
  ctx.node_id = "n1";
  ctx.limits.max_steps = 3;
  ctx.limits.max_parallel_branches = 2;
  ctx.limits.max_properties_bytes = 50;
  boa::protocol::start_job_request request;
  request.job_id = "j1";

  request.definition = json::parse(chain(4)).as_object();
  auto steps = boa::actors::start_job(ctx, request, 0);
  BOOST_REQUIRE(!steps.has_value());
  BOOST_TEST((steps.error().code == boa::errc::invalid_input));
  BOOST_TEST(steps.error().message ==
                 "definition.steps: 4 steps, more than the limit of 3 (setting limits.max-steps)",
             steps.error().message);

  request.definition = json::parse(chain(3)).as_object();
  request.props = json::object{{"note", std::string(60, 'n')}};
  auto props = boa::actors::start_job(ctx, request, 0);
  BOOST_REQUIRE(!props.has_value());
  BOOST_TEST(contains(props.error().message,
                      "properties: the JSON of the job's properties at start is 71 bytes, more "
                      "than the limit of 50 (setting limits.max-properties-bytes)"),
             props.error().message);

  request.props = {};
  BOOST_TEST(boa::actors::start_job(ctx, request, 0).has_value());

  // A workflow named by reference is held to the same limits.
  request.definition.reset();
  request.workflow_ref = "big@1";
  auto big = boa::protocol::parse_workflow(chain(4)).workflow;
  ctx.resolve = [big](const std::string&) -> boa::expected<boa::protocol::workflow_ptr> {
    return big;
  };
  auto named = boa::actors::start_job(ctx, request, 0);
  BOOST_REQUIRE(!named.has_value());
  BOOST_TEST(named.error().message == "workflow 'big@1': steps: 4 steps, more than the limit of 3 "
                                      "(setting limits.max-steps)",
             named.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
