#include <boost/test/unit_test.hpp>

#include "../support/temp_dir.hpp"
#include "fake_cluster.hpp"
#include "run_boactl.hpp"

#include "tools/boactl/cli.hpp"
#include "tools/boactl/exit_codes.hpp"
#include "tools/boactl/job_commands.hpp"

#include <boost/json/parse.hpp>

#include <atomic>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace boa;
using boa::test::fake_cluster;

namespace {

using outcome = boa::test::boactl_outcome;
using boa::test::contains;

outcome run(const boactl::connect_fn& connect, std::vector<std::string> args) {
  return boa::test::run_boactl(connect, std::move(args));
}

std::filesystem::path write_file(const test::temp_dir& dir, const std::string& name,
                                 const std::string& text) {
  auto path = dir.path() / name;
  std::ofstream(path) << text;
  return path;
}

/// Answers every show-job with the job in `state`, and start-jobs with a job-started reply.
fake_cluster::script node_with_job(protocol::job_state state) {
  return [state](const protocol::envelope& in) -> std::vector<protocol::envelope> {
    if (in.subject == "start-job") {
      auto start = protocol::parse_start_job(in.body);
      return {boa::test::ok_answer(
          in,
          boost::json::object{{"job_id", start->job_id}, {"workflow", "greet"}, {"revision", 2}})};
    }
    if (in.subject == "show-job") {
      auto show = protocol::parse_request(in.body);
      return {boa::test::ok_answer(in, boa::test::sample_job_json(show->job_id, state))};
    }
    return {};
  };
}

/// A node that runs every job it is given to `state` at once: a reply, events, then the end.
fake_cluster::script node_running_jobs_to(protocol::job_state state) {
  return [state](const protocol::envelope& in) -> std::vector<protocol::envelope> {
    auto answers = node_with_job(state)(in);
    if (in.subject == "start-job") {
      auto id = protocol::parse_start_job(in.body)->job_id;
      bool failed = state == protocol::job_state::error;
      answers.push_back(boa::test::event_message(boa::test::step_event(id, "fetch", 1, "ok", 120)));
      answers.push_back(boa::test::event_message(
          boa::test::step_event(id, "render", 1, "error", 1500, "exit code 1", true)));
      answers.push_back(boa::test::event_message(boa::test::step_event(
          id, "render", 2, failed ? "error" : "ok", 800, failed ? "exit code 1" : "")));
      answers.push_back(boa::test::event_message(
          boa::test::ended_event(id, state, failed ? "step render failed" : "")));
    }
    return answers;
  };
}

constexpr const char* invalid_definition = R"({
  "name": "greet",
  "steps": [{"id": "fetch", "run": {"kind": "noop"}, "next": [["*", "rendr"]]}]
})";

} // namespace

BOOST_AUTO_TEST_SUITE(boactl_commands)

BOOST_AUTO_TEST_CASE(an_invalid_definition_file_exits_2_with_its_paths_and_sends_nothing) {
  fake_cluster cluster;
  test::temp_dir dir;
  auto file = write_file(dir, "greet.json", invalid_definition);
  for (auto args : {std::vector<std::string>{"job", "start", file.string()},
                    std::vector<std::string>{"repo", "push", file.string()}}) {
    auto o = run(cluster.connect(), args);
    BOOST_TEST(o.code == boactl::exit_bad_input);
    BOOST_TEST(contains(o.err, file.string() + ": steps[0].next[0]"), o.err);
    BOOST_TEST(contains(o.err, "rendr"), o.err);
  }
  BOOST_TEST(cluster.connects() == 0);
}

BOOST_AUTO_TEST_CASE(a_missing_file_or_a_bad_setting_exits_2_without_connecting) {
  fake_cluster cluster;
  auto missing = run(cluster.connect(), {"job", "start", "/nonexistent/greet.json"});
  BOOST_TEST(missing.code == boactl::exit_bad_input);
  BOOST_TEST(contains(missing.err, "/nonexistent/greet.json: no such file"), missing.err);
  auto bad_set = run(cluster.connect(), {"job", "start", "greet", "--set", "=3"});
  BOOST_TEST(bad_set.code == boactl::exit_bad_input);
  BOOST_TEST(contains(bad_set.err, "--set '=3': expected key=value"), bad_set.err);
  auto bad_ref = run(cluster.connect(), {"repo", "show", "greet@latest"});
  BOOST_TEST(bad_ref.code == boactl::exit_bad_input);
  auto bad_state = run(cluster.connect(), {"job", "list", "--state", "done"});
  BOOST_TEST(bad_state.code == boactl::exit_bad_input);
  BOOST_TEST(contains(bad_state.err, "--state 'done': unknown job state"), bad_state.err);
  BOOST_TEST(cluster.connects() == 0);
}

