#include <boost/test/unit_test.hpp>

#include "test/support/decode_checks.hpp"

#include "protocol/node_command.hpp"

#include <boost/json/parse.hpp>

#include <string>

using namespace boa::protocol;
using boa::errc;
namespace json = boost::json;
using boa::test::mentions;
using boa::test::why;

BOOST_AUTO_TEST_SUITE(node_command_messages)

BOOST_AUTO_TEST_CASE(every_command_survives_a_round_trip) {
  using kind = node_command::kind;
  for (auto what : {kind::status, kind::workers_add, kind::workers_remove, kind::system_start,
                    kind::system_stop, kind::system_restart, kind::drain, kind::shutdown,
                    kind::list_jobs, kind::show_job}) {
    node_command command;
    command.what = what;
    if (what == kind::workers_add || what == kind::workers_remove) {
      command.system = "workers";
      command.count = 3;
    } else if (what == kind::system_start || what == kind::system_stop ||
               what == kind::system_restart) {
      command.system = "workers";
    } else if (what == kind::list_jobs) {
      command.query.state = job_state::running;
      command.query.limit = 7;
    } else if (what == kind::show_job) {
      command.query.job_id = "j-0123456789abcdef";
    }
    auto text = serialize_node_command(command);
    BOOST_TEST_INFO("command: " << text);
    BOOST_TEST(mentions(text, std::string("\"command\":\"") + to_string(what) + "\""));
    auto decoded = parse_node_command(text);
    BOOST_TEST_REQUIRE(decoded.has_value(), why(decoded));
    BOOST_TEST(static_cast<int>(decoded->what) == static_cast<int>(what));
    BOOST_TEST(decoded->system == command.system);
    BOOST_TEST(decoded->count == command.count);
    BOOST_TEST(decoded->query.job_id == command.query.job_id);
    BOOST_TEST(decoded->query.limit == command.query.limit);
    BOOST_TEST((decoded->query.state == command.query.state));
  }
}

BOOST_AUTO_TEST_CASE(a_job_query_decodes_as_the_matching_client_request) {
  auto list = parse_node_command(R"({"v": 1, "type": "node-command", "command": "list-jobs"})");
  BOOST_TEST_REQUIRE(list.has_value(), why(list));
  BOOST_TEST((list->query.what == client_request::kind::list_jobs));
  BOOST_TEST(list->query.limit == 50);
  auto show = parse_node_command(
      R"({"v": 1, "type": "node-command", "command": "show-job", "job_id": "j-1"})");
  BOOST_TEST_REQUIRE(show.has_value(), why(show));
  BOOST_TEST((show->query.what == client_request::kind::show_job));
  BOOST_TEST(show->query.job_id == "j-1");
}

BOOST_AUTO_TEST_CASE(each_bad_command_names_the_member_at_fault) {
  struct bad_case {
    const char* text;
    const char* expected;
  };
  const bad_case cases[] = {
      {R"("status")", "node-command: expected object, got string"},
      {R"({"v": 1, "type": "node-command"})", "node-command: command: is required"},
      {R"({"v": 1, "type": "reply", "command": "status"})", "node-command: type: "},
      {R"({"type": "node-command", "command": "status"})", "node-command: v: is required"},
      {R"({"v": 1, "type": "node-command", "command": 7})",
       "node-command: command: expected string, got number"},
      {R"({"v": 1, "type": "node-command", "command": "rm -rf /"})",
       "node-command: command: unknown command 'rm -rf /' (known: status, workers-add"},
      {R"x({"v": 1, "type": "node-command", "command": "status", "eval": "(System/exit 0)"})x",
       "node-command: unknown key 'eval'"},
      {R"({"v": 1, "type": "node-command", "command": "workers-add", "count": 2})",
       "node-command: system: is required"},
      {R"({"v": 1, "type": "node-command", "command": "workers-add", "system": "workers"})",
       "node-command: count: is required"},
      {R"({"v": 1, "type": "node-command", "command": "workers-remove", "system": "workers",
          "count": 0})",
       "node-command: count: "},
      {R"({"v": 1, "type": "node-command", "command": "workers-add", "system": "workers",
          "count": 1001})",
       "node-command: count: "},
      {R"({"v": 1, "type": "node-command", "command": "workers-add", "system": "workers",
          "count": "two"})",
       "node-command: count: expected integer, got string"},
      {R"({"v": 1, "type": "node-command", "command": "system-stop", "system": ""})",
       "node-command: system: must not be empty"},
      {R"({"v": 1, "type": "node-command", "command": "system-stop", "system": "workers",
          "count": 1})",
       "node-command: unknown key 'count'"},
      {R"({"v": 1, "type": "node-command", "command": "drain", "system": "workers"})",
       "node-command: unknown key 'system'"},
      {R"({"v": 1, "type": "node-command", "command": "list-jobs", "state": "done"})",
       "node-command: state: unknown job state 'done'"},
      {R"({"v": 1, "type": "node-command", "command": "list-jobs", "job_id": "j-1"})",
       "node-command: unknown key 'job_id'"},
      {R"({"v": 1, "type": "node-command", "command": "show-job"})",
       "node-command: job_id: is required"},
      {"not json", "node-command: invalid JSON at 1:"},
  };
  for (const auto& c : cases) {
    auto decoded = parse_node_command(c.text);
    BOOST_TEST_INFO("input: " << c.text);
    BOOST_TEST_REQUIRE(!decoded.has_value());
    BOOST_TEST(decoded.error().code == errc::invalid_input);
    BOOST_TEST(mentions(decoded.error().message, c.expected), decoded.error().message);
  }
}

