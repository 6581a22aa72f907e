#include <boost/test/unit_test.hpp>

#include "executor_test_support.hpp"
#include "runtime/executors/cpp_executor.hpp"

#include <boost/json/object.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using boa::runtime::cpp_executor;
using boa::runtime::cpp_step_registry;
using boa::runtime::test::make_request;
namespace json = boost::json;

namespace {

json::value twice(const boa::protocol::properties& props) {
  return json::object{{"doubled", props.at("n").as_int64() * 2}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(cpp_steps)

BOOST_AUTO_TEST_CASE(registry_finds_added_functions_and_lists_their_names_sorted) {
  cpp_step_registry functions;
  functions.add("zeta", twice);
  functions.add("alpha", twice);
  BOOST_TEST(functions.find("alpha") != nullptr);
  BOOST_TEST(functions.find("beta") == nullptr);
  BOOST_TEST(functions.names() == (std::vector<std::string>{"alpha", "zeta"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(adding_a_name_again_replaces_its_function) {
  cpp_step_registry functions;
  functions.add("f", [](const boa::protocol::properties&) { return json::value(1); });
  functions.add("f", [](const boa::protocol::properties&) { return json::value(2); });
  BOOST_TEST((*functions.find("f"))({}) == json::value(2));
  BOOST_TEST(functions.names().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_cpp_step_returns_what_its_function_returns_for_the_job_properties) {
  auto functions = std::make_shared<cpp_step_registry>();
  functions->add("twice", twice);
  auto request = make_request("cpp", R"({"function": "twice"})");
  request.props = json::object{{"n", 21}};
  const auto outcome = cpp_executor(functions).run(request);
  BOOST_TEST_REQUIRE(outcome.ok, outcome.error);
  BOOST_TEST(outcome.value == json::value(json::object{{"doubled", 42}}));
}

BOOST_AUTO_TEST_CASE(an_exception_from_the_function_fails_the_step_with_its_what) {
  auto functions = std::make_shared<cpp_step_registry>();
  functions->add("explode", [](const boa::protocol::properties&) -> json::value {
    throw std::runtime_error("the widget is jammed");
  });
  const auto outcome =
      cpp_executor(functions).run(make_request("cpp", R"({"function": "explode"})"));
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(outcome.error.find("the widget is jammed") != std::string::npos, outcome.error);
  BOOST_TEST(outcome.error.find("explode") != std::string::npos, outcome.error);
}

BOOST_AUTO_TEST_CASE(an_unknown_function_fails_listing_the_known_names) {
  auto functions = std::make_shared<cpp_step_registry>();
  functions->add("twice", twice);
  functions->add("thrice", twice);
  const auto outcome = cpp_executor(functions).run(make_request("cpp", R"({"function": "twise"})"));
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(outcome.error == "cpp: unknown function 'twise' (known: 'thrice', 'twice')");
}

BOOST_AUTO_TEST_CASE(a_cpp_step_without_a_function_name_fails_naming_the_argument) {
  auto functions = std::make_shared<cpp_step_registry>();
  for (const char* args : {R"({})", R"({"function": 3})"}) {
    BOOST_TEST_CONTEXT("args " << args) {
      const auto outcome = cpp_executor(functions).run(make_request("cpp", args));
      BOOST_TEST(!outcome.ok);
      BOOST_TEST(outcome.error.find("cpp: run.function") != std::string::npos, outcome.error);
    }
  }
}

BOOST_AUTO_TEST_CASE(functions_can_be_added_while_steps_run_on_other_threads) {
  auto functions = std::make_shared<cpp_step_registry>();
  functions->add("twice", twice);
  cpp_executor executor(functions);
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        functions->add("extra-" + std::to_string(t) + "-" + std::to_string(i % 7), twice);
        auto request = make_request("cpp", R"({"function": "twice"})");
        request.props = json::object{{"n", i}};
        const auto outcome = executor.run(request);
        if (!outcome.ok || outcome.value.as_object().at("doubled") != json::value(2 * i))
          ++failures;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(functions->names().size() == 1u + 4u * 7u);
}

BOOST_AUTO_TEST_SUITE_END()