BOOST_AUTO_TEST_CASE(a_job_start_sends_the_definition_and_settings_and_prints_the_job_id) {
  fake_cluster cluster;
  cluster.answer_with(node_with_job(protocol::job_state::running));
  test::temp_dir dir;
  auto file = write_file(dir, "greet.json", boa::test::greet_definition);
  auto o = run(cluster.connect(), {"job", "start", file.string(), "--set", "count=3", "--set",
                                   "name=ada", "--id", "j-fixed"});
  BOOST_TEST(o.code == boactl::exit_ok, o.err);
  BOOST_TEST(o.out == "j-fixed\n");
  auto in = cluster.received();
  BOOST_REQUIRE_EQUAL(in.size(), 1u);
  auto start = protocol::parse_start_job(in[0].body);
  BOOST_REQUIRE(start);
  BOOST_TEST(start->job_id == "j-fixed");
  BOOST_REQUIRE(start->definition.has_value());
  BOOST_TEST(start->definition->at("name").as_string() == "greet");
  BOOST_TEST(start->props.at("count").as_int64() == 3);
  BOOST_TEST(start->props.at("name").as_string() == "ada");
}

BOOST_AUTO_TEST_CASE(a_job_start_by_name_sends_the_reference_and_a_fresh_job_id) {
  fake_cluster cluster;
  cluster.answer_with(node_with_job(protocol::job_state::running));
  auto o = run(cluster.connect(), {"job", "start", "greet@2"});
  BOOST_TEST(o.code == boactl::exit_ok, o.err);
  auto start = protocol::parse_start_job(cluster.received().at(0).body);
  BOOST_REQUIRE(start);
  BOOST_TEST(start->workflow_ref == "greet@2");
  BOOST_TEST(!start->definition.has_value());
  BOOST_TEST(o.out == start->job_id + "\n");
}

BOOST_AUTO_TEST_CASE(waiting_for_a_job_that_ends_in_error_shows_progress_and_exits_1) {
  fake_cluster cluster;
  cluster.answer_with(node_running_jobs_to(protocol::job_state::error));
  auto o = run(cluster.connect(), {"job", "start", "greet", "--wait", "--id", "j-w"});
  BOOST_TEST(o.code == boactl::exit_failed, o.err);
  BOOST_TEST(contains(o.out, "job j-w started (greet@2)"), o.out);
  BOOST_TEST(contains(o.out, "   1  fetch"), o.out);
  BOOST_TEST(contains(o.out, "render (attempt 2)"), o.out);
  BOOST_TEST(contains(o.out, "(will retry)"), o.out);
  BOOST_TEST(contains(o.out, "job j-w ended in error after 3.10 s: step render failed"), o.out);
  BOOST_TEST(contains(o.out, "\"greeting\": \"hello\""), o.out);
}

BOOST_AUTO_TEST_CASE(waiting_with_json_prints_only_the_final_job_on_stdout_and_exits_0) {
  fake_cluster cluster;
  cluster.answer_with(node_running_jobs_to(protocol::job_state::finished));
  auto o = run(cluster.connect(), {"job", "start", "greet", "--wait", "--id", "j-j", "--json"});
  BOOST_TEST(o.code == boactl::exit_ok, o.err);
  boost::system::error_code ec;
  auto job = boost::json::parse(o.out, ec);
  BOOST_REQUIRE_MESSAGE(!ec, o.out);
  BOOST_TEST(job.at("id").as_string() == "j-j");
  BOOST_TEST(job.at("state").as_string() == "finished");
  BOOST_TEST(contains(o.err, "   1  fetch"), o.err);
}

BOOST_AUTO_TEST_CASE(watching_a_job_that_has_ended_prints_it_and_exits_with_its_code) {
  fake_cluster cluster;
  cluster.answer_with(node_with_job(protocol::job_state::canceled));
  auto o = run(cluster.connect(), {"job", "watch", "j-c"});
  BOOST_TEST(o.code == boactl::exit_failed);
  BOOST_TEST(contains(o.out, "job j-c was canceled after 3.10 s"), o.out);
}