BOOST_AUTO_TEST_CASE(replies_survive_a_round_trip_with_the_answering_node) {
  node_reply ok{"n1", ok_reply(json::object{{"state", "running"}})};
  auto decoded = parse_node_reply(serialize_node_reply(ok));
  BOOST_TEST_REQUIRE(decoded.has_value(), why(decoded));
  BOOST_TEST(decoded->node == "n1");
  BOOST_TEST(decoded->reply.ok);
  BOOST_TEST(decoded->reply.data == ok.reply.data);

  node_reply failed{"n2", error_reply({errc::invalid_input, "unknown system 'x'"})};
  decoded = parse_node_reply(serialize_node_reply(failed));
  BOOST_TEST_REQUIRE(decoded.has_value(), why(decoded));
  BOOST_TEST(decoded->node == "n2");
  BOOST_TEST(!decoded->reply.ok);
  BOOST_TEST(decoded->reply.error_code == errc::invalid_input);
  BOOST_TEST(decoded->reply.error_message == "unknown system 'x'");
}

BOOST_AUTO_TEST_CASE(each_bad_reply_names_the_member_at_fault) {
  struct bad_case {
    const char* text;
    const char* expected;
  };
  const bad_case cases[] = {
      {R"({"v": 1, "type": "node-reply", "ok": true})", "node-reply: node: is required"},
      {R"({"v": 1, "type": "node-reply", "node": "", "ok": true})",
       "node-reply: node: must not be empty"},
      {R"({"v": 1, "type": "reply", "node": "n1", "ok": true})", "node-reply: type: "},
      {R"({"v": 1, "type": "node-reply", "node": "n1"})", "node-reply: ok: is required"},
      {R"({"v": 1, "type": "node-reply", "node": "n1", "ok": false})",
       "node-reply: error: is required"},
      {R"({"v": 1, "type": "node-reply", "node": "n1", "ok": false,
          "error": {"code": "oops", "message": "m"}})",
       "node-reply: error.code: unknown error code 'oops'"},
  };
  for (const auto& c : cases) {
    auto decoded = parse_node_reply(c.text);
    BOOST_TEST_INFO("input: " << c.text);
    BOOST_TEST_REQUIRE(!decoded.has_value());
    BOOST_TEST(mentions(decoded.error().message, c.expected), decoded.error().message);
  }
}

BOOST_AUTO_TEST_CASE(a_reply_goes_to_the_reply_to_correlated_by_the_command_id) {
  envelope command;
  command.address = node_address("n1");
  command.message_id = "boactl-1-7";
  command.reply_to = "queue:boa.reply.boactl-1";
  auto env = node_reply_envelope(command, {"n1", ok_reply(json::object{})});
  BOOST_TEST(command.address == "topic:boa.node.n1");
  BOOST_TEST(env.address == "queue:boa.reply.boactl-1");
  BOOST_TEST(env.correlation_id == "boactl-1-7");
  BOOST_TEST(env.subject == node_reply_type);
}

// Found by fuzzing (fuzz_node_reply): the data of a reply changed on its way through a second
// reader, as Boost.JSON read the double it had written as a neighbouring one.
BOOST_AUTO_TEST_CASE(reply_data_numbers_survive_any_number_of_round_trips) {
  auto first =
      parse_node_reply(R"({"v":1,"type":"node-reply","node":"2","ok":true,)"
                       R"("data":{"s":{"":2777777777777777777777777777777777777777777}}})");
  BOOST_REQUIRE(first);
  const auto once = serialize_node_reply(*first);
  auto second = parse_node_reply(once);
  BOOST_REQUIRE(second);
  BOOST_TEST(serialize_node_reply(*second) == once);
}

BOOST_AUTO_TEST_SUITE_END()
