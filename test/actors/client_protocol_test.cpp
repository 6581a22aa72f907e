#define BOOST_TEST_MODULE client_protocol
#include <boost/test/unit_test.hpp>

#include "engine_harness.hpp"
#include "queue_reader.hpp"
#include "test/support/decode_checks.hpp"

#include "actors/cluster_snapshot_codec.hpp"
#include "actors/job_start.hpp"
#include "actors/request_handler.hpp"
#include "protocol/client_messages.hpp"
#include "storage/workflow_repository.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using boa::errc;
using boa::protocol::client_reply;
using boa::protocol::client_request;
using boa::protocol::envelope;
using boa::protocol::job_state;
using boa::test::engine;
using boa::test::queue_reader;
namespace json = boost::json;
namespace protocol = boa::protocol;
namespace storage = boa::storage;

using boa::test::mentions;

namespace {

/// A client of the node's wire protocol: publishes with a reply-to of its own and reads the
/// replies and the dead-letter queue.
class client {
public:
  explicit client(engine& e) : e_(e), replies_(e.bus(), reply_address), dead_(e.bus(), dead) {}

  static constexpr const char* reply_address = "queue:test.replies";
  static constexpr const char* dead = protocol::addresses::dead;

  /// Publishes `body` to `address`; returns its message id.
  std::string send(const std::string& address, const std::string& subject, std::string body,
                   bool with_reply_to = true) {
    envelope env;
    env.address = address;
    env.subject = subject;
    env.message_id = "msg-" + std::to_string(++sent_);
    if (with_reply_to)
      env.reply_to = reply_address;
    env.body = std::move(body);
    auto id = env.message_id;
    e_.bus().publish(std::move(env), caf::actor{}, 0);
    return id;
  }

  std::string start(const protocol::start_job_request& request, bool with_reply_to = true) {
    return send(protocol::addresses::new_jobs, protocol::start_job_type,
                protocol::serialize_start_job(request), with_reply_to);
  }

  client_reply ask(const client_request& request) {
    return reply_to(
        send(protocol::requests_address, to_string(request.what), serialize_request(request)));
  }

  /// The reply correlated with `message_id`, decoded.
  client_reply reply_to(const std::string& message_id) {
    auto env = replies_.wait_for([&](const envelope& m) { return m.correlation_id == message_id; });
    BOOST_TEST(env.subject == "reply");
    auto reply = protocol::parse_reply(env.body);
    if (!reply)
      throw std::runtime_error("undecodable reply: " + reply.error().message);
    return *reply;
  }

  /// The dead-lettered copy of the message `message_id`.
  envelope dead_letter(const std::string& message_id) {
    return dead_.wait_for([&](const envelope& m) { return m.message_id == message_id; });
  }

  std::size_t dead_count() { return dead_.count(); }

private:
  engine& e_;
  int sent_ = 0;
  queue_reader replies_;
  queue_reader dead_;
};

std::string describe(const client_reply& r) {
  return r.ok ? json::serialize(r.data)
              : std::string(protocol::wire_name(r.error_code)) + ": " + r.error_message;
}

json::object object_of(const char* text) {
  return json::parse(text).as_object();
}

const char* greeting = R"({"name": "greet", "steps": [
  {"id": "hello", "run": {"kind": "set", "values": {"greeting": "hello"}}}]})";

/// A workflow repository in a directory of its own.
struct repository {
  boa::test::temp_dir dir{"boa-repo"};
  std::shared_ptr<storage::workflow_repository> repo =
      std::make_shared<storage::workflow_repository>(dir.path());

  std::int64_t push(const std::string& definition) {
    auto pushed = repo->push(definition);
    if (!pushed)
      throw std::runtime_error(pushed.error().message);
    return pushed->info.revision;
  }
};

engine::options with(std::shared_ptr<storage::workflow_repository> repo, bool serve = false) {
  engine::options opts;
  opts.repository = std::move(repo);
  opts.serve_requests = serve;
  return opts;
}

} // namespace

BOOST_AUTO_TEST_SUITE(start_job)