BOOST_AUTO_TEST_CASE(showing_a_job_no_node_knows_exits_2_naming_the_nodes_asked) {
  fake_cluster cluster;
  cluster.serve_nodes({});
  cluster.answer_with([](const protocol::envelope& in) {
    return std::vector{boa::test::node_answer(
        in, "n1", protocol::error_reply({errc::not_found, "job 'j-nope' is not known to n1"}))};
  });
  auto o = run(cluster.connect(), {"job", "show", "j-nope"});
  BOOST_TEST(o.code == boactl::exit_bad_input);
  BOOST_TEST(contains(o.err, "boactl: no node knows job 'j-nope' (asked: n1;"), o.err);
}

BOOST_AUTO_TEST_CASE(a_job_is_shown_in_its_most_advanced_state_among_the_nodes) {
  fake_cluster cluster;
  cluster.serve_nodes({});
  cluster.answer_with([](const protocol::envelope& in) {
    auto running = boa::test::sample_job_json("j-1", protocol::job_state::running);
    auto finished = boa::test::sample_job_json("j-1", protocol::job_state::finished);
    running.as_object()["version"] = 3;
    finished.as_object()["version"] = 4;
    return std::vector{boa::test::node_answer(in, "n1", protocol::ok_reply(running)),
                       boa::test::node_answer(in, "n2", protocol::ok_reply(finished)),
                       boa::test::node_answer(
                           in, "n3", protocol::error_reply({errc::not_found, "not known to n3"}))};
  });
  auto o = run(cluster.connect(), {"job", "show", "j-1", "--json"});
  BOOST_TEST(o.code == boactl::exit_ok, o.err);
  BOOST_TEST(boost::json::parse(o.out).at("state").as_string() == "finished");
  auto command = protocol::parse_node_command(cluster.received().at(0).body);
  BOOST_REQUIRE(command);
  BOOST_TEST((command->what == protocol::node_command::kind::show_job));
  BOOST_TEST(cluster.received().at(0).address == protocol::all_nodes_address);
}

BOOST_AUTO_TEST_CASE(job_list_merges_every_nodes_store_one_row_per_job) {
  fake_cluster cluster;
  cluster.serve_nodes({});
  auto row = [](const char* id, const char* state, std::int64_t version, std::int64_t updated) {
    return boost::json::object{{"id", id},      {"workflow", "greet"}, {"state", state},
                               {"step", ""},    {"created_ms", 1000},  {"updated_ms", updated},
                               {"ended_ms", 0}, {"version", version},  {"error", ""}};
  };
  cluster.answer_with([&](const protocol::envelope& in) {
    boost::json::value n1 = {{"jobs", boost::json::array{row("j-a", "running", 2, 2000),
                                                         row("j-b", "finished", 5, 3000)}},
                             {"counts", {{"running", 1}, {"finished", 1}}}};
    boost::json::value n2 = {{"jobs", boost::json::array{row("j-a", "finished", 4, 4000)}},
                             {"counts", {{"finished", 1}}}};
    return std::vector{boa::test::node_answer(in, "n1", protocol::ok_reply(n1)),
                       boa::test::node_answer(in, "n2", protocol::ok_reply(n2))};
  });
  auto o = run(cluster.connect(), {"job", "list", "--limit", "5", "--json"});
  BOOST_TEST(o.code == boactl::exit_ok, o.err);
  auto doc = boost::json::parse(o.out);
  const auto& jobs = doc.at("jobs").as_array();
  BOOST_TEST_REQUIRE(jobs.size() == 2u);
  BOOST_TEST(jobs[0].at("id").as_string() == "j-a"); // newest first
  BOOST_TEST(jobs[0].at("state").as_string() == "finished");
  BOOST_TEST(doc.at("counts").at("finished").as_int64() == 2);
  BOOST_TEST(doc.at("nodes").as_array().size() == 2u);
  auto command = protocol::parse_node_command(cluster.received().at(0).body);
  BOOST_REQUIRE(command);
  BOOST_TEST(command->query.limit == 5);

  o = run(cluster.connect(), {"job", "list"});
  BOOST_TEST(o.code == boactl::exit_ok, o.err);
  BOOST_TEST(contains(o.out, "listed from the stores of n1, n2: 2 finished"), o.out);
}

