#include <boost/test/unit_test.hpp>

#include "test/support/decode_checks.hpp"

#include "protocol/client_messages.hpp"
#include "protocol/job_id.hpp"

#include <boost/json/parse.hpp>

#include <set>
#include <string>

using namespace boa::protocol;
using boa::errc;
namespace json = boost::json;
using boa::test::mentions;
using boa::test::why;

namespace {

const json::object definition = json::parse(R"({"name": "greet", "steps": [
  {"id": "hello", "run": "noop"}]})")
                                    .as_object();

} // namespace

BOOST_AUTO_TEST_SUITE(start_job_messages)

BOOST_AUTO_TEST_CASE(a_start_job_with_an_inline_definition_survives_a_round_trip) {
  start_job_request request;
  request.job_id = "j-0123456789abcdef";
  request.definition = definition;
  request.props = json::object{{"who", "world"}, {"n", 3}};
  auto decoded = parse_start_job(serialize_start_job(request));
  BOOST_TEST_REQUIRE(decoded.has_value(), why(decoded));
  BOOST_TEST(decoded->job_id == request.job_id);
  BOOST_TEST(decoded->workflow_ref.empty());
  BOOST_TEST_REQUIRE(decoded->definition.has_value());
  BOOST_TEST(*decoded->definition == definition);
  BOOST_TEST(decoded->props == request.props);
}

BOOST_AUTO_TEST_CASE(a_start_job_by_name_and_revision_survives_a_round_trip_without_a_job_id) {
  start_job_request request;
  request.workflow_ref = "greet@3";
  auto text = serialize_start_job(request);
  BOOST_TEST(!mentions(text, "job_id"));
  auto decoded = parse_start_job(text);
  BOOST_TEST_REQUIRE(decoded.has_value(), why(decoded));
  BOOST_TEST(decoded->job_id.empty());
  BOOST_TEST(decoded->workflow_ref == "greet@3");
  BOOST_TEST(!decoded->definition.has_value());
  BOOST_TEST(decoded->props.empty());
}

BOOST_AUTO_TEST_CASE(each_bad_start_job_names_the_member_at_fault) {
  struct bad_case {
    const char* text;
    const char* expected;
  };
  const bad_case cases[] = {
      {R"([1])", "start-job: expected object, got array"},
      {R"({"v": 1, "type": "start-job"})", "needs 'workflow' (NAME or NAME@REV) or an inline"},
      {R"({"v": 1, "type": "start-job", "workflow": "a", "definition": {}})",
       "start-job: definition: give either 'workflow' or 'definition', not both"},
      {R"({"v": 1, "type": "start-job", "workflow": "a", "job_id": "../etc"})",
       "start-job: job_id: job id '../etc' starts with '.'"},
      {R"({"v": 1, "type": "start-job", "workflow": "a", "job_id": "a b"})",
       "start-job: job_id: job id 'a b' holds ' ' at position 1"},
      {R"({"v": 1, "type": "start-job", "workflow": "a", "job_id": 7})",
       "start-job: job_id: expected string, got number"},
      {R"({"v": 1, "type": "start-job", "workflow": "a@0"})",
       "start-job: workflow: workflow reference 'a@0' has no revision number >= 1"},
      {R"({"v": 1, "type": "start-job", "workflow": "@2"})",
       "start-job: workflow: workflow reference '@2' has no name"},
      {R"({"v": 1, "type": "start-job", "workflow": ""})",
       "start-job: workflow: workflow reference '' is empty"},
      {R"({"v": 1, "type": "start-job", "definition": [1]})",
       "start-job: definition: expected object, got array"},
      {R"({"v": 1, "type": "start-job", "workflow": "a", "properties": "x=1"})",
       "start-job: properties: expected object, got string"},
      {R"({"v": 1, "type": "start-job", "workflow": "a", "propertes": {}})",
       "start-job: unknown key 'propertes'"},
      {R"({"v": 2, "type": "start-job", "workflow": "a"})", "start-job: v: unsupported version 2"},
      {R"({"v": 1, "type": "job", "workflow": "a"})",
       "start-job: type: expected 'start-job', got 'job'"},
      {"{\"v\": 1,\n \"type\": ", "start-job: invalid JSON at 2:"},
  };
  for (const auto& c : cases) {
    auto decoded = parse_start_job(c.text);
    BOOST_TEST_INFO("input: " << c.text);
    BOOST_TEST_REQUIRE(!decoded.has_value());
    BOOST_TEST(decoded.error().code == errc::invalid_input);
    BOOST_TEST(mentions(decoded.error().message, c.expected), decoded.error().message);
  }
}