BOOST_AUTO_TEST_CASE(a_start_job_with_an_inline_definition_runs_to_finished_and_says_so) {
  engine e;
  client c(e);
  protocol::start_job_request request;
  request.definition = object_of(greeting);
  request.props = json::object{{"who", "world"}};
  auto reply = c.reply_to(c.start(request));
  BOOST_TEST_REQUIRE(reply.ok, describe(reply));
  const auto& data = reply.data.as_object();
  auto id = std::string(data.at("job_id").as_string());
  BOOST_TEST(id.size() == 18u);
  BOOST_TEST(id.rfind("j-", 0) == 0u);
  BOOST_TEST(protocol::validate_job_id(id).has_value());
  BOOST_TEST(data.at("workflow").as_string() == "greet");
  BOOST_TEST(data.at("revision").is_null());

  auto j = e.wait(id);
  BOOST_TEST(j.state == job_state::finished);
  BOOST_TEST(j.props.at("who").as_string() == "world");
  BOOST_TEST(j.props.at("greeting").as_string() == "hello");
}

BOOST_AUTO_TEST_CASE(a_start_job_keeps_the_job_id_it_gives_and_needs_no_reply_to) {
  engine e;
  client c(e);
  protocol::start_job_request request;
  request.job_id = "order-17";
  request.definition = object_of(greeting);
  c.start(request, false);
  auto j = e.wait("order-17");
  BOOST_TEST(j.state == job_state::finished);
  BOOST_TEST(c.dead_count() == 0u);
}

BOOST_AUTO_TEST_CASE(a_start_job_by_name_and_revision_runs_that_revision_from_the_repository) {
  repository r;
  BOOST_TEST_REQUIRE(r.push(greeting) == 1);
  BOOST_TEST_REQUIRE(r.push(R"({"name": "greet", "steps": [
    {"id": "hello", "run": {"kind": "set", "values": {"greeting": "hi again"}}}]})") == 2);
  engine e(with(r.repo));
  client c(e);

  protocol::start_job_request first;
  first.workflow_ref = "greet@1";
  auto reply = c.reply_to(c.start(first));
  BOOST_TEST_REQUIRE(reply.ok, describe(reply));
  BOOST_TEST(reply.data.at("revision").as_int64() == 1);
  auto j1 = e.wait(std::string(reply.data.at("job_id").as_string()));
  BOOST_TEST(j1.state == job_state::finished);
  BOOST_TEST(j1.props.at("greeting").as_string() == "hello");

  protocol::start_job_request latest;
  latest.workflow_ref = "greet";
  auto reply2 = c.reply_to(c.start(latest));
  BOOST_TEST_REQUIRE(reply2.ok, describe(reply2));
  BOOST_TEST(reply2.data.at("revision").as_int64() == 2);
  auto j2 = e.wait(std::string(reply2.data.at("job_id").as_string()));
  BOOST_TEST(j2.props.at("greeting").as_string() == "hi again");
}

BOOST_AUTO_TEST_CASE(an_invalid_definition_is_refused_with_its_path_dead_lettered_and_never_runs) {
  engine e;
  client c(e);
  protocol::start_job_request request;
  request.job_id = "bad-1";
  request.definition = object_of(R"({"name": "beam", "steps": [
    {"id": "up", "run": "teleport"}]})");
  auto sent = c.start(request);
  auto reply = c.reply_to(sent);
  BOOST_TEST_REQUIRE(!reply.ok, describe(reply));
  BOOST_TEST(reply.error_code == errc::invalid_input);
  BOOST_TEST(mentions(reply.error_message, "definition.steps[0].run: unknown step kind 'teleport'"),
             reply.error_message);
  auto dead = c.dead_letter(sent);
  BOOST_TEST(mentions(dead.dead_letter_reason, "cannot start job: "), dead.dead_letter_reason);
  BOOST_TEST(mentions(dead.dead_letter_reason, "definition.steps[0].run"), dead.dead_letter_reason);

  // A good job started after the refusal finishes; the refused one left no trace behind.
  protocol::start_job_request good;
  good.job_id = "good-1";
  good.definition = object_of(greeting);
  c.start(good, false);
  BOOST_TEST(e.wait("good-1").state == job_state::finished);
  for (const auto& event : e.events())
    BOOST_TEST(event.job_id == "good-1");
  BOOST_TEST(e.archived_count() == 1u);
}

