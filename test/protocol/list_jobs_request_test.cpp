#include <boost/test/unit_test.hpp>

#include "test/support/decode_checks.hpp"

#include "protocol/client_messages.hpp"

using namespace boa::protocol;
using boa::errc;
using boa::test::mentions;
using boa::test::why;

BOOST_AUTO_TEST_SUITE(list_jobs_requests)

BOOST_AUTO_TEST_CASE(a_list_jobs_request_with_filters_and_a_cursor_survives_a_round_trip) {
  client_request list;
  list.what = client_request::kind::list_jobs;
  list.workflow = "billing";
  list.since_ms = 1796044653188;
  list.cursor = "1796044653319/j-00000000000000ff";
  auto back = parse_request(serialize_request(list));
  BOOST_TEST_REQUIRE(back.has_value(), why(back));
  BOOST_TEST(back->workflow == "billing");
  BOOST_TEST(back->since_ms == 1796044653188);
  BOOST_TEST(back->cursor == list.cursor);
  BOOST_TEST(back->before_ms == 0);
}

BOOST_AUTO_TEST_CASE(each_bad_list_jobs_filter_names_the_member_at_fault) {
  struct bad_case {
    const char* text;
    const char* expected;
  };
  const bad_case cases[] = {
      {R"({"v": 1, "type": "list-jobs", "since_ms": -1})", "request: since_ms: "},
      {R"({"v": 1, "type": "list-jobs", "workflow": 7})",
       "request: workflow: expected string, got number"},
      {R"({"v": 1, "type": "list-jobs", "cursor": "1/j-1", "before_ms": 5})",
       "request: cursor: give either 'cursor' or 'before_ms', not both"},
  };
  for (const auto& c : cases) {
    auto decoded = parse_request(c.text);
    BOOST_TEST_INFO("input: " << c.text);
    BOOST_TEST_REQUIRE(!decoded.has_value());
    BOOST_TEST(decoded.error().code == errc::invalid_input);
    BOOST_TEST(mentions(decoded.error().message, c.expected), decoded.error().message);
  }
}

BOOST_AUTO_TEST_SUITE_END()