BOOST_AUTO_TEST_CASE(a_cancel_checks_the_job_exists_then_broadcasts_the_command) {
  fake_cluster cluster;
  cluster.answer_with(node_with_job(protocol::job_state::running));
  auto o = run(cluster.connect(), {"job", "cancel", "j-r"});
  BOOST_TEST(o.code == boactl::exit_ok, o.err);
  BOOST_TEST(contains(o.out, "cancel sent to job j-r (running)"), o.out);
  BOOST_REQUIRE(cluster.wait_for_received(2));
  auto in = cluster.received();
  BOOST_TEST(in[0].subject == "show-job");
  BOOST_TEST(in[1].address == protocol::addresses::commands);
  auto command = protocol::parse_command(in[1].body);
  BOOST_REQUIRE(command);
  BOOST_TEST((command->what == protocol::job_command::action::cancel));
}

BOOST_AUTO_TEST_CASE(a_job_no_node_has_recorded_yet_still_gets_the_command_after_a_note) {
  fake_cluster cluster;
  cluster.answer_with([](const protocol::envelope& in) -> std::vector<protocol::envelope> {
    if (in.subject == "show-job")
      return {
          boa::test::failed_answer(in, errc::not_found, "job 'j-new' is not known to node 'a'")};
    return {};
  });
  auto o = run(cluster.connect(), {"job", "suspend", "j-new"});
  BOOST_TEST(o.code == boactl::exit_ok, o.err);
  BOOST_TEST(o.err ==
             "boactl: note: job 'j-new' is not known to node 'a'; sending suspend anyway\n");
  BOOST_REQUIRE(cluster.wait_for_received(2));
  BOOST_TEST(cluster.received()[1].address == protocol::addresses::commands);
}

BOOST_AUTO_TEST_CASE(watching_a_job_no_node_has_recorded_yet_waits_for_its_events) {
  fake_cluster cluster;
  std::atomic<int> shows{0};
  cluster.answer_with([&](const protocol::envelope& in) -> std::vector<protocol::envelope> {
    auto unknown = boa::test::failed_answer(in, errc::not_found, "job 'j-u' is not known");
    if (shows++ > 0)
      return {unknown};
    return {unknown, boa::test::event_message(boa::test::step_event("j-u", "fetch", 1, "ok", 5)),
            boa::test::event_message(boa::test::ended_event("j-u", protocol::job_state::finished))};
  });
  boactl::session s{cluster.connect(), {"amqp://127.0.0.1:5672", {}, {}}, fake_cluster::options()};
  std::ostringstream out, err;
  boactl::console c{out, err, false};
  BOOST_TEST(boactl::job_watch(s, c, "j-u") == boactl::exit_ok, err.str());
  BOOST_TEST(err.str() == "boactl: job 'j-u' is not known; waiting for the job's events (Ctrl-C to "
                          "stop)\n");
  BOOST_TEST(contains(out.str(), "   1  fetch"), out.str());
  BOOST_TEST(contains(out.str(), "job j-u finished\n"), out.str());
}

BOOST_AUTO_TEST_CASE(watching_says_once_that_the_job_is_suspended) {
  fake_cluster cluster;
  std::atomic<int> shows{0};
  cluster.answer_with([&](const protocol::envelope& in) {
    auto state = ++shows < 4 ? protocol::job_state::suspended : protocol::job_state::finished;
    return std::vector{boa::test::ok_answer(in, boa::test::sample_job_json("j-s", state))};
  });
  boactl::session s{cluster.connect(), {"amqp://127.0.0.1:5672", {}, {}}, fake_cluster::options()};
  std::ostringstream out, err;
  boactl::console c{out, err, false};
  BOOST_TEST(boactl::job_watch(s, c, "j-s") == boactl::exit_ok, err.str());
  BOOST_TEST(out.str().find("job j-s (greet@2) suspended, at step render\n"
                            "job j-s is suspended; `boactl job resume j-s` lets it go on\n"
                            "job j-s finished in 3.10 s\n") == 0,
             out.str());
}

BOOST_AUTO_TEST_CASE(resuming_a_job_that_has_ended_exits_2_and_sends_no_command) {
  fake_cluster cluster;
  cluster.answer_with(node_with_job(protocol::job_state::finished));
  auto o = run(cluster.connect(), {"job", "resume", "j-f"});
  BOOST_TEST(o.code == boactl::exit_bad_input);
  BOOST_TEST(contains(o.err, "job j-f has already ended (finished)"), o.err);
  BOOST_TEST(cluster.received().size() == 1u); // the show-job only
}

