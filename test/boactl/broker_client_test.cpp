#include <boost/test/unit_test.hpp>

#include "fake_cluster.hpp"

#include "tools/boactl/broker_client.hpp"
#include "tools/boactl/exit_codes.hpp"

#include <atomic>
#include <set>

using namespace boa;
using boa::test::fake_cluster;

namespace {

protocol::client_request list_jobs() {
  protocol::client_request r;
  r.what = protocol::client_request::kind::list_jobs;
  return r;
}

boost::json::value jobs_with_id(const std::string& id) {
  return boost::json::object{{"jobs", boost::json::array{boost::json::object{{"id", id}}}}};
}

std::string first_job_id(const protocol::client_reply& reply) {
  return reply.data.at("jobs").at(0).at("id").as_string().c_str();
}

} // namespace

BOOST_AUTO_TEST_SUITE(broker_client)

BOOST_AUTO_TEST_CASE(a_request_goes_to_the_requests_queue_with_a_private_reply_to) {
  fake_cluster cluster;
  cluster.answer_with([](const protocol::envelope& in) {
    return std::vector{boa::test::ok_answer(in, jobs_with_id("j-1"))};
  });
  boactl::broker_client client(cluster.bus(), fake_cluster::options());
  BOOST_REQUIRE(client.request(list_jobs()));
  BOOST_REQUIRE(client.request(list_jobs()));
  auto in = cluster.received();
  BOOST_REQUIRE_EQUAL(in.size(), 2u);
  for (const auto& m : in) {
    BOOST_TEST(m.address == protocol::requests_address);
    BOOST_TEST(m.subject == "list-jobs");
    BOOST_TEST(m.reply_to == "queue:boa.reply.boactl-test");
    BOOST_TEST(!m.message_id.empty());
    BOOST_TEST(protocol::parse_request(m.body).has_value());
  }
  BOOST_TEST(in[0].message_id != in[1].message_id);
}

BOOST_AUTO_TEST_CASE(a_reply_for_another_request_is_ignored) {
  fake_cluster cluster;
  cluster.answer_with([](const protocol::envelope& in) {
    auto stray = boa::test::ok_answer(in, jobs_with_id("j-wrong"));
    stray.correlation_id = "someone-else-1";
    return std::vector{stray, boa::test::ok_answer(in, jobs_with_id("j-right"))};
  });
  boactl::broker_client client(cluster.bus(), fake_cluster::options());
  auto reply = client.request(list_jobs());
  BOOST_REQUIRE(reply);
  BOOST_TEST(first_job_id(*reply) == "j-right");
}

BOOST_AUTO_TEST_CASE(a_late_reply_to_an_abandoned_request_does_not_answer_the_next_one) {
  fake_cluster cluster;
  std::string first_id;
  std::atomic<int> seen{0};
  cluster.answer_with([&](const protocol::envelope& in) -> std::vector<protocol::envelope> {
    if (seen++ == 0) {
      first_id = in.message_id; // no answer now: the client gives up
      return {};
    }
    auto late = boa::test::ok_answer(in, jobs_with_id("j-late"));
    late.correlation_id = first_id;
    return {late, boa::test::ok_answer(in, jobs_with_id("j-current"))};
  });
  auto options = fake_cluster::options();
  options.timeout = std::chrono::milliseconds(300);
  boactl::broker_client client(cluster.bus(), options);
  BOOST_TEST(!client.request(list_jobs()).has_value());
  auto reply = client.request(list_jobs());
  BOOST_REQUIRE(reply);
  BOOST_TEST(first_job_id(*reply) == "j-current");
}

BOOST_AUTO_TEST_CASE(a_request_nobody_answers_fails_saying_no_node_answered) {
  fake_cluster cluster; // answers nothing
  auto options = fake_cluster::options();
  options.timeout = std::chrono::milliseconds(100);
  boactl::broker_client client(cluster.bus(), options);
  auto reply = client.request(list_jobs());
  BOOST_REQUIRE(!reply);
  BOOST_TEST((reply.error().code == errc::timeout));
  BOOST_TEST(reply.error().message.find("no node answered within 0.1 s") != std::string::npos);
  BOOST_TEST(reply.error().message.find("amqp://127.0.0.1:5672") != std::string::npos);
  BOOST_TEST(boactl::exit_code_of_client_error(reply.error()) == boactl::exit_unreachable);
}

BOOST_AUTO_TEST_CASE(a_node_error_comes_back_as_a_failed_reply) {
  fake_cluster cluster;
  cluster.answer_with([](const protocol::envelope& in) {
    return std::vector{boa::test::failed_answer(in, errc::not_found, "job 'j-9' not found")};
  });
  boactl::broker_client client(cluster.bus(), fake_cluster::options());
  auto reply = client.request(list_jobs());
  BOOST_REQUIRE(reply);
  BOOST_TEST(!reply->ok);
  BOOST_TEST((reply->error_code == errc::not_found));
  BOOST_TEST(reply->error_message == "job 'j-9' not found");
}