BOOST_AUTO_TEST_CASE(a_start_job_that_does_not_decode_is_refused_and_dead_lettered) {
  engine e;
  client c(e);
  auto sent = c.send(protocol::addresses::new_jobs, protocol::start_job_type,
                     R"({"v": 1, "type": "start-job", "workflow": "a", "properties": [1]})");
  auto reply = c.reply_to(sent);
  BOOST_TEST_REQUIRE(!reply.ok, describe(reply));
  BOOST_TEST(reply.error_code == errc::invalid_input);
  BOOST_TEST(mentions(reply.error_message, "properties: expected object, got array"),
             reply.error_message);
  auto dead = c.dead_letter(sent);
  BOOST_TEST(mentions(dead.dead_letter_reason, "properties: expected object"),
             dead.dead_letter_reason);
}

BOOST_AUTO_TEST_CASE(an_unknown_workflow_or_revision_is_not_found) {
  repository r;
  r.push(greeting);
  engine e(with(r.repo));
  client c(e);

  protocol::start_job_request unknown;
  unknown.workflow_ref = "nonesuch";
  auto sent = c.start(unknown);
  auto reply = c.reply_to(sent);
  BOOST_TEST_REQUIRE(!reply.ok, describe(reply));
  BOOST_TEST(reply.error_code == errc::not_found);
  BOOST_TEST(mentions(reply.error_message, "nonesuch"), reply.error_message);
  BOOST_TEST(!c.dead_letter(sent).dead_letter_reason.empty());

  protocol::start_job_request later;
  later.workflow_ref = "greet@9";
  auto reply2 = c.reply_to(c.start(later));
  BOOST_TEST_REQUIRE(!reply2.ok, describe(reply2));
  BOOST_TEST(reply2.error_code == errc::not_found);
  BOOST_TEST(mentions(reply2.error_message, "no revision 9"), reply2.error_message);
  BOOST_TEST(e.archived_count() == 0u);
}

