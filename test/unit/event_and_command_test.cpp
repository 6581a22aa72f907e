#include <boost/test/unit_test.hpp>

#include "protocol/envelope.hpp"
#include "protocol/event.hpp"
#include "protocol/job_command.hpp"

using namespace boa::protocol;

BOOST_AUTO_TEST_SUITE(events_and_commands)

BOOST_AUTO_TEST_CASE(a_step_finished_event_survives_a_round_trip_with_escaped_text) {
  job_event e;
  e.type = job_event::kind::step_finished;
  e.job_id = "j-1";
  e.workflow = "w";
  e.node = "node-1";
  e.at_ms = 1700000000123;
  e.step = "fetch";
  e.attempt = 3;
  e.result = "error";
  e.duration_ms = 42;
  e.worker = "worker-2";
  e.will_retry = true;
  e.error = "line one\n\"quoted\" \\ tail";
  e.state = job_state::running;
  auto back = parse_event(serialize_event(e));
  BOOST_REQUIRE(back);
  BOOST_TEST(back->job_id == e.job_id);
  BOOST_TEST(back->step == e.step);
  BOOST_TEST(back->attempt == 3);
  BOOST_TEST(back->result == "error");
  BOOST_TEST(back->duration_ms == 42);
  BOOST_TEST(back->at_ms == e.at_ms);
  BOOST_TEST(back->worker == e.worker);
  BOOST_TEST(back->will_retry);
  BOOST_TEST(back->error == e.error);
  BOOST_TEST((back->type == job_event::kind::step_finished));
}

BOOST_AUTO_TEST_CASE(a_job_ended_event_carries_its_final_state) {
  job_event e;
  e.type = job_event::kind::job_ended;
  e.job_id = "j-2";
  e.state = job_state::canceled;
  e.error = "canceled on request";
  auto back = parse_event(serialize_event(e));
  BOOST_REQUIRE(back);
  BOOST_TEST((back->type == job_event::kind::job_ended));
  BOOST_TEST(back->state == job_state::canceled);
  BOOST_TEST(back->error == "canceled on request");
}

BOOST_AUTO_TEST_CASE(bad_events_are_rejected_naming_the_member) {
  auto not_json = parse_event("{nope");
  BOOST_REQUIRE(!not_json);
  auto bad_state = parse_event(R"({"type": "job-ended", "job": "j", "state": "melted"})");
  BOOST_REQUIRE(!bad_state);
  BOOST_TEST(bad_state.error().message.find("state") != std::string::npos);
  auto bad_type = parse_event(R"({"type": "gossip", "job": "j", "state": "running"})");
  BOOST_REQUIRE(!bad_type);
  BOOST_TEST(bad_type.error().message.find("type") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_command_carries_when_it_was_issued_and_a_bad_time_is_refused) {
  auto back = parse_command(serialize_command({"j-9", job_command::action::resume, 1234}));
  BOOST_REQUIRE(back);
  BOOST_TEST(back->issued_ms == 1234);
  auto unstamped =
      parse_command(R"({"v": 1, "type": "job-command", "job": "j", "action": "cancel"})");
  BOOST_REQUIRE(unstamped);
  BOOST_TEST(unstamped->issued_ms == 0);
  auto negative = parse_command(
      R"({"v": 1, "type": "job-command", "job": "j", "action": "cancel", "issued_ms": -5})");
  BOOST_REQUIRE(!negative);
  BOOST_TEST(negative.error().message.find("issued_ms") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_command_is_stale_for_a_job_that_saw_one_issued_at_or_after_it) {
  BOOST_TEST(is_stale_command(100, 200));
  BOOST_TEST(is_stale_command(200, 200));
  BOOST_TEST(!is_stale_command(300, 200));
  BOOST_TEST(!is_stale_command(0, 200)); // unknown time
  BOOST_TEST(!is_stale_command(100, 0)); // the job has seen no command
}

BOOST_AUTO_TEST_CASE(a_resume_is_also_published_to_the_durable_resumes_queue) {
  const std::vector<std::string> broadcast{addresses::commands};
  const std::vector<std::string> both{addresses::commands, addresses::resumes};
  BOOST_TEST(command_addresses(job_command::action::cancel) == broadcast,
             boost::test_tools::per_element());
  BOOST_TEST(command_addresses(job_command::action::suspend) == broadcast,
             boost::test_tools::per_element());
  BOOST_TEST(command_addresses(job_command::action::resume) == both,
             boost::test_tools::per_element());
  BOOST_TEST(addresses::is_durable_queue(addresses::resumes));
}

BOOST_AUTO_TEST_CASE(job_commands_round_trip_and_unknown_actions_are_refused) {
  for (auto a :
       {job_command::action::cancel, job_command::action::suspend, job_command::action::resume}) {
    auto back = parse_command(serialize_command({"j-9", a}));
    BOOST_REQUIRE(back);
    BOOST_TEST(back->job_id == "j-9");
    BOOST_TEST((back->what == a));
  }
  auto unknown =
      parse_command(R"({"v": 1, "type": "job-command", "job": "j", "action": "explode"})");
  BOOST_REQUIRE(!unknown);
  BOOST_TEST(unknown.error().message.find("explode") != std::string::npos);
  auto no_job = parse_command(R"({"v": 1, "type": "job-command", "action": "cancel"})");
  BOOST_REQUIRE(!no_job);
  BOOST_TEST(no_job.error().message.find("job") != std::string::npos);
  auto code =
      parse_command(R"json({"v": 1, "type": "job-command", "job": "j", "action": "(eval)"})json");
  BOOST_TEST(!code);
}

BOOST_AUTO_TEST_SUITE_END()