BOOST_AUTO_TEST_CASE(no_node_answering_exits_3_and_says_so) {
  fake_cluster cluster; // answers nothing
  auto o = run(cluster.connect(), {"--timeout", "0.1", "job", "list"});
  BOOST_TEST(o.code == boactl::exit_unreachable);
  BOOST_TEST(contains(o.err, "no node answered within 0.1 s"), o.err);
}

BOOST_AUTO_TEST_CASE(an_unreachable_broker_exits_3_naming_the_url) {
  std::string tried;
  boactl::connect_fn refused =
      [&](const boactl::broker_settings& broker) -> expected<std::shared_ptr<bus::bus>> {
    tried = broker.url;
    return error{errc::io, "cannot connect to " + broker.url + ": connection refused"};
  };
  auto o = run(refused, {"--broker", "amqp://127.0.0.1:1", "job", "list"});
  BOOST_TEST(o.code == boactl::exit_unreachable);
  BOOST_TEST(tried == "amqp://127.0.0.1:1");
  BOOST_TEST(o.err == "boactl: cannot connect to amqp://127.0.0.1:1: connection refused\n");
}

BOOST_AUTO_TEST_CASE(the_tls_ca_file_comes_from_its_flag_or_the_variable_boad_reads) {
  fake_cluster cluster;
  cluster.answer_with([](const protocol::envelope& in) {
    return std::vector{boa::test::ok_answer(in, boost::json::object{{"names", {"greet"}}})};
  });
  ::setenv("BOA_BROKER_TLS_CA_FILE", "/etc/boa/ca.pem", 1);
  auto from_env = run(cluster.connect(), {"--broker", "amqps://rabbit:5671", "repo", "list"});
  BOOST_TEST(cluster.last_tls_ca_file() == "/etc/boa/ca.pem");
  ::unsetenv("BOA_BROKER_TLS_CA_FILE");
  auto from_flag = run(cluster.connect(), {"--broker", "amqps://rabbit:5671",
                                           "--broker-tls-ca-file", "/tmp/ca.pem", "repo", "list"});
  BOOST_TEST(cluster.last_tls_ca_file() == "/tmp/ca.pem");
  BOOST_TEST(cluster.last_url() == "amqps://rabbit:5671");
  BOOST_TEST(from_env.code == boactl::exit_ok);
  BOOST_TEST(from_flag.code == boactl::exit_ok);
}

BOOST_AUTO_TEST_CASE(the_broker_comes_from_the_variables_boad_reads_when_no_flag_gives_it) {
  fake_cluster cluster;
  cluster.answer_with([](const protocol::envelope& in) {
    return std::vector{boa::test::ok_answer(in, boost::json::object{{"names", {"greet"}}})};
  });
  ::setenv("BOA_BROKER_URL", "amqp://10.1.2.3:5673", 1);
  ::setenv("BOA_BROKER_USERNAME", "ada", 1);
  auto from_env = run(cluster.connect(), {"repo", "list"});
  auto env_url = cluster.last_url();
  auto env_user = cluster.last_username();
  auto from_flag = run(cluster.connect(), {"--broker", "amqp://127.0.0.1:7", "repo", "list"});
  BOOST_TEST(cluster.last_url() == "amqp://127.0.0.1:7");
  ::unsetenv("BOA_BROKER_URL");
  ::unsetenv("BOA_BROKER_USERNAME");
  auto by_default = run(cluster.connect(), {"repo", "list"});
  BOOST_TEST(from_env.code == boactl::exit_ok);
  BOOST_TEST(from_env.out == "greet\n");
  BOOST_TEST(env_url == "amqp://10.1.2.3:5673");
  BOOST_TEST(env_user == "ada");
  BOOST_TEST(from_flag.code == boactl::exit_ok);
  BOOST_TEST(by_default.code == boactl::exit_ok);
  BOOST_TEST(cluster.last_url() == boactl::default_broker_url);
}