BOOST_AUTO_TEST_CASE(a_workflow_by_name_on_a_node_without_a_repository_is_not_found) {
  engine e;
  client c(e);
  protocol::start_job_request request;
  request.workflow_ref = "greet";
  auto reply = c.reply_to(c.start(request));
  BOOST_TEST_REQUIRE(!reply.ok, describe(reply));
  BOOST_TEST(reply.error_code == errc::not_found);
  BOOST_TEST(mentions(reply.error_message, "no workflow repository"), reply.error_message);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(step_kinds)

BOOST_AUTO_TEST_CASE(a_stored_workflow_with_a_kind_the_node_lacks_is_refused_naming_the_step) {
  boa::actors::node_context ctx;
  ctx.known_kinds = [](const std::string& kind) { return kind == "noop"; };
  auto w = engine::workflow(R"({"name": "w", "steps": [
    {"id": "a", "run": "noop", "next": [["*", "b"]]}, {"id": "b", "run": "teleport"}]})");
  auto checked = boa::actors::check_step_kinds(w->def, ctx.known_kinds, "workflow 'w@1'");
  BOOST_TEST_REQUIRE(!checked.has_value());
  BOOST_TEST(checked.error().message ==
             "workflow 'w@1': steps[1].run: unknown step kind 'teleport'");
  BOOST_TEST(boa::actors::check_step_kinds(w->def, {}, "w").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(requests)

BOOST_AUTO_TEST_CASE(list_jobs_and_show_job_answer_from_the_job_store) {
  engine e(with(nullptr, true));
  client c(e);
  auto done = e.run(greeting);
  e.node().flush_records();

  client_request list;
  list.what = client_request::kind::list_jobs;
  auto listed = c.ask(list);
  BOOST_TEST_REQUIRE(listed.ok, describe(listed));
  const auto& jobs = listed.data.at("jobs").as_array();
  BOOST_TEST_REQUIRE(jobs.size() == 1u);
  BOOST_TEST(jobs[0].at("id").as_string() == done.id);
  BOOST_TEST(jobs[0].at("state").as_string() == "finished");
  BOOST_TEST(jobs[0].at("workflow").as_string() == "greet");
  BOOST_TEST(jobs[0].at("error").as_string() == "");
  BOOST_TEST(listed.data.at("counts").at("finished").to_number<std::int64_t>() == 1);

  list.state = job_state::running;
  auto running = c.ask(list);
  BOOST_TEST_REQUIRE(running.ok, describe(running));
  BOOST_TEST(running.data.at("jobs").as_array().empty());

  client_request show;
  show.what = client_request::kind::show_job;
  show.job_id = done.id;
  auto shown = c.ask(show);
  BOOST_TEST_REQUIRE(shown.ok, describe(shown));
  BOOST_TEST(shown.data.at("id").as_string() == done.id);
  BOOST_TEST(shown.data.at("state").as_string() == "finished");

  show.job_id = "j-nobody";
  auto missing = c.ask(show);
  BOOST_TEST_REQUIRE(!missing.ok, describe(missing));
  BOOST_TEST(missing.error_code == errc::not_found);
  BOOST_TEST(mentions(missing.error_message, "j-nobody"), missing.error_message);
}

BOOST_AUTO_TEST_CASE(a_pushed_workflow_is_listed_shown_and_startable_by_revision) {
  repository r;
  engine e(with(r.repo, true));
  client c(e);

  client_request push;
  push.what = client_request::kind::push_workflow;
  push.definition = object_of(greeting);
  push.notes = "first";
  push.pushed_by = "ana";
  auto pushed = c.ask(push);
  BOOST_TEST_REQUIRE(pushed.ok, describe(pushed));
  BOOST_TEST(pushed.data.at("name").as_string() == "greet");
  BOOST_TEST(pushed.data.at("revision").as_int64() == 1);
  BOOST_TEST(pushed.data.at("warnings").as_array().empty());

  client_request names;
  names.what = client_request::kind::list_workflows;
  auto listed = c.ask(names);
  BOOST_TEST_REQUIRE(listed.ok, describe(listed));
  BOOST_TEST(listed.data == json::parse(R"({"names": ["greet"]})"));

  names.workflow = "greet";
  auto revisions = c.ask(names);
  BOOST_TEST_REQUIRE(revisions.ok, describe(revisions));
  const auto& revs = revisions.data.at("revisions").as_array();
  BOOST_TEST_REQUIRE(revs.size() == 1u);
  BOOST_TEST(revs[0].at("revision").as_int64() == 1);
  BOOST_TEST(revs[0].at("notes").as_string() == "first");
  BOOST_TEST(revs[0].at("pushed_by").as_string() == "ana");
  BOOST_TEST(revs[0].at("pushed_ms").is_int64());

  client_request show;
  show.what = client_request::kind::show_workflow;
  show.workflow = "greet@1";
  auto shown = c.ask(show);
  BOOST_TEST_REQUIRE(shown.ok, describe(shown));
  BOOST_TEST(shown.data.at("name").as_string() == "greet");
  BOOST_TEST(shown.data.at("revision").as_int64() == 1);
  BOOST_TEST(shown.data.at("definition").at("steps").as_array().size() == 1u);

  show.workflow = "greet@5";
  auto missing = c.ask(show);
  BOOST_TEST_REQUIRE(!missing.ok, describe(missing));
  BOOST_TEST(missing.error_code == errc::not_found);

  protocol::start_job_request start;
  start.workflow_ref = "greet@1";
  auto started = c.reply_to(c.start(start));
  BOOST_TEST_REQUIRE(started.ok, describe(started));
  BOOST_TEST(e.wait(std::string(started.data.at("job_id").as_string())).state ==
             job_state::finished);
}

BOOST_AUTO_TEST_CASE(an_invalid_pushed_definition_names_its_path_and_stores_nothing) {
  repository r;
  engine e(with(r.repo, true));
  client c(e);

  client_request push;
  push.what = client_request::kind::push_workflow;
  push.definition = object_of(R"({"name": "beam", "steps": [
    {"id": "up", "run": {"kind": "teleport"}}]})");
  auto refused = c.ask(push);
  BOOST_TEST_REQUIRE(!refused.ok, describe(refused));
  BOOST_TEST(refused.error_code == errc::invalid_input);
  BOOST_TEST(
      mentions(refused.error_message, "definition.steps[0].run.kind: unknown step kind 'teleport'"),
      refused.error_message);

  push.definition = object_of(R"({"name": "beam", "steps": [{"id": "up", "run": "noop",
    "next": [["*", "nowhere"]]}]})");
  auto dangling = c.ask(push);
  BOOST_TEST_REQUIRE(!dangling.ok, describe(dangling));
  BOOST_TEST(mentions(dangling.error_message, "definition.steps[0].next[0]"),
             dangling.error_message);

  client_request names;
  names.what = client_request::kind::list_workflows;
  auto listed = c.ask(names);
  BOOST_TEST_REQUIRE(listed.ok, describe(listed));
  BOOST_TEST(listed.data.at("names").as_array().empty());
  BOOST_TEST(!std::filesystem::exists(r.dir.path() / "beam"));
}

