#include <boost/test/unit_test.hpp>

#include "executor_test_support.hpp"
#include "runtime/executors/cpp_executor.hpp"
#include "runtime/executors/plugin_loader.hpp"

#include <boost/json/object.hpp>

#include <fstream>

using boa::runtime::cpp_executor;
using boa::runtime::cpp_step_registry;
using boa::runtime::load_step_plugin;
using boa::runtime::test::make_request;
namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(plugins)

BOOST_AUTO_TEST_CASE(a_loaded_plugin_adds_functions_that_cpp_steps_can_run) {
  auto functions = std::make_shared<cpp_step_registry>();
  const auto loaded = load_step_plugin(BOA_TEST_STEP_PLUGIN, *functions);
  BOOST_TEST_REQUIRE(loaded.has_value(), loaded.error().message);
  BOOST_TEST(functions->names() == (std::vector<std::string>{"plugin.fail", "plugin.greet"}),
             boost::test_tools::per_element());

  cpp_executor executor(functions);
  auto greet = make_request("cpp", R"({"function": "plugin.greet"})");
  greet.props = json::object{{"name", "boa"}};
  const auto greeted = executor.run(greet);
  BOOST_TEST_REQUIRE(greeted.ok, greeted.error);
  BOOST_TEST(greeted.value == json::value(json::object{{"greeting", "hello, boa"}}));

  const auto failed = executor.run(make_request("cpp", R"({"function": "plugin.fail"})"));
  BOOST_TEST(!failed.ok);
  BOOST_TEST(failed.error.find("failing from a plugin") != std::string::npos, failed.error);
}

BOOST_AUTO_TEST_CASE(a_library_without_the_entry_point_is_refused_naming_the_symbol) {
  cpp_step_registry functions;
  const auto loaded = load_step_plugin(BOA_TEST_STEP_PLUGIN_WITHOUT_ENTRY, functions);
  BOOST_TEST_REQUIRE(!loaded.has_value());
  BOOST_TEST((loaded.error().code == boa::errc::invalid_input));
  BOOST_TEST(loaded.error().message.find("boa_register_steps") != std::string::npos,
             loaded.error().message);
  BOOST_TEST(functions.names().empty());
}

BOOST_AUTO_TEST_CASE(a_missing_plugin_file_is_not_found) {
  cpp_step_registry functions;
  const auto loaded = load_step_plugin("/nonexistent/libboa-missing.so", functions);
  BOOST_TEST_REQUIRE(!loaded.has_value());
  BOOST_TEST((loaded.error().code == boa::errc::not_found));
  BOOST_TEST(loaded.error().message.find("/nonexistent/libboa-missing.so") != std::string::npos,
             loaded.error().message);
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_shared_library_cannot_be_loaded) {
  boa::runtime::test::temp_dir dir;
  const auto path = dir.path() / "not-a-plugin.so";
  std::ofstream(path) << "just text\n";
  cpp_step_registry functions;
  const auto loaded = load_step_plugin(path.string(), functions);
  BOOST_TEST_REQUIRE(!loaded.has_value());
  BOOST_TEST((loaded.error().code == boa::errc::invalid_input));
  BOOST_TEST(loaded.error().message.find("cannot be loaded") != std::string::npos,
             loaded.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
