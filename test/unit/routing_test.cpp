#include <boost/test/unit_test.hpp>

#include "protocol/routing.hpp"

#include <boost/json/parse.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
using boa::protocol::extract_result;
using boa::protocol::properties;
using boa::protocol::returned_properties;
using strings = std::vector<std::string>;

/// A step whose `next` holds these `[match, target]` entries (matches lower-cased, as decoded).
boa::protocol::step step_with(std::vector<struct boa::protocol::route> next,
                              bool parallel = false) {
  boa::protocol::step s;
  s.id = "decide";
  s.next = std::move(next);
  s.parallel = parallel;
  return s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(routing)

BOOST_AUTO_TEST_CASE(extract_result_takes_the_first_present_result_key_in_priority_order) {
  const std::array<std::string, 5> keys = {"exit", "code", "return", "return-code", "exit-code"};
  for (std::size_t first = 0; first < keys.size(); ++first) {
    json::object returned{{"other", "ignored"}};
    // Insert in reverse order so that the object's own order cannot be what decides.
    for (std::size_t k = keys.size(); k-- > first;)
      returned.emplace(keys[k], "from-" + keys[k]);
    BOOST_TEST_CONTEXT("keys from '" << keys[first] << "' on") {
      BOOST_TEST(extract_result(returned) == "from-" + keys[first]);
    }
  }
}

BOOST_AUTO_TEST_CASE(extract_result_skips_result_keys_whose_value_is_null) {
  BOOST_TEST(extract_result(json::parse(R"({"exit": null, "code": "Next"})")) == "next");
  BOOST_TEST(extract_result(json::parse(R"({"exit": null, "exit-code": 3})")) == "3");
  BOOST_TEST(extract_result(json::parse(R"({"exit": null, "code": null})")) == "");
}

BOOST_AUTO_TEST_CASE(extract_result_lower_cases_strings_and_prints_numbers_and_booleans) {
  BOOST_TEST(extract_result(json::parse(R"({"exit": "OK-Done"})")) == "ok-done");
  BOOST_TEST(extract_result(json::parse(R"({"code": 0})")) == "0");
  BOOST_TEST(extract_result(json::parse(R"({"code": -12})")) == "-12");
  BOOST_TEST(extract_result(json::value(std::numeric_limits<std::uint64_t>::max())) ==
             "18446744073709551615");
  BOOST_TEST(extract_result(json::parse(R"({"return": 1.5})")) == "1.5");
  BOOST_TEST(extract_result(json::parse(R"({"return": 2.0})")) == "2");
  BOOST_TEST(extract_result(json::parse(R"({"return": -0.25})")) == "-0.25");
  BOOST_TEST(extract_result(json::parse(R"({"return": true})")) == "true");
  BOOST_TEST(extract_result(json::parse(R"({"return": false})")) == "false");
}

BOOST_AUTO_TEST_CASE(extract_result_of_a_scalar_is_the_scalar_itself) {
  BOOST_TEST(extract_result(json::value("Approved")) == "approved");
  BOOST_TEST(extract_result(json::value(42)) == "42");
  BOOST_TEST(extract_result(json::value(true)) == "true");
  BOOST_TEST(extract_result(json::value(2.25)) == "2.25");
}

BOOST_AUTO_TEST_CASE(extract_result_of_null_arrays_and_objects_without_result_keys_is_empty) {
  BOOST_TEST(extract_result(json::value(nullptr)) == "");
  BOOST_TEST(extract_result(json::parse(R"(["ok", 1])")) == "");
  BOOST_TEST(extract_result(json::parse(R"({"status": "ok", "exitcode": 1})")) == "");
  BOOST_TEST(extract_result(json::parse(R"({"exit": ["ok"]})")) == "");
  BOOST_TEST(extract_result(json::parse(R"({"exit": {"code": "ok"}})")) == "");
}

BOOST_AUTO_TEST_CASE(returned_properties_are_the_object_without_its_result_keys) {
  auto props = returned_properties(json::parse(
      R"({"exit": "ok", "code": 1, "return": 2, "return-code": 3, "exit-code": 4,
          "a": 1, "b": {"c": "d"}, "exit_code": 5})"));
  BOOST_TEST(props == json::parse(R"({"a": 1, "b": {"c": "d"}, "exit_code": 5})").as_object());
}

BOOST_AUTO_TEST_CASE(returned_properties_are_only_the_properties_member_when_it_is_an_object) {
  auto props =
      returned_properties(json::parse(R"({"exit": "ok", "a": 1, "properties": {"p": true}})"));
  BOOST_TEST(props == json::parse(R"({"p": true})").as_object());

  auto not_an_object = returned_properties(json::parse(R"({"exit": "ok", "properties": 5})"));
  BOOST_TEST(not_an_object == json::parse(R"({"properties": 5})").as_object());
}

BOOST_AUTO_TEST_CASE(returned_properties_of_a_value_that_is_not_an_object_are_empty) {
  BOOST_TEST(returned_properties(json::value("ok")).empty());
  BOOST_TEST(returned_properties(json::value(7)).empty());
  BOOST_TEST(returned_properties(json::value(nullptr)).empty());
  BOOST_TEST(returned_properties(json::parse(R"([{"a": 1}])")).empty());
}

BOOST_AUTO_TEST_CASE(route_matches_results_exactly_and_ignores_case) {
  auto s = step_with({{"approved", "ship"}, {"rejected", "refund"}});
  BOOST_TEST(boa::protocol::route(s, "approved", false) == (strings{"ship"}),
             boost::test_tools::per_element());
  BOOST_TEST(boa::protocol::route(s, "Rejected", false) == (strings{"refund"}),
             boost::test_tools::per_element());
  BOOST_TEST(boa::protocol::route(s, extract_result(json::value("APPROVED")), false) ==
                 (strings{"ship"}),
             boost::test_tools::per_element());
  BOOST_TEST(boa::protocol::route(s, "approve", false).empty());
  BOOST_TEST(boa::protocol::route(s, "approved!", false).empty());
}

BOOST_AUTO_TEST_CASE(route_sends_any_result_that_is_not_an_error_to_the_wildcard) {
  auto s = step_with({{"ok", "next"}, {"*", "fallback"}});
  BOOST_TEST(boa::protocol::route(s, "unexpected", false) == (strings{"fallback"}),
             boost::test_tools::per_element());
  BOOST_TEST(boa::protocol::route(s, "", false) == (strings{"fallback"}),
             boost::test_tools::per_element());
  BOOST_TEST(boa::protocol::route(s, "error", false).empty());
  BOOST_TEST(boa::protocol::route(s, "error", true).empty());
}

BOOST_AUTO_TEST_CASE(route_sends_an_error_only_to_an_explicit_error_entry) {
  auto s = step_with({{"*", "anything"}, {"error", "recover"}, {"ok", "next"}});
  BOOST_TEST(boa::protocol::route(s, "error", false) == (strings{"recover"}),
             boost::test_tools::per_element());
  BOOST_TEST(boa::protocol::route(s, "error", true) == (strings{"recover"}),
             boost::test_tools::per_element());
  BOOST_TEST(boa::protocol::route(s, "Error", true) == (strings{"recover"}),
             boost::test_tools::per_element());
  BOOST_TEST(boa::protocol::route(s, "ok", false) == (strings{"anything"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(route_takes_only_the_first_match_unless_all_matches_are_asked_for) {
  auto s = step_with({{"ok", "a"}, {"other", "b"}, {"*", "c"}, {"ok", "d"}, {"error", "e"}});
  BOOST_TEST(boa::protocol::route(s, "ok", false) == (strings{"a"}),
             boost::test_tools::per_element());
  BOOST_TEST(boa::protocol::route(s, "ok", true) == (strings{"a", "c", "d"}),
             boost::test_tools::per_element());
  BOOST_TEST(boa::protocol::route(s, "other", true) == (strings{"b", "c"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(route_without_a_match_is_empty) {
  auto s = step_with({{"ok", "a"}});
  BOOST_TEST(boa::protocol::route(s, "no", false).empty());
  BOOST_TEST(boa::protocol::route(s, "no", true).empty());
  BOOST_TEST(boa::protocol::route(step_with({}), "ok", true).empty());
}

BOOST_AUTO_TEST_CASE(merge_into_adds_new_members_and_overwrites_existing_ones) {
  properties target = json::parse(R"({"a": 1, "b": {"x": 1}, "keep": "me"})").as_object();
  properties source = json::parse(R"({"a": 2, "b": {"y": 2}, "new": null})").as_object();
  boa::protocol::merge_into(target, source);
  BOOST_TEST(target ==
             json::parse(R"({"a": 2, "b": {"y": 2}, "keep": "me", "new": null})").as_object());
}

BOOST_AUTO_TEST_SUITE_END()
