#include <boost/test/unit_test.hpp>

#include "actors/messages.hpp"
#include "sim/broker_restart.hpp"
#include "sim/node_link.hpp"
#include "sim/trace.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include <memory>
#include <string>
#include <vector>

namespace {

using boa::bus::broker_core;
using boa::bus::settlement;
using boa::sim::link_direction;
using boa::sim::node_link;
using strings = std::vector<std::string>;

/// What a test actor received: deliveries and publish confirmations, in arrival order.
struct seen {
  struct confirmation {
    std::uint64_t token;
    bool ok;
    std::string error;
  };
  std::vector<boa::bus::delivery> deliveries;
  std::vector<confirmation> confirms;

  strings bodies() const {
    strings out;
    for (const auto& d : deliveries)
      out.push_back(d.message.body);
    return out;
  }
};

caf::behavior probe(caf::event_based_actor*, std::shared_ptr<seen> got) {
  return {
      [got](boa::actors::delivery_atom, const boa::bus::delivery& d) {
        got->deliveries.push_back(d);
      },
      [got](boa::actors::published_atom, std::uint64_t token, bool ok, const std::string& error) {
        got->confirms.push_back({token, ok, error});
      },
  };
}

boa::protocol::envelope message(const std::string& address, const std::string& body) {
  boa::protocol::envelope e;
  e.address = address;
  e.subject = "test";
  e.body = body;
  e.message_id = body;
  return e;
}

struct testing_config : caf::actor_system_config {
  testing_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.file-verbosity", caf::atom("quiet"));
    set("logger.console-verbosity", caf::atom("quiet"));
  }
};

/// One broker core, two links (node-1 and node-2, sessions 1 and 2) and a test actor per node,
/// under CAF's test coordinator; `now_ms` is the links' and the broker's clock.
struct link_fixture {
  testing_config config;
  caf::actor_system system{config};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(system.scheduler());
  std::int64_t now_ms = 0;
  boa::sim::trace events;
  std::shared_ptr<broker_core> core = std::make_shared<broker_core>([this] { return now_ms; });
  std::vector<std::unique_ptr<node_link>> links;
  std::shared_ptr<seen> got = std::make_shared<seen>();
  std::shared_ptr<seen> other_got = std::make_shared<seen>();
  caf::actor actor = system.spawn(probe, got);
  caf::actor other_actor = system.spawn(probe, other_got);

  link_fixture() {
    system.await_actors_before_shutdown(false);
    for (std::uint64_t i = 1; i <= 2; ++i)
      links.push_back(std::make_unique<node_link>(core, "node-" + std::to_string(i), i, events,
                                                  [this] { return now_ms; }));
  }
  ~link_fixture() {
    links.clear();
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(other_actor, caf::exit_reason::user_shutdown);
    sched.run();
  }