BOOST_AUTO_TEST_CASE(help_exits_0_and_unknown_commands_or_flags_exit_2) {
  auto never = [](const boactl::broker_settings&) -> expected<std::shared_ptr<bus::bus>> {
    return error{errc::internal, "must not connect"};
  };
  auto help = run(never, {"job", "start", "--help"});
  BOOST_TEST(help.code == boactl::exit_ok);
  BOOST_TEST(contains(help.out, "--wait"), help.out);
  BOOST_TEST(run(never, {"job", "frobnicate"}).code == boactl::exit_bad_input);
  BOOST_TEST(run(never, {"job", "list", "--bogus"}).code == boactl::exit_bad_input);
  BOOST_TEST(run(never, {}).code == boactl::exit_bad_input);
  BOOST_TEST(run(never, {"dead", "list", "--limit", "0"}).code == boactl::exit_bad_input);
}

BOOST_AUTO_TEST_CASE(a_repo_push_sends_the_checked_definition_with_notes) {
  fake_cluster cluster;
  cluster.answer_with([](const protocol::envelope& in) {
    return std::vector{boa::test::ok_answer(
        in, boost::json::object{
                {"name", "greet"}, {"revision", 3}, {"warnings", {"step 'x' is never reached"}}})};
  });
  test::temp_dir dir;
  auto file = write_file(dir, "greet.json", boa::test::greet_definition);
  auto o = run(cluster.connect(), {"repo", "push", file.string(), "--notes", "friendlier"});
  BOOST_TEST(o.code == boactl::exit_ok, o.err);
  BOOST_TEST(o.out == "pushed greet@3\n");
  BOOST_TEST(o.err == "warning: step 'x' is never reached\n");
  auto request = protocol::parse_request(cluster.received().at(0).body);
  BOOST_REQUIRE(request);
  BOOST_TEST((request->what == protocol::client_request::kind::push_workflow));
  BOOST_TEST(request->notes == "friendlier");
  BOOST_TEST(request->definition.at("name").as_string() == "greet");
}

