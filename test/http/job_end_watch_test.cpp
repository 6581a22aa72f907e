#include <boost/test/unit_test.hpp>

#include "actors/bus/local_bus.hpp"
#include "protocol/envelope.hpp"
#include "protocol/event.hpp"
#include "runtime/http/job_end_watch.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <future>

namespace {

using namespace std::chrono_literals;
using boa::http::job_end_watch;

/// A watch over a real in-process bus, and a way to publish events on it as a job runner does.
struct watch_fixture {
  caf::actor_system_config config;
  caf::actor_system system{config};
  boa::bus::local_bus bus;
  std::unique_ptr<job_end_watch> watch = std::make_unique<job_end_watch>(system, bus);

  ~watch_fixture() {
    watch.reset();
    system.await_all_actors_done();
  }

  void publish(boa::protocol::job_event::kind type, const std::string& job_id) {
    boa::protocol::job_event e;
    e.type = type;
    e.job_id = job_id;
    e.state = boa::protocol::job_state::finished;
    boa::protocol::envelope env;
    env.address = boa::protocol::addresses::events;
    env.body = boa::protocol::serialize_event(e);
    bus.publish(std::move(env), caf::actor{}, 0);
  }

  static auto far() { return std::chrono::steady_clock::now() + 60s; }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(job_end_watch_suite, watch_fixture)

BOOST_AUTO_TEST_CASE(a_waiter_wakes_when_its_job_ended_event_comes) {
  auto ticket = watch->expect("j-00000000000000a1");
  auto woke = std::async(std::launch::async, [&] { return ticket->wait_until(far()); });
  // Another job's end and a step of this one wake nobody for good.
  publish(boa::protocol::job_event::kind::job_ended, "j-00000000000000b2");
  publish(boa::protocol::job_event::kind::step_finished, "j-00000000000000a1");
  publish(boa::protocol::job_event::kind::job_ended, "j-00000000000000a1");
  BOOST_TEST(woke.get());
}

BOOST_AUTO_TEST_CASE(an_end_before_the_wait_begins_is_not_missed) {
  auto ticket = watch->expect("j-00000000000000a1");
  publish(boa::protocol::job_event::kind::job_ended, "j-00000000000000a1");
  BOOST_TEST(ticket->wait_until(far()));
}

BOOST_AUTO_TEST_CASE(a_wait_without_an_end_runs_out_and_says_so) {
  auto ticket = watch->expect("j-00000000000000a1");
  publish(boa::protocol::job_event::kind::job_ended, "j-00000000000000b2");
  BOOST_TEST(!ticket->wait_until(std::chrono::steady_clock::now() + 50ms));
}

BOOST_AUTO_TEST_CASE(stopping_the_watch_answers_every_waiter_at_once) {
  auto first = watch->expect("j-00000000000000a1");
  auto second = watch->expect("j-00000000000000a2");
  auto a = std::async(std::launch::async, [&] { return first->wait_until(far()); });
  auto b = std::async(std::launch::async, [&] { return second->wait_until(far()); });
  watch->stop();
  BOOST_TEST(!a.get());
  BOOST_TEST(!b.get());
}

BOOST_AUTO_TEST_SUITE_END()