BOOST_AUTO_TEST_CASE(a_start_job_with_several_problems_reports_each_on_its_own_line) {
  auto decoded =
      parse_start_job(R"({"v": 1, "type": "start-job", "workflow": 3, "properties": []})");
  BOOST_TEST_REQUIRE(!decoded.has_value());
  BOOST_TEST(decoded.error().message == "start-job: workflow: expected string, got number\n"
                                        "start-job: properties: expected object, got array");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_requests)

BOOST_AUTO_TEST_CASE(every_kind_of_request_survives_a_round_trip) {
  using kind = client_request::kind;

  client_request list;
  list.what = kind::list_jobs;
  list.state = job_state::running;
  list.limit = 7;
  list.before_ms = 1796044653319;
  auto l = parse_request(serialize_request(list));
  BOOST_TEST_REQUIRE(l.has_value(), why(l));
  BOOST_TEST((l->what == kind::list_jobs));
  BOOST_TEST_REQUIRE(l->state.has_value());
  BOOST_TEST(*l->state == job_state::running);
  BOOST_TEST(l->limit == 7);
  BOOST_TEST(l->before_ms == 1796044653319);

  client_request all;
  all.what = kind::list_jobs;
  auto a = parse_request(serialize_request(all));
  BOOST_TEST_REQUIRE(a.has_value(), why(a));
  BOOST_TEST(!a->state.has_value());
  BOOST_TEST(a->limit == 50);
  BOOST_TEST(a->before_ms == 0);

  client_request show;
  show.what = kind::show_job;
  show.job_id = "j-00000000000000ff";
  auto s = parse_request(serialize_request(show));
  BOOST_TEST_REQUIRE(s.has_value(), why(s));
  BOOST_TEST((s->what == kind::show_job));
  BOOST_TEST(s->job_id == show.job_id);

  client_request push;
  push.what = kind::push_workflow;
  push.definition = definition;
  push.notes = "first \"cut\"";
  push.pushed_by = "ana";
  auto p = parse_request(serialize_request(push));
  BOOST_TEST_REQUIRE(p.has_value(), why(p));
  BOOST_TEST((p->what == kind::push_workflow));
  BOOST_TEST(p->definition == definition);
  BOOST_TEST(p->notes == push.notes);
  BOOST_TEST(p->pushed_by == "ana");

  client_request names;
  names.what = kind::list_workflows;
  auto n = parse_request(serialize_request(names));
  BOOST_TEST_REQUIRE(n.has_value(), why(n));
  BOOST_TEST((n->what == kind::list_workflows));
  BOOST_TEST(n->workflow.empty());

  client_request revisions;
  revisions.what = kind::list_workflows;
  revisions.workflow = "greet";
  auto r = parse_request(serialize_request(revisions));
  BOOST_TEST_REQUIRE(r.has_value(), why(r));
  BOOST_TEST(r->workflow == "greet");

  client_request one;
  one.what = kind::show_workflow;
  one.workflow = "greet@2";
  auto o = parse_request(serialize_request(one));
  BOOST_TEST_REQUIRE(o.has_value(), why(o));
  BOOST_TEST((o->what == kind::show_workflow));
  BOOST_TEST(o->workflow == "greet@2");
}