BOOST_AUTO_TEST_CASE(dead_list_shows_each_message_with_its_reason_and_leaves_it) {
  fake_cluster cluster;
  protocol::envelope dead;
  dead.address = protocol::addresses::dead;
  dead.subject = "start-job";
  dead.message_id = "m-1";
  dead.dead_letter_reason = "start-job: workflow: unknown workflow 'nope'";
  dead.body = "{\"v\": 1,\n \"type\": \"start-job\", \"workflow\": \"nope\"}";
  BOOST_REQUIRE(cluster.bus()->core().publish(dead));
  auto o = run(cluster.connect(), {"dead", "list"});
  BOOST_TEST(o.code == boactl::exit_ok, o.err);
  BOOST_TEST(contains(o.out, "1 message in queue:boa.dead"), o.out);
  BOOST_TEST(contains(o.out, "reason      start-job: workflow: unknown workflow 'nope'"), o.out);
  BOOST_TEST(contains(o.out, "message id  m-1"), o.out);
  BOOST_TEST(contains(o.out, R"(body        {"v": 1, "type": "start-job", "workflow": "nope"})"),
             o.out);
  BOOST_TEST(cluster.bus()->core().stats(protocol::addresses::dead).ready == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(node_commands)

BOOST_AUTO_TEST_CASE(node_status_is_asked_of_the_named_node_and_printed) {
  fake_cluster cluster;
  cluster.serve_nodes({"n1"});
  cluster.answer_with([](const protocol::envelope& in) -> std::vector<protocol::envelope> {
    return {boa::test::node_answer(in, "n1", protocol::ok_reply(boa::test::status_data("n1", 4)))};
  });
  auto o = run(cluster.connect(), {"node", "n1", "status"});
  BOOST_TEST(o.code == boactl::exit_ok, o.err);
  BOOST_TEST(contains(o.out, "n1"), o.out);
  BOOST_TEST(contains(o.out, "running"), o.out);
  BOOST_TEST(contains(o.out, "1/4 busy"), o.out);
  auto sent = cluster.received();
  BOOST_TEST_REQUIRE(sent.size() == 1u);
  BOOST_TEST(sent[0].address == "topic:boa.node.n1");
  BOOST_TEST(!sent[0].reply_to.empty());
  auto c = protocol::parse_node_command(sent[0].body);
  BOOST_TEST_REQUIRE(c.has_value());
  BOOST_TEST((c->what == protocol::node_command::kind::status));
}

BOOST_AUTO_TEST_CASE(workers_and_system_commands_carry_their_system_and_count) {
  fake_cluster cluster;
  cluster.serve_nodes({"n1"});
  cluster.answer_with([](const protocol::envelope& in) -> std::vector<protocol::envelope> {
    return {boa::test::node_answer(in, "n1", protocol::ok_reply(boa::test::status_data("n1", 6)))};
  });
  auto o = run(cluster.connect(), {"node", "n1", "workers", "add", "workers", "2", "--json"});
  BOOST_TEST(o.code == boactl::exit_ok, o.err);
  auto doc = boost::json::parse(o.out);
  BOOST_TEST(doc.at("replies").at(0).at("node").as_string() == "n1");
  BOOST_TEST(doc.at("replies").at(0).at("ok").as_bool());
  o = run(cluster.connect(), {"node", "n1", "system", "restart", "workers"});
  BOOST_TEST(o.code == boactl::exit_ok, o.err);
  auto sent = cluster.received();
  BOOST_TEST_REQUIRE(sent.size() == 2u);
  auto add = protocol::parse_node_command(sent[0].body);
  BOOST_TEST_REQUIRE(add.has_value());
  BOOST_TEST((add->what == protocol::node_command::kind::workers_add));
  BOOST_TEST(add->system == "workers");
  BOOST_TEST(add->count == 2);
  auto restart = protocol::parse_node_command(sent[1].body);
  BOOST_TEST_REQUIRE(restart.has_value());
  BOOST_TEST((restart->what == protocol::node_command::kind::system_restart));
}

BOOST_AUTO_TEST_CASE(a_node_refusing_a_command_exits_2_with_its_message) {
  fake_cluster cluster;
  cluster.serve_nodes({"n1"});
  cluster.answer_with([](const protocol::envelope& in) -> std::vector<protocol::envelope> {
    return {boa::test::node_answer(
        in, "n1",
        protocol::error_reply({errc::invalid_input, "node 'n1' has no system 'x' (known: "
                                                    "workers)"}))};
  });
  auto o = run(cluster.connect(), {"node", "n1", "system", "stop", "x"});
  BOOST_TEST(o.code == boactl::exit_bad_input);
  BOOST_TEST(contains(o.err, "node n1: node 'n1' has no system 'x' (known: workers)"), o.err);
}

BOOST_AUTO_TEST_CASE(a_named_node_that_does_not_answer_exits_3_naming_it) {
  fake_cluster cluster; // no node listens
  auto o = run(cluster.connect(), {"--timeout", "0.1", "node", "n9", "status"});
  BOOST_TEST(o.code == boactl::exit_unreachable);
  BOOST_TEST(contains(o.err, "node n9 did not answer within 0.1 s"), o.err);
}

BOOST_AUTO_TEST_CASE(a_command_to_all_lists_every_answer_and_the_live_nodes_that_gave_none) {
  fake_cluster cluster;
  cluster.serve_nodes({});
  cluster.answer_with([](const protocol::envelope& in) -> std::vector<protocol::envelope> {
    if (in.address != protocol::all_nodes_address)
      return {};
    return {boa::test::heartbeat_message(boa::test::sample_beat("n1", 4)),
            boa::test::heartbeat_message(boa::test::sample_beat("n2", 2)),
            boa::test::heartbeat_message(boa::test::sample_beat("n3", 2)),
            boa::test::node_answer(in, "n1", protocol::ok_reply(boa::test::status_data("n1", 4))),
            boa::test::node_answer(
                in, "n2", protocol::ok_reply(boa::test::status_data("n2", 2, "draining")))};
  });
  auto o = run(cluster.connect(), {"--timeout", "0.5", "node", "all", "status"});
  BOOST_TEST(o.code == boactl::exit_unreachable);
  BOOST_TEST(contains(o.out, "n1"), o.out);
  BOOST_TEST(contains(o.out, "draining"), o.out);
  BOOST_TEST(contains(o.out, "n3"), o.out);
  BOOST_TEST(contains(o.err, "node n3 did not answer within"), o.err);
  BOOST_TEST(!contains(o.err, "node n1 did not"), o.err);
}

BOOST_AUTO_TEST_CASE(bad_node_command_arguments_exit_2_without_sending) {
  fake_cluster cluster;
  auto o = run(cluster.connect(), {"node", "n1", "workers", "add", "workers", "0"});
  BOOST_TEST(o.code == boactl::exit_bad_input);
  o = run(cluster.connect(), {"node", "n1", "reboot"});
  BOOST_TEST(o.code == boactl::exit_bad_input);
  BOOST_TEST(cluster.connects() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