BOOST_AUTO_TEST_CASE(a_start_job_goes_to_the_new_jobs_queue_and_gets_its_reply) {
  fake_cluster cluster;
  cluster.answer_with([](const protocol::envelope& in) {
    auto start = protocol::parse_start_job(in.body);
    return std::vector{boa::test::ok_answer(
        in, boost::json::object{{"job_id", start ? start->job_id : "?"}, {"workflow", "greet"}})};
  });
  boactl::broker_client client(cluster.bus(), fake_cluster::options());
  protocol::start_job_request start;
  start.job_id = "j-42";
  start.workflow_ref = "greet@2";
  auto reply = client.start_job(start);
  BOOST_REQUIRE(reply);
  BOOST_TEST(reply->data.at("job_id").as_string() == "j-42");
  auto in = cluster.received();
  BOOST_REQUIRE_EQUAL(in.size(), 1u);
  BOOST_TEST(in[0].address == protocol::addresses::new_jobs);
  BOOST_TEST(in[0].subject == "start-job");
}

BOOST_AUTO_TEST_CASE(waiting_ends_on_job_ended_and_reports_the_final_job) {
  fake_cluster cluster;
  cluster.answer_with([](const protocol::envelope& in) {
    return std::vector{
        boa::test::ok_answer(in, boa::test::sample_job_json("j-7", protocol::job_state::error))};
  });
  boactl::broker_client client(cluster.bus(), fake_cluster::options());
  BOOST_REQUIRE(client.follow_events("j-7"));
  auto* bus = cluster.bus().get();
  bus->publish(boa::test::event_message(boa::test::step_event("j-7", "fetch", 1, "ok", 120)), {},
               0);
  bus->publish(boa::test::event_message(boa::test::step_event("j-other", "x", 1, "ok", 1)), {}, 0);
  bus->publish(boa::test::event_message(
                   boa::test::ended_event("j-7", protocol::job_state::error, "step render failed")),
               {}, 0);
  std::vector<std::string> seen;
  boactl::watch_callbacks callbacks;
  callbacks.on_event = [&](const protocol::job_event& e) {
    seen.push_back(e.job_id + ":" + e.step);
  };
  auto end = client.wait_for_end("j-7", callbacks);
  BOOST_REQUIRE(end);
  BOOST_TEST((end->state == protocol::job_state::error));
  BOOST_TEST(end->error == "step render failed");
  BOOST_TEST(end->job.at("id").as_string() == "j-7");
  BOOST_TEST((seen == std::vector<std::string>{"j-7:fetch", "j-7:"}));
}

BOOST_AUTO_TEST_CASE(waiting_falls_back_to_the_event_when_no_node_shows_the_ended_job) {
  fake_cluster cluster; // answers nothing
  auto options = fake_cluster::options();
  options.timeout = std::chrono::milliseconds(50);
  boactl::broker_client client(cluster.bus(), options);
  BOOST_REQUIRE(client.follow_events("j-8"));
  cluster.bus()->publish(
      boa::test::event_message(boa::test::ended_event("j-8", protocol::job_state::canceled)), {},
      0);
  auto end = client.wait_for_end("j-8", {});
  BOOST_REQUIRE(end);
  BOOST_TEST((end->state == protocol::job_state::canceled));
  BOOST_TEST(end->job.is_null());
}

BOOST_AUTO_TEST_CASE(a_missed_job_ended_event_is_made_up_for_by_polling) {
  fake_cluster cluster;
  std::atomic<int> polls{0};
  cluster.answer_with([&](const protocol::envelope& in) {
    auto state = ++polls < 3 ? protocol::job_state::running : protocol::job_state::finished;
    return std::vector{boa::test::ok_answer(in, boa::test::sample_job_json("j-5", state))};
  });
  boactl::broker_client client(cluster.bus(), fake_cluster::options());
  int running_polls = 0;
  boactl::watch_callbacks callbacks;
  callbacks.on_poll = [&](const protocol::job& j) {
    if (j.state == protocol::job_state::running)
      ++running_polls;
  };
  auto end = client.wait_for_end("j-5", callbacks);
  BOOST_REQUIRE(end);
  BOOST_TEST((end->state == protocol::job_state::finished));
  BOOST_TEST(running_polls == 2);
}

BOOST_AUTO_TEST_CASE(a_message_the_broker_does_not_take_fails_the_request_with_its_reason) {
  fake_cluster cluster;
  auto flaky = std::make_shared<boa::test::flaky_bus>(cluster.bus());
  flaky->refuse_next = 1;
  boactl::broker_client client(flaky, fake_cluster::options());
  auto reply = client.request(list_jobs());
  BOOST_REQUIRE(!reply);
  BOOST_TEST((reply.error().code == errc::io));
  BOOST_TEST(reply.error().message ==
             "the broker at amqp://127.0.0.1:5672 did not take a message to queue:boa.requests: "
             "connection lost to amqp://127.0.0.1:5672");
  BOOST_TEST(boactl::exit_code_of_client_error(reply.error()) == boactl::exit_unreachable);
}