BOOST_AUTO_TEST_CASE(a_request_that_does_not_decode_or_has_no_reply_to_is_dead_lettered) {
  engine e(with(nullptr, true));
  client c(e);

  auto garbage = c.send(protocol::requests_address, "list-jobs", "{not json");
  auto answer = c.reply_to(garbage);
  BOOST_TEST(!answer.ok);
  BOOST_TEST(answer.error_code == errc::invalid_input);
  auto dead = c.dead_letter(garbage);
  BOOST_TEST(mentions(dead.dead_letter_reason, "cannot decode request: request: invalid JSON"),
             dead.dead_letter_reason);

  auto unknown =
      c.send(protocol::requests_address, "drop-tables", R"({"v": 1, "type": "drop-tables"})");
  auto dead_unknown = c.dead_letter(unknown);
  BOOST_TEST(mentions(dead_unknown.dead_letter_reason, "type: unknown request type 'drop-tables'"),
             dead_unknown.dead_letter_reason);

  client_request list;
  list.what = client_request::kind::list_jobs;
  auto silent = c.send(protocol::requests_address, "list-jobs", serialize_request(list), false);
  auto dead_silent = c.dead_letter(silent);
  BOOST_TEST(mentions(dead_silent.dead_letter_reason, "no reply-to"),
             dead_silent.dead_letter_reason);

  // The handler goes on answering.
  auto after = c.ask(list);
  BOOST_TEST(after.ok, describe(after));
}

BOOST_AUTO_TEST_CASE(a_node_without_store_or_repository_says_so) {
  boa::actors::node_context ctx;
  ctx.node_id = "bare";
  client_request list;
  list.what = client_request::kind::list_jobs;
  auto no_store = boa::actors::answer_request(ctx, {}, list);
  BOOST_TEST_REQUIRE(!no_store.ok);
  BOOST_TEST(no_store.error_code == errc::not_found);
  BOOST_TEST(mentions(no_store.error_message, "no job store"), no_store.error_message);

  client_request names;
  names.what = client_request::kind::list_workflows;
  auto no_repository = boa::actors::answer_request(ctx, {}, names);
  BOOST_TEST_REQUIRE(!no_repository.ok);
  BOOST_TEST(mentions(no_repository.error_message, "no workflow repository"),
             no_repository.error_message);
}

