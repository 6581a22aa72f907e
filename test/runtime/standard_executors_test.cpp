#include <boost/test/unit_test.hpp>

#include "executor_test_support.hpp"
#include "runtime/executors/standard_executors.hpp"

#include <boost/json/object.hpp>

using boa::runtime::test::make_request;
namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(standard_executors)

BOOST_AUTO_TEST_CASE(every_standard_kind_is_registered) {
  boa::actors::executor_registry registry;
  boa::runtime::add_standard_executors(registry,
                                       std::make_shared<boa::runtime::cpp_step_registry>());
  for (const char* kind : {"noop", "sleep", "fail", "set", "exec", "cpp"})
    BOOST_TEST(registry.has(kind), "kind " << kind);
  BOOST_TEST(!registry.has("python"));
}

BOOST_AUTO_TEST_CASE(requests_reach_the_executor_of_their_kind) {
  boa::actors::executor_registry registry;
  boa::runtime::add_standard_executors(registry,
                                       std::make_shared<boa::runtime::cpp_step_registry>());
  const auto set = registry.run(make_request("set", R"({"values": {"k": "v"}})"));
  BOOST_TEST(set.ok);
  BOOST_TEST(set.value == json::value(json::object{{"k", "v"}}));
  const auto exec = registry.run(make_request("exec", R"({"argv": ["echo", "[1, 2]"]})"));
  BOOST_TEST_REQUIRE(exec.ok, exec.error);
  BOOST_TEST(exec.value == json::parse("[1, 2]"));
  const auto fail = registry.run(make_request("fail", R"({"message": "no"})"));
  BOOST_TEST(!fail.ok);
  BOOST_TEST(fail.error == "no");
}

BOOST_AUTO_TEST_CASE(cpp_steps_see_functions_added_after_registration) {
  boa::actors::executor_registry registry;
  auto functions = std::make_shared<boa::runtime::cpp_step_registry>();
  boa::runtime::add_standard_executors(registry, functions);
  functions->add("late", [](const boa::protocol::properties&) { return json::value("here"); });
  const auto outcome = registry.run(make_request("cpp", R"({"function": "late"})"));
  BOOST_TEST_REQUIRE(outcome.ok, outcome.error);
  BOOST_TEST(outcome.value == json::value("here"));
}

BOOST_AUTO_TEST_SUITE_END()
