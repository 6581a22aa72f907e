#include <boost/test/unit_test.hpp>

#include "executor_test_support.hpp"
#include "runtime/executors/builtin_executors.hpp"

#include <boost/json/object.hpp>

#include <chrono>

using boa::runtime::test::make_request;
namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(builtin_executors)

BOOST_AUTO_TEST_CASE(noop_succeeds_and_returns_null) {
  const auto outcome = boa::runtime::noop_executor().run(make_request("noop"));
  BOOST_TEST(outcome.ok);
  BOOST_TEST(outcome.value.is_null());
}

BOOST_AUTO_TEST_CASE(sleep_waits_at_least_the_given_milliseconds_and_returns_null) {
  const auto start = std::chrono::steady_clock::now();
  const auto outcome = boa::runtime::sleep_executor().run(make_request("sleep", R"({"ms": 30})"));
  BOOST_TEST(outcome.ok);
  BOOST_TEST(outcome.value.is_null());
  BOOST_TEST((std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(30)));
}

BOOST_AUTO_TEST_CASE(sleep_longer_than_the_timeout_stops_at_the_timeout_and_fails_as_timed_out) {
  auto request = make_request("sleep", R"({"ms": 600000})");
  request.timeout_ms = 20;
  const auto start = std::chrono::steady_clock::now();
  const auto outcome = boa::runtime::sleep_executor().run(request);
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(outcome.timed_out);
  BOOST_TEST(outcome.error.find("timed out") != std::string::npos);
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(60)));
}

BOOST_AUTO_TEST_CASE(sleep_within_the_timeout_succeeds) {
  auto request = make_request("sleep", R"({"ms": 1})");
  request.timeout_ms = 60000;
  const auto outcome = boa::runtime::sleep_executor().run(request);
  BOOST_TEST(outcome.ok);
  BOOST_TEST(!outcome.timed_out);
}

BOOST_AUTO_TEST_CASE(sleep_fails_naming_ms_when_it_is_missing_or_not_a_non_negative_integer) {
  for (const char* args :
       {R"({})", R"({"ms": "10"})", R"({"ms": -1})", R"({"ms": 1.5})", R"({"ms": null})"}) {
    BOOST_TEST_CONTEXT("args " << args) {
      const auto outcome = boa::runtime::sleep_executor().run(make_request("sleep", args));
      BOOST_TEST(!outcome.ok);
      BOOST_TEST(!outcome.timed_out);
      BOOST_TEST(outcome.error.find("sleep: run.ms") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(fail_fails_with_the_given_message) {
  const auto outcome =
      boa::runtime::fail_executor().run(make_request("fail", R"({"message": "disk on fire"})"));
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(outcome.error == "disk on fire");
}

BOOST_AUTO_TEST_CASE(fail_without_a_message_fails_with_a_default_text) {
  // The engine names the step around it ("step 'x' failed: ..."), so the text need not.
  const auto outcome = boa::runtime::fail_executor().run(make_request("fail"));
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(outcome.error == "failed on purpose (a fail step)");
}

BOOST_AUTO_TEST_CASE(fail_with_a_message_that_is_not_a_string_says_so) {
  const auto outcome =
      boa::runtime::fail_executor().run(make_request("fail", R"({"message": {"a": 1}})"));
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(outcome.error == "fail: run.message must be a string, got object");
}

BOOST_AUTO_TEST_CASE(set_returns_its_values_object) {
  const auto outcome = boa::runtime::set_executor().run(
      make_request("set", R"({"values": {"color": "red", "count": 3}})"));
  BOOST_TEST(outcome.ok);
  BOOST_TEST(outcome.value == json::parse(R"({"color": "red", "count": 3})"));
}

BOOST_AUTO_TEST_CASE(set_without_values_returns_an_empty_object) {
  const auto outcome = boa::runtime::set_executor().run(make_request("set"));
  BOOST_TEST(outcome.ok);
  BOOST_TEST(outcome.value == json::value(json::object()));
}

BOOST_AUTO_TEST_CASE(set_with_values_that_are_not_an_object_fails) {
  const auto outcome =
      boa::runtime::set_executor().run(make_request("set", R"({"values": [1, 2]})"));
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(outcome.error == "set: run.values must be an object, got array");
}

BOOST_AUTO_TEST_SUITE_END()