BOOST_AUTO_TEST_CASE(a_node_asked_for_the_cluster_becomes_aware_and_says_how_long_it_listened) {
  auto opts = with(nullptr, true);
  opts.heartbeat_interval = std::chrono::milliseconds(20);
  engine e(opts);
  client c(e);
  client_request nodes;
  nodes.what = client_request::kind::cluster_nodes;
  auto first = c.ask(nodes);
  BOOST_TEST_REQUIRE(first.ok, describe(first));
  const auto& fresh = first.data.as_object();
  BOOST_TEST(fresh.at("observer").as_string() == e.node().context().node_id);
  BOOST_TEST(fresh.at("listening_ms").as_int64() < 1000); // started by this request
  BOOST_TEST(fresh.at("nodes").is_array());

  json::object later;
  BOOST_TEST_REQUIRE(e.eventually([&] {
    auto reply = c.ask(nodes);
    later = reply.ok ? reply.data.as_object() : json::object{};
    return reply.ok && !later.at("nodes").as_array().empty();
  }));
  const auto& me = later.at("nodes").as_array().at(0).as_object();
  BOOST_TEST(me.at("node").as_string() == e.node().context().node_id);
  BOOST_TEST(me.at("status").as_string() == "live");
  BOOST_TEST(me.at("age_ms").as_int64() >= 0);
  BOOST_TEST(me.at("heartbeat").as_object().at("interval_ms").as_int64() == 20);
  BOOST_TEST(later.at("listening_ms").as_int64() >= fresh.at("listening_ms").as_int64());
  auto decoded = boa::actors::decode_cluster_snapshot(later);
  BOOST_TEST_REQUIRE(decoded.has_value(), boa::test::why(decoded));
  BOOST_TEST(decoded->nodes.at(0).last.node == e.node().context().node_id);
}

BOOST_AUTO_TEST_CASE(cluster_jobs_lists_a_job_while_its_step_runs) {
  auto opts = with(nullptr, true);
  opts.heartbeat_interval = std::chrono::milliseconds(20);
  opts.cluster_aware = true;
  engine e(opts);
  client c(e);
  auto id = e.start(R"({"name": "nap-flow", "steps": [
      {"id": "warm", "run": {"kind": "noop"}, "next": [["*", "nap"]]},
      {"id": "nap", "run": {"kind": "sleep", "ms": 600}}]})");
  client_request jobs;
  jobs.what = client_request::kind::cluster_jobs;
  json::object job;
  BOOST_TEST_REQUIRE(e.eventually([&] {
    auto reply = c.ask(jobs);
    if (!reply.ok || reply.data.as_object().at("jobs").as_array().empty())
      return false;
    job = reply.data.as_object().at("jobs").as_array().at(0).as_object();
    return true;
  }));
  BOOST_TEST(job.at("job_id").as_string() == id);
  BOOST_TEST(job.at("workflow").as_string() == "nap-flow");
  BOOST_TEST(job.at("step").as_string() == "nap");
  BOOST_TEST(job.at("node").as_string() == e.node().context().node_id);
  BOOST_TEST(job.at("history_length").as_int64() == 1); // the noop before it
  BOOST_TEST(job.at("version").as_int64() >= 1);
  BOOST_TEST(job.at("age_ms").as_int64() >= 0);
  e.wait(id);
  BOOST_TEST(e.eventually([&] {
    auto reply = c.ask(jobs);
    return reply.ok && reply.data.as_object().at("jobs").as_array().empty();
  }));
}

BOOST_AUTO_TEST_CASE(a_cluster_view_request_with_members_is_refused_and_dead_lettered) {
  engine e(with(nullptr, true));
  client c(e);
  auto id = c.send(protocol::requests_address, "cluster-nodes",
                   R"({"v": 1, "type": "cluster-nodes", "limit": 3})");
  auto reply = c.reply_to(id);
  BOOST_TEST_REQUIRE(!reply.ok);
  BOOST_TEST(reply.error_code == errc::invalid_input);
  BOOST_TEST(mentions(reply.error_message, "unknown key 'limit'"), reply.error_message);
  BOOST_TEST(mentions(c.dead_letter(id).dead_letter_reason, "cannot decode request"));
}

BOOST_AUTO_TEST_CASE(a_request_is_accepted_once_answered) {
  engine e(with(nullptr, true));
  client c(e);
  client_request list;
  list.what = client_request::kind::list_jobs;
  BOOST_TEST(c.ask(list).ok);
  BOOST_TEST(e.eventually([&] {
    auto stats = e.bus().core().stats(protocol::requests_address);
    return stats.ready == 0 && stats.unsettled == 0;
  }));
  BOOST_TEST(c.dead_count() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
