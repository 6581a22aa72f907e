#include <boost/test/unit_test.hpp>

#include "test/support/decode_checks.hpp"

#include "protocol/client_messages.hpp"

using namespace boa::protocol;
using boa::errc;
using boa::test::mentions;
using boa::test::why;

BOOST_AUTO_TEST_SUITE(archive_requests)

BOOST_AUTO_TEST_CASE(a_list_archived_request_survives_a_round_trip) {
  client_request list;
  list.what = client_request::kind::list_archived;
  list.state = job_state::error;
  list.workflow = "billing";
  list.since_ms = 1796044653188;
  list.limit = 20;
  list.cursor = "1796044653319/j-00000000000000ff";
  auto back = parse_request(serialize_request(list));
  BOOST_TEST_REQUIRE(back.has_value(), why(back));
  BOOST_TEST((back->what == client_request::kind::list_archived));
  BOOST_TEST_REQUIRE(back->state.has_value());
  BOOST_TEST(*back->state == job_state::error);
  BOOST_TEST(back->workflow == "billing");
  BOOST_TEST(back->since_ms == 1796044653188);
  BOOST_TEST(back->limit == 20);
  BOOST_TEST(back->cursor == list.cursor);

  client_request all;
  all.what = client_request::kind::list_archived;
  auto text = serialize_request(all);
  BOOST_TEST(text == R"({"v":1,"type":"list-archived","limit":50})");
  auto plain = parse_request(text);
  BOOST_TEST_REQUIRE(plain.has_value(), why(plain));
  BOOST_TEST(!plain->state.has_value());
  BOOST_TEST(plain->workflow.empty());
  BOOST_TEST(plain->since_ms == 0);
  BOOST_TEST(plain->cursor.empty());
}

BOOST_AUTO_TEST_CASE(a_show_archived_request_survives_a_round_trip) {
  client_request show;
  show.what = client_request::kind::show_archived;
  show.job_id = "j-00000000000000ff";
  auto back = parse_request(serialize_request(show));
  BOOST_TEST_REQUIRE(back.has_value(), why(back));
  BOOST_TEST((back->what == client_request::kind::show_archived));
  BOOST_TEST(back->job_id == show.job_id);
}

BOOST_AUTO_TEST_CASE(archive_requests_have_wire_names_that_read_back) {
  for (auto k : {client_request::kind::list_archived, client_request::kind::show_archived}) {
    auto back = request_kind_from_string(to_string(k));
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(static_cast<int>(*back) == static_cast<int>(k));
  }
  BOOST_TEST(to_string(client_request::kind::list_archived) == std::string("list-archived"));
  BOOST_TEST(to_string(client_request::kind::show_archived) == std::string("show-archived"));
}

BOOST_AUTO_TEST_CASE(each_bad_archive_request_names_the_member_at_fault) {
  struct bad_case {
    const char* text;
    const char* expected;
  };
  const bad_case cases[] = {
      {R"({"v": 1, "type": "list-archived", "state": "running"})",
       "request: state: 'running' is not a state an archived job has"},
      {R"({"v": 1, "type": "list-archived", "state": 3})",
       "request: state: expected string, got number"},
      {R"({"v": 1, "type": "list-archived", "workflow": ["a"]})",
       "request: workflow: expected string, got array"},
      {R"({"v": 1, "type": "list-archived", "since_ms": -1})", "request: since_ms: "},
      {R"({"v": 1, "type": "list-archived", "since_ms": "today"})",
       "request: since_ms: expected integer, got string"},
      {R"({"v": 1, "type": "list-archived", "limit": 0})", "request: limit: "},
      {R"({"v": 1, "type": "list-archived", "cursor": 5})",
       "request: cursor: expected string, got number"},
      {R"({"v": 1, "type": "list-archived", "before_ms": 5})", "request: unknown key 'before_ms'"},
      {R"({"v": 1, "type": "show-archived"})", "request: job_id: is required"},
      {R"({"v": 1, "type": "show-archived", "job_id": "../x"})", "request: job_id: "},
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