BOOST_AUTO_TEST_CASE(waiting_rides_out_a_broker_that_is_gone_for_a_moment) {
  fake_cluster cluster;
  cluster.answer_with([](const protocol::envelope& in) {
    return std::vector{
        boa::test::ok_answer(in, boa::test::sample_job_json("j-4", protocol::job_state::finished))};
  });
  auto flaky = std::make_shared<boa::test::flaky_bus>(cluster.bus());
  flaky->refuse_next = 2; // two polls
  boactl::broker_client client(flaky, fake_cluster::options());
  auto end = client.wait_for_end("j-4", {});
  BOOST_REQUIRE(end);
  BOOST_TEST((end->state == protocol::job_state::finished));
  BOOST_TEST(flaky->refuse_next <= 0);
}

BOOST_AUTO_TEST_CASE(waiting_gives_up_when_the_broker_stays_away) {
  fake_cluster cluster;
  auto flaky = std::make_shared<boa::test::flaky_bus>(cluster.bus());
  flaky->refuse_next = 1'000'000;
  auto options = fake_cluster::options();
  options.timeout = std::chrono::milliseconds(200);
  boactl::broker_client client(flaky, options);
  auto end = client.wait_for_end("j-4", {});
  BOOST_REQUIRE(!end);
  BOOST_TEST((end.error().code == errc::io));
  BOOST_TEST(end.error().message.find("gave up waiting for job j-4: the broker has been out of "
                                      "reach for 0.2 s") == 0,
             end.error().message);
}

BOOST_AUTO_TEST_CASE(a_job_command_is_broadcast_on_the_commands_topic) {
  fake_cluster cluster;
  boactl::broker_client client(cluster.bus(), fake_cluster::options());
  BOOST_REQUIRE(client.send_command({"j-3", protocol::job_command::action::suspend}));
  BOOST_REQUIRE(cluster.wait_for_received(1));
  auto in = cluster.received().at(0);
  BOOST_TEST(in.address == protocol::addresses::commands);
  auto command = protocol::parse_command(in.body);
  BOOST_REQUIRE(command);
  BOOST_TEST(command->job_id == "j-3");
  BOOST_TEST((command->what == protocol::job_command::action::suspend));
}

BOOST_AUTO_TEST_CASE(a_resume_is_broadcast_and_also_kept_in_the_durable_resumes_queue) {
  // The broadcast reaches the nodes that hear it now; the queue copy waits for one that can.
  fake_cluster cluster;
  boactl::broker_client client(cluster.bus(), fake_cluster::options());
  BOOST_REQUIRE(client.send_command({"j-5", protocol::job_command::action::resume, 1234}));
  BOOST_REQUIRE(cluster.wait_for_received(2));
  auto in = cluster.received();
  BOOST_TEST(in.at(0).address == protocol::addresses::commands);
  BOOST_TEST(in.at(1).address == protocol::addresses::resumes);
  for (const auto& m : in) {
    auto command = protocol::parse_command(m.body);
    BOOST_REQUIRE(command);
    BOOST_TEST(command->job_id == "j-5");
    BOOST_TEST((command->what == protocol::job_command::action::resume));
    BOOST_TEST(command->issued_ms == 1234);
  }
}

BOOST_AUTO_TEST_CASE(browsing_the_dead_letters_leaves_them_in_the_queue_in_order) {
  fake_cluster cluster;
  for (int i = 1; i <= 3; ++i) {
    protocol::envelope dead;
    dead.address = protocol::addresses::dead;
    dead.subject = "start-job";
    dead.message_id = "m-" + std::to_string(i);
    dead.dead_letter_reason = "reason " + std::to_string(i);
    dead.body = "{}";
    BOOST_REQUIRE(cluster.bus()->core().publish(dead));
  }
  boactl::broker_client client(cluster.bus(), fake_cluster::options());
  auto some = client.browse_dead(2);
  BOOST_REQUIRE(some);
  BOOST_REQUIRE_EQUAL(some->size(), 2u);
  BOOST_TEST((*some)[0].message_id == "m-1");
  BOOST_TEST((*some)[1].dead_letter_reason == "reason 2");
  BOOST_TEST(cluster.bus()->core().stats(protocol::addresses::dead).ready == 3u);
  auto all = client.browse_dead(10);
  BOOST_REQUIRE(all);
  std::vector<std::string> ids;
  for (const auto& m : *all)
    ids.push_back(m.message_id);
  BOOST_TEST((ids == std::vector<std::string>{"m-1", "m-2", "m-3"}));
  BOOST_TEST(cluster.bus()->core().stats(protocol::addresses::dead).ready == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