BOOST_AUTO_TEST_CASE(cluster_view_requests_carry_only_their_type) {
  using kind = client_request::kind;
  for (auto k : {kind::cluster_nodes, kind::cluster_jobs}) {
    client_request request;
    request.what = k;
    auto text = serialize_request(request);
    BOOST_TEST(text == std::string(R"({"v":1,"type":")") + to_string(k) + R"("})");
    auto back = parse_request(text);
    BOOST_TEST_REQUIRE(back.has_value(), why(back));
    BOOST_TEST((back->what == k));
  }
  BOOST_TEST(to_string(kind::cluster_nodes) == std::string("cluster-nodes"));
  BOOST_TEST(to_string(kind::cluster_jobs) == std::string("cluster-jobs"));
}

BOOST_AUTO_TEST_CASE(the_type_of_a_request_is_its_wire_name) {
  std::set<std::string> seen;
  for (auto k : {client_request::kind::list_jobs, client_request::kind::show_job,
                 client_request::kind::push_workflow, client_request::kind::list_workflows,
                 client_request::kind::show_workflow, client_request::kind::cluster_nodes,
                 client_request::kind::cluster_jobs}) {
    seen.insert(to_string(k));
    auto back = request_kind_from_string(to_string(k));
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(static_cast<int>(*back) == static_cast<int>(k));
  }
  BOOST_TEST(seen.size() == 7u);
  BOOST_TEST(seen.count("list-jobs") == 1u);
  BOOST_TEST(!request_kind_from_string("list_jobs").has_value());
}

BOOST_AUTO_TEST_CASE(each_bad_request_names_the_member_at_fault) {
  struct bad_case {
    const char* text;
    const char* expected;
  };
  const bad_case cases[] = {
      {R"("list-jobs")", "request: expected object, got string"},
      {R"({"v": 1})", "request: type: is required"},
      {R"({"v": 1, "type": 4})", "request: type: expected string, got number"},
      {R"({"v": 1, "type": "delete-everything"})",
       "request: type: unknown request type 'delete-everything' (known: list-jobs"},
      {R"({"type": "list-jobs"})", "request: v: is required"},
      {R"({"v": 1, "type": "list-jobs", "state": "done"})",
       "request: state: unknown job state 'done'"},
      {R"({"v": 1, "type": "list-jobs", "limit": 0})", "request: limit: "},
      {R"({"v": 1, "type": "list-jobs", "before_ms": 0})", "request: before_ms: "},
      {R"({"v": 1, "type": "list-jobs", "limit": 10001})", "request: limit: "},
      {R"({"v": 1, "type": "list-jobs", "limit": "ten"})",
       "request: limit: expected integer, got string"},
      {R"({"v": 1, "type": "list-jobs", "job_id": "j-1"})", "request: unknown key 'job_id'"},
      {R"({"v": 1, "type": "show-job"})", "request: job_id: is required"},
      {R"({"v": 1, "type": "show-job", "job_id": ""})", "request: job_id: job id '' is empty"},
      {R"({"v": 1, "type": "push-workflow"})", "request: definition: is required"},
      {R"({"v": 1, "type": "push-workflow", "definition": "greet.json"})",
       "request: definition: expected object, got string"},
      {R"({"v": 1, "type": "push-workflow", "definition": {}, "notes": 1})",
       "request: notes: expected string, got number"},
      {R"({"v": 1, "type": "list-workflows", "name": ["a"]})",
       "request: name: expected string, got array"},
      {R"({"v": 1, "type": "show-workflow"})", "request: workflow: is required"},
      {R"({"v": 1, "type": "show-workflow", "workflow": "greet@latest"})",
       "request: workflow: workflow reference 'greet@latest' has no revision number"},
      {R"({"v": 1, "type": "cluster-nodes", "limit": 5})", "request: unknown key 'limit'"},
      {R"({"v": 1, "type": "cluster-jobs", "node": "n1"})", "request: unknown key 'node'"},
      {R"({"v": 2, "type": "cluster-jobs"})", "request: v: "},
      {"not json", "request: invalid JSON at 1:"},
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

BOOST_AUTO_TEST_SUITE(client_replies)

BOOST_AUTO_TEST_CASE(a_reply_with_data_survives_a_round_trip) {
  auto data = json::parse(R"({"job_id": "j-1", "workflow": "greet", "revision": null})");
  auto decoded = parse_reply(serialize_reply(ok_reply(data)));
  BOOST_TEST_REQUIRE(decoded.has_value(), why(decoded));
  BOOST_TEST(decoded->ok);
  BOOST_TEST(decoded->data == data);
}

BOOST_AUTO_TEST_CASE(an_error_reply_keeps_its_code_and_every_line_of_its_message) {
  auto sent = error_reply({errc::not_found, "workflow 'x' is not in the repository\nsecond line"});
  auto text = serialize_reply(sent);
  BOOST_TEST(mentions(text, R"("code":"not_found")"), text);
  auto decoded = parse_reply(text);
  BOOST_TEST_REQUIRE(decoded.has_value(), why(decoded));
  BOOST_TEST(!decoded->ok);
  BOOST_TEST(decoded->error_code == errc::not_found);
  BOOST_TEST(decoded->error_message == sent.error_message);
}

BOOST_AUTO_TEST_CASE(every_error_code_has_a_wire_name_that_reads_back) {
  std::set<std::string> names;
  for (auto code : {errc::invalid_input, errc::not_found, errc::io, errc::corrupt, errc::timeout,
                    errc::canceled, errc::step_failed, errc::internal}) {
    names.insert(wire_name(code));
    auto back = errc_from_wire_name(wire_name(code));
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(*back == code);
  }
  BOOST_TEST(names.size() == 8u);
  BOOST_TEST(std::string(wire_name(errc::invalid_input)) == "invalid_input");
  BOOST_TEST(!errc_from_wire_name("invalid input").has_value());
}

BOOST_AUTO_TEST_CASE(a_reader_ignores_reply_members_it_does_not_know) {
  auto decoded = parse_reply(R"({"v": 1, "type": "reply", "ok": true, "data": 1, "node": "n"})");
  BOOST_TEST_REQUIRE(decoded.has_value(), why(decoded));
  BOOST_TEST(decoded->data == json::value(1));
}

BOOST_AUTO_TEST_CASE(each_bad_reply_names_the_member_at_fault) {
  struct bad_case {
    const char* text;
    const char* expected;
  };
  const bad_case cases[] = {
      {R"({"v": 1, "type": "reply"})", "reply: ok: is required"},
      {R"({"v": 1, "type": "reply", "ok": "yes"})", "reply: ok: expected boolean, got string"},
      {R"({"v": 1, "type": "reply", "ok": false})", "reply: error: is required"},
      {R"({"v": 1, "type": "reply", "ok": false, "error": {"message": "m"}})",
       "reply: error.code: is required"},
      {R"({"v": 1, "type": "reply", "ok": false, "error": {"code": "oops", "message": "m"}})",
       "reply: error.code: unknown error code 'oops'"},
      {R"({"v": 1, "type": "reply", "ok": false, "error": {"code": "io"}})",
       "reply: error.message: is required"},
      {R"({"v": 1, "type": "job", "ok": true})", "reply: type: expected 'reply', got 'job'"},
  };
  for (const auto& c : cases) {
    auto decoded = parse_reply(c.text);
    BOOST_TEST_INFO("input: " << c.text);
    BOOST_TEST_REQUIRE(!decoded.has_value());
    BOOST_TEST(mentions(decoded.error().message, c.expected), decoded.error().message);
  }
}

BOOST_AUTO_TEST_CASE(a_reply_goes_to_the_reply_address_correlated_by_the_request_message_id) {
  envelope request;
  request.address = requests_address;
  request.reply_to = "queue:client.7";
  request.message_id = "req-42";
  auto env = reply_envelope(request, ok_reply(nullptr));
  BOOST_TEST(env.address == "queue:client.7");
  BOOST_TEST(env.correlation_id == "req-42");
  BOOST_TEST(env.subject == "reply");
  BOOST_TEST(env.message_id != request.message_id);
  auto decoded = parse_reply(env.body);
  BOOST_TEST_REQUIRE(decoded.has_value(), why(decoded));
  BOOST_TEST(decoded->ok);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(job_ids)

BOOST_AUTO_TEST_CASE(a_made_job_id_is_j_and_sixteen_hex_digits_and_valid) {
  BOOST_TEST(job_id_from(0) == "j-0000000000000000");
  BOOST_TEST(job_id_from(0x0123456789abcdefULL) == "j-0123456789abcdef");
  BOOST_TEST(job_id_from(~0ULL) == "j-ffffffffffffffff");
  BOOST_TEST(validate_job_id(job_id_from(0xfeedULL)).has_value());
}

BOOST_AUTO_TEST_CASE(a_seeded_generator_makes_the_same_ids_again_and_no_two_alike) {
  job_id_generator a(42), b(42);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto id = a.next();
    BOOST_TEST(id == b.next());
    seen.insert(id);
  }
  BOOST_TEST(seen.size() == 100u);
}

BOOST_AUTO_TEST_SUITE_END()