  node_link& link() { return *links[0]; }
  std::vector<node_link*> all_links() const {
    std::vector<node_link*> all;
    for (const auto& l : links)
      all.push_back(l.get());
    return all;
  }
  node_link& other() { return *links[1]; }
  void publish(const std::string& address, const std::string& body) {
    BOOST_REQUIRE(core->publish(message(address, body)).has_value());
  }
  std::uint64_t subscribe(node_link& on, const std::string& address, std::uint32_t credit,
                          const caf::actor& to) {
    auto id = on.subscribe(address, to, credit);
    BOOST_REQUIRE(id.has_value());
    return *id;
  }
  void run() { sched.run(); }
  /// Runs everything, timers included.
  void run_all() {
    do
      sched.run();
    while (sched.trigger_timeout());
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(node_link_faults, link_fixture)

BOOST_AUTO_TEST_CASE(without_faults_the_link_is_a_plain_bus) {
  auto id = subscribe(link(), "queue:work", 10, actor);
  publish("queue:work", "a");
  run();
  BOOST_REQUIRE(got->deliveries.size() == 1u);
  BOOST_TEST(got->deliveries[0].subscription == id);
  link().publish(message("queue:out", "x"), actor, 7);
  run();
  BOOST_REQUIRE(got->confirms.size() == 1u);
  BOOST_TEST(got->confirms[0].ok);
  BOOST_TEST(core->stats("queue:out").ready == 1u);
  link().settle(got->deliveries[0].tag, settlement::accept);
  BOOST_TEST(core->stats("queue:work").unsettled == 0u);
  BOOST_TEST(link().counters().held == 0u);
}

BOOST_AUTO_TEST_CASE(a_frozen_node_gets_nothing_and_sends_nothing_until_it_thaws) {
  subscribe(link(), "queue:work", 10, actor);
  publish("queue:work", "a");
  run();
  BOOST_REQUIRE(got->deliveries.size() == 1u);
  link().freeze();
  publish("queue:work", "b");
  publish("queue:work", "c");
  link().settle(got->deliveries[0].tag, settlement::accept);
  link().publish(message("queue:out", "x"), actor, 1);
  run();
  BOOST_TEST(got->bodies() == (strings{"a"}));
  BOOST_TEST(core->stats("queue:out").ready == 0u);
  BOOST_TEST(core->stats("queue:work").unsettled == 3u); // a's accept waits; b, c are in the link
  BOOST_TEST(got->confirms.empty());

  link().thaw();
  run();
  BOOST_TEST(got->bodies() == (strings{"a", "b", "c"}));
  BOOST_TEST(core->stats("queue:work").unsettled == 2u);
  BOOST_TEST(core->stats("queue:out").ready == 1u);
  BOOST_REQUIRE(got->confirms.size() == 1u);
  BOOST_TEST(got->confirms[0].ok);
  BOOST_TEST(link().counters().held == 4u); // b, c, the accept, the publish
}

BOOST_AUTO_TEST_CASE(an_inbound_partition_holds_deliveries_while_the_node_still_publishes) {
  subscribe(link(), "queue:work", 10, actor);
  link().partition(link_direction::inbound);
  BOOST_TEST(link().inbound_blocked());
  BOOST_TEST(!link().outbound_blocked());
  publish("queue:work", "a");
  link().publish(message("queue:out", "x"), actor, 1);
  run();
  BOOST_TEST(got->deliveries.empty());
  BOOST_TEST(got->confirms.empty()); // the broker took it; its answer is held
  BOOST_TEST(core->stats("queue:out").ready == 1u);
  link().heal();
  run();
  BOOST_TEST(got->bodies() == (strings{"a"}));
  BOOST_REQUIRE(got->confirms.size() == 1u);
  BOOST_TEST(got->confirms[0].ok);
}

BOOST_AUTO_TEST_CASE(an_outbound_partition_holds_settlements_credit_and_subscriptions) {
  subscribe(link(), "queue:work", 1, actor);
  publish("queue:work", "a");
  publish("queue:work", "b");
  run();
  BOOST_REQUIRE(got->deliveries.size() == 1u);
  link().partition(link_direction::outbound);
  link().settle(got->deliveries[0].tag, settlement::accept);
  link().add_credit(got->deliveries[0].subscription, 1);
  auto late = subscribe(link(), "queue:late", 5, actor);
  publish("queue:late", "l");
  run();
  BOOST_TEST(got->bodies() == (strings{"a"}));
  BOOST_TEST(core->stats("queue:work").unsettled == 1u);
  BOOST_TEST(core->stats("queue:late").consumers == 0u);

  link().heal();
  run();
  BOOST_TEST(got->bodies() == (strings{"a", "b", "l"}));
  BOOST_TEST(got->deliveries[2].subscription == late);   // the id the actor was given
  BOOST_TEST(core->stats("queue:work").unsettled == 1u); // b
}

BOOST_AUTO_TEST_CASE(a_silent_link_loses_its_session_after_the_idle_timeout) {
  subscribe(link(), "queue:work", 10, actor);
  subscribe(other(), "queue:work", 10, other_actor);
  publish("queue:work", "a"); // to node-1 (round robin)
  run();
  BOOST_REQUIRE(got->deliveries.size() == 1u);
  BOOST_TEST(!link().silent_since_ms());

  now_ms = 1000;
  link().partition(link_direction::both);
  BOOST_TEST(*link().silent_since_ms() == 1000);
  BOOST_TEST(!link().expire_if_silent(8999, 8000));
  BOOST_TEST(link().connected());
  BOOST_TEST(link().expire_if_silent(9000, 8000));
  BOOST_TEST(!link().connected());
  BOOST_TEST(!link().silent_since_ms());
  run();
  // The broker gave node-1's unsettled delivery to node-2.
  BOOST_REQUIRE(other_got->deliveries.size() == 1u);
  BOOST_TEST(other_got->deliveries[0].message.body == "a");
  BOOST_TEST(other_got->deliveries[0].message.delivery_count == 1u);
  BOOST_TEST(link().counters().sessions_lost == 1u);
}

BOOST_AUTO_TEST_CASE(after_a_lost_session_the_link_reconnects_as_the_bridge_does) {
  auto id = subscribe(link(), "queue:work", 2, actor);
  publish("queue:work", "a");
  run();
  BOOST_REQUIRE(got->deliveries.size() == 1u);
  const auto old_tag = got->deliveries[0].tag;

  link().partition(link_direction::inbound);
  publish("queue:work", "b");                          // held in the link, then lost
  link().publish(message("queue:out", "x"), actor, 1); // taken, its confirmation held
  link().drop_session("idle timeout");
  run();
  BOOST_TEST(core->stats("queue:work").ready == 2u); // a and b back in their queue
  BOOST_REQUIRE(got->confirms.size() == 1u);         // the bridge fails it, never re-sends
  BOOST_TEST(!got->confirms[0].ok);
  BOOST_TEST(core->stats("queue:out").ready == 1u); // yet the broker has it: at-least-once
  BOOST_TEST(link().counters().dropped_deliveries == 1u);

  link().publish(message("queue:out", "y"), actor, 2); // no session: refused at once
  run();
  BOOST_REQUIRE(got->confirms.size() == 2u);
  BOOST_TEST(!got->confirms[1].ok);
  BOOST_TEST(core->stats("queue:out").ready == 1u);

  link().heal(); // reconnects: the subscription again, with the credit not used (2 - 1)
  run();
  BOOST_TEST(link().connected());
  BOOST_TEST(link().counters().reconnects == 1u);
  BOOST_REQUIRE(got->deliveries.size() == 2u);
  BOOST_TEST(got->deliveries[1].message.body == "a");
  BOOST_TEST(got->deliveries[1].message.delivery_count == 1u);
  BOOST_TEST(got->deliveries[1].subscription == id);

  link().settle(old_tag, settlement::accept); // a tag of the lost session: dropped
  BOOST_TEST(link().counters().dropped_settlements == 1u);
  BOOST_TEST(core->stats("queue:work").unsettled == 1u);

  link().settle(got->deliveries[1].tag, settlement::accept);
  link().add_credit(id, 1);
  run();
  BOOST_REQUIRE(got->deliveries.size() == 3u);
  BOOST_TEST(got->deliveries[2].message.body == "b");
  BOOST_TEST(core->stats("queue:work").ready == 0u);
}

BOOST_AUTO_TEST_CASE(a_hung_node_learns_of_its_failed_publishes_only_when_it_thaws) {
  subscribe(link(), "queue:work", 10, actor);
  link().freeze();
  link().publish(message("queue:out", "x"), actor, 1);
  BOOST_TEST(link().expire_if_silent(8000, 8000));
  run();
  BOOST_TEST(got->confirms.empty());
  BOOST_TEST(core->stats("queue:work").consumers == 0u);
  publish("queue:work", "a");
  link().thaw();
  run();
  BOOST_REQUIRE(got->confirms.size() == 1u);
  BOOST_TEST(!got->confirms[0].ok);
  BOOST_TEST(core->stats("queue:out").ready == 0u); // never re-sent
  BOOST_TEST(link().connected());
  BOOST_TEST(got->bodies() == (strings{"a"}));
}

BOOST_AUTO_TEST_CASE(
    a_lost_accept_makes_the_broker_deliver_the_message_again_once_the_session_ends) {
  subscribe(link(), "queue:work", 10, actor);
  link().lose_accepts(42, 100);
  publish("queue:work", "a");
  run();
  BOOST_REQUIRE(got->deliveries.size() == 1u);
  link().settle(got->deliveries[0].tag, settlement::accept);
  run();
  // The broker never heard the accept: the message stays with this session, unsettled.
  BOOST_TEST(got->deliveries.size() == 1u);
  BOOST_TEST(core->stats("queue:work").unsettled == 1u);
  BOOST_TEST(link().counters().duplicated == 1u);

  link().lose_accepts(42, 0);
  link().drop_session("connection reset");
  run();
  BOOST_REQUIRE(got->deliveries.size() == 2u);
  BOOST_TEST(got->deliveries[1].message.body == "a");
  BOOST_TEST(got->deliveries[1].message.delivery_count == 1u);
  BOOST_TEST(link().redeliveries() == 1u);
  link().settle(got->deliveries[1].tag, settlement::accept);
  link().settle(got->deliveries[1].tag, settlement::release); // settled already: no effect
  run();
  BOOST_TEST(got->deliveries.size() == 2u);
  BOOST_TEST(core->stats("queue:work").unsettled == 0u);
  BOOST_TEST(core->stats("queue:work").ready == 0u);
}

BOOST_AUTO_TEST_CASE(delayed_deliveries_overtake_each_other_in_virtual_time) {
  link().delay_deliveries(system, 7, 50);
  subscribe(link(), "queue:one", 100, actor);
  subscribe(link(), "queue:two", 100, actor);
  strings sent;
  for (int i = 0; i < 10; ++i)
    for (const char* q : {"one", "two"}) {
      sent.push_back(std::string(q) + std::to_string(i));
      publish(std::string("queue:") + q, sent.back());
    }
  run();
  BOOST_TEST(got->deliveries.size() < sent.size()); // some wait for their timer
  run_all();
  BOOST_REQUIRE(got->deliveries.size() == sent.size());
  BOOST_TEST(got->bodies() != sent);
  BOOST_TEST(link().counters().delayed > 0u);
}

BOOST_AUTO_TEST_CASE(a_delayed_delivery_to_an_ended_subscription_is_dropped) {
  link().delay_deliveries(system, 7, 50);
  auto id = subscribe(link(), "queue:work", 100, actor);
  for (int i = 0; i < 5; ++i)
    publish("queue:work", std::to_string(i));
  run();
  const auto early = got->deliveries.size();
  BOOST_REQUIRE(early < 5u);
  link().unsubscribe(id);
  run_all();
  BOOST_TEST(got->deliveries.size() == early);
  BOOST_TEST(link().counters().dropped_deliveries == 5u - early);
  BOOST_TEST(core->stats("queue:work").ready == 5u); // all unsettled: the unsubscribe released them
}

BOOST_AUTO_TEST_CASE(a_broker_restart_keeps_durable_queues_and_every_link_reconnects) {
  subscribe(link(), "queue:boa.jobs.new", 10, actor);
  subscribe(other(), "topic:boa.events", 10, other_actor);
  publish("queue:boa.jobs.new", "job");
  publish("queue:boa.reply.client-1", "answer");
  run();
  BOOST_REQUIRE(got->deliveries.size() == 1u);

  auto dropped = boa::sim::restart_broker(*core, all_links(), events, false);
  BOOST_TEST(dropped == 1u); // the reply queue's message
  BOOST_TEST(!link().connected());
  BOOST_TEST(core->stats("queue:boa.jobs.new").ready == 1u);
  BOOST_TEST(core->stats("queue:boa.reply.client-1").ready == 0u);
  link().publish(message("queue:out", "x"), actor, 1); // the broker is down
  run();
  BOOST_REQUIRE(got->confirms.size() == 1u);
  BOOST_TEST(!got->confirms[0].ok);

  for (auto& l : links)
    l->reconnect();
  publish("topic:boa.events", "news");
  run();
  BOOST_TEST(got->bodies() == (strings{"job", "job"}));
  BOOST_TEST(got->deliveries[1].message.delivery_count == 1u);
  BOOST_TEST(other_got->bodies() == (strings{"news"}));
  BOOST_TEST(link().counters().reconnects == 1u);
  boa::sim::link_counters total;
  for (auto& l : links)
    total += l->counters();
  BOOST_TEST(total.reconnects == 2u);
  BOOST_TEST(total.sessions_lost == 2u);
  BOOST_TEST(total.failed_publishes == 1u);
}

BOOST_AUTO_TEST_CASE(a_hung_node_reconnects_to_a_restarted_broker_only_when_it_thaws) {
  subscribe(link(), "queue:work", 10, actor);
  link().freeze();
  boa::sim::restart_broker(*core, all_links(), events, true);
  BOOST_TEST(!link().connected());
  BOOST_TEST(other().connected());
  publish("queue:work", "a");
  run();
  BOOST_TEST(got->deliveries.empty());
  BOOST_TEST(core->stats("queue:work").consumers == 0u);
  link().thaw();
  run();
  BOOST_TEST(link().connected());
  BOOST_TEST(got->bodies() == (strings{"a"}));
}

BOOST_AUTO_TEST_CASE(an_unsubscribe_held_by_a_partition_stops_deliveries_at_once) {
  auto id = subscribe(link(), "queue:work", 10, actor);
  link().partition(link_direction::outbound);
  link().unsubscribe(id);
  publish("queue:work", "a"); // the broker does not know yet: it delivers
  run();
  BOOST_TEST(got->deliveries.empty());
  BOOST_TEST(core->stats("queue:work").unsettled == 1u);
  link().heal(); // the unsubscribe arrives and releases it
  run();
  BOOST_TEST(got->deliveries.empty());
  BOOST_TEST(core->stats("queue:work").consumers == 0u);
  BOOST_TEST(core->stats("queue:work").ready == 1u);
}

BOOST_AUTO_TEST_CASE(the_same_faults_give_the_same_trace) {
  auto run_once = [](std::uint64_t seed) {
    link_fixture f;
    f.link().lose_accepts(seed, 50);
    f.link().delay_deliveries(f.system, seed, 20);
    f.subscribe(f.link(), "queue:work", 100, f.actor);
    for (int i = 0; i < 20; ++i)
      f.publish("queue:work", std::to_string(i));
    f.run_all();
    for (const auto& d : f.got->deliveries)
      f.link().settle(d.tag, settlement::accept);
    f.run_all();
    return f.events.hash();
  };
  BOOST_TEST(run_once(3) == run_once(3));
  BOOST_TEST(run_once(3) != run_once(4));
}

BOOST_AUTO_TEST_CASE(a_publish_in_flight_is_confirmed_only_once_the_broker_has_it) {
  link().carry_publishes(system);
  link().publish(message("queue:out", "x"), actor, 7);
  run(); // sent, not yet there
  BOOST_TEST(got->confirms.empty());
  BOOST_TEST(core->stats("queue:out").ready == 0u);
  run_all();
  BOOST_REQUIRE(got->confirms.size() == 1u);
  BOOST_TEST(got->confirms[0].ok);
  BOOST_TEST(core->stats("queue:out").ready == 1u);
}

BOOST_AUTO_TEST_CASE(a_crash_loses_the_publishes_in_flight_and_nobody_is_told) {
  link().carry_publishes(system);
  link().publish(message("queue:out", "x"), actor, 7);
  run();
  link().cut();
  run_all();
  BOOST_TEST(got->confirms.empty()); // the node is gone: nothing settles on its word
  BOOST_TEST(core->stats("queue:out").ready == 0u);
  BOOST_TEST(link().counters().lost_in_flight == 1u);
}

BOOST_AUTO_TEST_CASE(a_publish_in_flight_when_the_session_is_lost_fails) {
  link().carry_publishes(system);
  link().publish(message("queue:out", "x"), actor, 7);
  run();
  link().drop_session("reset"); // reconnects at once: the publish was on the old session
  run_all();
  BOOST_REQUIRE(got->confirms.size() == 1u);
  BOOST_TEST(!got->confirms[0].ok);
  BOOST_TEST(core->stats("queue:out").ready == 0u);
}

BOOST_AUTO_TEST_CASE(the_planted_early_confirm_confirms_what_a_crash_then_loses) {
  link().carry_publishes(system);
  link().confirm_on_send();
  link().publish(message("queue:out", "x"), actor, 7);
  run();
  BOOST_REQUIRE(got->confirms.size() == 1u); // too early: the broker has nothing yet
  BOOST_TEST(got->confirms[0].ok);
  link().cut();
  run_all();
  BOOST_TEST(core->stats("queue:out").ready == 0u);
  BOOST_TEST(got->confirms.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
