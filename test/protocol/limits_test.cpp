#include <boost/test/unit_test.hpp>

#include "protocol/limits.hpp"
#include "protocol/workflow_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>

namespace {

using namespace boa::protocol;

workflow_ptr chain(std::size_t steps) {
  std::string json = R"({"name":"chain","steps":[)";
  for (std::size_t i = 0; i < steps; ++i) {
    if (i)
      json += ',';
    json += R"({"id":"s)" + std::to_string(i) + R"(","run":"noop")";
    if (i + 1 < steps)
      json += R"(,"next":[["*","s)" + std::to_string(i + 1) + R"("]])";
    json += '}';
  }
  json += "]}";
  auto decoded = parse_workflow(json);
  BOOST_REQUIRE(decoded.ok());
  return decoded.workflow;
}

workflow_ptr fork_of(std::size_t branches) {
  std::string next;
  std::string steps;
  for (std::size_t i = 0; i < branches; ++i) {
    next += std::string(i ? "," : "") + R"(["*","b)" + std::to_string(i) + R"("])";
    steps += R"(,{"id":"b)" + std::to_string(i) + R"(","run":"noop","next":[["*","j"]]})";
  }
  auto decoded = parse_workflow(R"({"name":"fork","steps":[{"id":"f","run":"noop","parallel":true,)"
                                R"("next":[)" +
                                next + "]}" + steps + R"(,{"id":"j","join":true}]})");
  BOOST_REQUIRE(decoded.ok());
  return decoded.workflow;
}

} // namespace

BOOST_AUTO_TEST_SUITE(limits_tests)

BOOST_AUTO_TEST_CASE(json_size_is_the_length_of_the_serialized_text) {
  auto v = boost::json::parse(R"({"a":[1,2.5,"x\"y",null,{"b":true}],"long":")" +
                              std::string(10000, 'z') + R"("})");
  BOOST_TEST(json_size(v) == boost::json::serialize(v).size());
  BOOST_TEST(json_size(v.as_object()) == boost::json::serialize(v).size());
  BOOST_TEST(json_size(boost::json::object{}) == 2u);
}

BOOST_AUTO_TEST_CASE(a_definition_with_more_steps_than_the_limit_is_refused_at_steps) {
  engine_limits limits;
  limits.max_steps = 3;
  BOOST_TEST(check_workflow_limits(chain(3)->def, limits).empty());
  auto problems = check_workflow_limits(chain(4)->def, limits);
  BOOST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0].path == "steps");
  BOOST_TEST(problems[0].message == "4 steps, more than the limit of 3 (setting limits.max-steps)");
  auto failed = workflow_over_limits(chain(4)->def, limits, {}, "definition");
  BOOST_REQUIRE(failed.has_value());
  BOOST_TEST((failed->code == boa::errc::invalid_input));
  BOOST_TEST(failed->message ==
                 "definition.steps: 4 steps, more than the limit of 3 (setting limits.max-steps)",
             failed->message);
}

BOOST_AUTO_TEST_CASE(a_parallel_step_with_more_branches_than_the_limit_is_refused_at_its_next) {
  engine_limits limits;
  limits.max_parallel_branches = 2;
  BOOST_TEST(check_workflow_limits(fork_of(2)->def, limits).empty());
  auto problems = check_workflow_limits(fork_of(3)->def, limits);
  BOOST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0].path == "steps[0].next");
  BOOST_TEST(problems[0].message == "parallel step 'f' forks into 3 branches, more than the limit "
                                    "of 2 (setting limits.max-parallel-branches)");
}

BOOST_AUTO_TEST_CASE(properties_over_the_limit_are_named_with_their_size_and_the_setting) {
  engine_limits limits;
  limits.max_properties_bytes = 20;
  properties small{{"a", "b"}};
  properties large{{"a", std::string(30, 'x')}};
  BOOST_TEST(!properties_over_limit(small, limits, "at start"));
  auto why = properties_over_limit(large, limits, "after step 'grow'");
  BOOST_REQUIRE(why.has_value());
  BOOST_TEST(*why == "the JSON of the job's properties after step 'grow' is 38 bytes, more than "
                     "the limit of 20 (setting limits.max-properties-bytes)");
}

BOOST_AUTO_TEST_CASE(a_map_over_more_items_than_the_fan_out_limit_is_named) {
  engine_limits limits;
  limits.max_map_fan_out = 10;
  step s;
  s.id = "each";
  s.role = step_role::map;
  BOOST_TEST(!fan_out_over_limit(s, 10, limits));
  auto why = fan_out_over_limit(s, 11, limits);
  BOOST_REQUIRE(why.has_value());
  BOOST_TEST(*why == "map step 'each' has 11 items, more sub-jobs than the limit of 10 (setting "
                     "limits.max-map-fan-out)");
}

BOOST_AUTO_TEST_CASE(a_message_over_the_limit_is_refused_and_zero_means_no_limit) {
  BOOST_TEST(!message_over_limit("message to queue:boa.jobs", 100, 100));
  BOOST_TEST(!message_over_limit("message to queue:boa.jobs", 1'000'000, 0));
  auto failed = message_over_limit("message to queue:boa.jobs", 101, 100);
  BOOST_REQUIRE(failed.has_value());
  BOOST_TEST(failed->message == "message to queue:boa.jobs is 101 bytes, more than the limit of "
                                "100 (setting limits.max-message-bytes)");
}

BOOST_AUTO_TEST_SUITE_END()
