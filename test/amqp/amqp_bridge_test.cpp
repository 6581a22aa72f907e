#include <boost/test/unit_test.hpp>

#include "runtime/amqp/amqp_bridge.hpp"
#include "runtime/amqp/embedded_broker.hpp"
#include "test/amqp/bridge_test_support.hpp"
#include "test/amqp/bus_probe.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace {

using boa::errc;
using boa::amqp::bridge;
using boa::amqp::bridge_connection_event;
using boa::amqp::bridge_options;
using boa::amqp::embedded_broker;
using boa::amqp::test::bus_probe;
using boa::amqp::test::eventually;
using boa::amqp::test::message_to;
using boa::amqp::test::options_for;
using boa::amqp::test::recorded_events;
using boa::amqp::test::why;
using boa::bus::broker_core;
using boa::bus::settlement;
using boa::protocol::envelope;

/// A broker core behind an embedded broker on an ephemeral loopback port, a bridge connected to
/// it, and actors to receive what the bridge sends.
struct bridge_fixture {
  caf::actor_system_config config;
  caf::actor_system system{config};
  std::shared_ptr<broker_core> core;
  std::unique_ptr<embedded_broker> broker;
  std::shared_ptr<recorded_events> record = std::make_shared<recorded_events>();
  std::unique_ptr<bridge> bus;

  explicit bridge_fixture(std::shared_ptr<broker_core> c = std::make_shared<broker_core>())
      : core(std::move(c)) {
    auto started = embedded_broker::start(core, "127.0.0.1", 0);
    if (!started)
      BOOST_FAIL(started.error().message);
    broker = std::move(*started);
    auto connected = bridge::connect(options_for(broker->port(), record));
    if (!connected)
      BOOST_FAIL(connected.error().message);
    bus = std::move(*connected);
  }
  ~bridge_fixture() {
    bus.reset(); // the bridge first, so that it does not reconnect to a stopping broker
    broker.reset();
  }

  /// Publishes and requires the broker's acceptance.
  void publish_confirmed(const envelope& e) {
    static std::uint64_t token = 1000;
    bus_probe publisher(system);
    auto mine = ++token;
    bus->publish(e, publisher.actor(), mine);
    auto answer = publisher.confirmation_of(mine);
    BOOST_REQUIRE(answer.has_value());
    BOOST_REQUIRE_MESSAGE(answer->ok, answer->error);
  }

  boa::bus::queue_stats stats(const std::string& address) const { return core->stats(address); }
};

/// Durability that refuses to store anything: the broker core then refuses the publish.
struct refusing_store final : boa::bus::queue_durability {
  boa::bus::restored_queues restore() override { return {}; }
  boa::expected<void> apply(std::span<const boa::bus::durable_change>) override {
    return boa::error{errc::io, "the disk is full"};
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(amqp_bridge_tests)

BOOST_FIXTURE_TEST_CASE(a_publish_is_confirmed_once_the_core_holds_the_message, bridge_fixture) {
  bus_probe probe(system);
  bus->publish(message_to("queue:t.publish", 1), probe.actor(), 7);
  auto answer = probe.confirmation_of(7);
  BOOST_REQUIRE(answer.has_value());
  BOOST_TEST(answer->ok);
  BOOST_TEST(answer->error.empty());
  BOOST_TEST(stats("queue:t.publish").ready == 1u);
  BOOST_TEST(bus->connected());
}

BOOST_AUTO_TEST_CASE(a_publish_the_broker_refuses_is_confirmed_not_ok_with_its_reason) {
  auto core = std::make_shared<broker_core>(
      std::make_unique<refusing_store>(), [](const std::string& a) { return a == "queue:t.full"; });
  bridge_fixture f(core);
  bus_probe probe(f.system);
  f.bus->publish(message_to("queue:t.full", 1), probe.actor(), 1);
  f.bus->publish(message_to("queue:t.fine", 2), probe.actor(), 2);
  auto refused = probe.confirmation_of(1);
  auto taken = probe.confirmation_of(2);
  BOOST_REQUIRE(refused.has_value());
  BOOST_REQUIRE(taken.has_value());
  BOOST_TEST(!refused->ok);
  BOOST_TEST(refused->error.find("the disk is full") != std::string::npos, refused->error);
  BOOST_TEST(taken->ok);
  BOOST_TEST(f.stats("queue:t.full").ready == 0u);
  BOOST_TEST(f.stats("queue:t.fine").ready == 1u);
}

BOOST_FIXTURE_TEST_CASE(an_address_that_is_no_bus_address_is_refused_at_once, bridge_fixture) {
  bus_probe probe(system);
  bus->publish(message_to("nowhere", 1), probe.actor(), 3);
  auto answer = probe.confirmation_of(3);
  BOOST_REQUIRE(answer.has_value());
  BOOST_TEST(!answer->ok);
  BOOST_TEST(answer->error.find("nowhere") != std::string::npos, answer->error);
  auto sub = bus->subscribe("nowhere", probe.actor(), 1);
  BOOST_REQUIRE(!sub.has_value());
  BOOST_TEST((sub.error().code == errc::invalid_input));
}

BOOST_FIXTURE_TEST_CASE(credit_limits_deliveries_until_more_is_added, bridge_fixture) {
  bus_probe consumer(system);
  auto sub = bus->subscribe("queue:t.credit", consumer.actor(), 2);
  BOOST_REQUIRE(sub.has_value());
  for (int n = 1; n <= 5; ++n)
    publish_confirmed(message_to("queue:t.credit", n));
  // The broker took every publish after it had the link's credit: what it handed out is final.
  BOOST_TEST(eventually([&] { return consumer.deliveries_waiting() == 2; }));
  BOOST_TEST(stats("queue:t.credit").unsettled == 2u);
  BOOST_TEST(stats("queue:t.credit").ready == 3u);
  std::vector<boa::bus::delivery> got;
  for (int i = 0; i < 2; ++i)
    got.push_back(*consumer.next_delivery());
  BOOST_TEST(got[0].subscription == *sub);
  BOOST_TEST(got[0].message.address == "queue:t.credit");
  BOOST_TEST(got[0].message.body == message_to("queue:t.credit", 1).body);
  BOOST_TEST(got[0].tag != got[1].tag);

  bus->add_credit(*sub, 1);
  auto third = consumer.next_delivery();
  BOOST_REQUIRE(third.has_value());
  BOOST_TEST(third->message.body == message_to("queue:t.credit", 3).body);
  BOOST_TEST(eventually([&] { return stats("queue:t.credit").ready == 2u; }));
  BOOST_TEST(stats("queue:t.credit").unsettled == 3u);
  for (const auto& d : {got[0], got[1], *third})
    bus->settle(d.tag, settlement::accept);
  BOOST_TEST(eventually([&] { return stats("queue:t.credit").unsettled == 0u; }));
  BOOST_TEST(stats("queue:t.credit").ready == 2u);
  BOOST_TEST(consumer.deliveries_waiting() == 0u);
}

BOOST_FIXTURE_TEST_CASE(accept_release_and_reject_settle_in_the_broker, bridge_fixture) {
  for (int n = 1; n <= 3; ++n)
    publish_confirmed(message_to("queue:t.settle", n));
  bus_probe consumer(system);
  auto sub = bus->subscribe("queue:t.settle", consumer.actor(), 3);
  BOOST_REQUIRE(sub.has_value());
  auto first = consumer.next_delivery();
  auto second = consumer.next_delivery();
  auto third = consumer.next_delivery();
  BOOST_REQUIRE(first && second && third);
  bus->settle(first->tag, settlement::accept);
  bus->settle(second->tag, settlement::release);
  bus->settle(third->tag, settlement::reject, "cannot parse the job");
  BOOST_TEST(eventually([&] {
    auto s = stats("queue:t.settle");
    return s.ready == 1u && s.unsettled == 0u;
  }));
  BOOST_TEST(eventually([&] { return stats("queue:boa.dead").ready == 1u; }));

  // The released message comes back, marked as delivered before.
  bus->add_credit(*sub, 1);
  auto again = consumer.next_delivery();
  BOOST_REQUIRE(again.has_value());
  BOOST_TEST(again->message.body == second->message.body);
  BOOST_TEST(again->message.delivery_count >= 1u);
  bus->settle(again->tag, settlement::accept);

  // The rejected one waits in the dead-letter queue with the consumer's reason.
  bus_probe dead(system);
  BOOST_REQUIRE(bus->subscribe("queue:boa.dead", dead.actor(), 1).has_value());
  auto letter = dead.next_delivery();
  BOOST_REQUIRE(letter.has_value());
  BOOST_TEST(letter->message.body == third->message.body);
  BOOST_TEST(letter->message.dead_letter_reason == "cannot parse the job");
  BOOST_TEST(letter->message.address == "queue:boa.dead");
}

BOOST_FIXTURE_TEST_CASE(unsubscribing_gives_unsettled_deliveries_back, bridge_fixture) {
  publish_confirmed(message_to("queue:t.unsub", 1));
  bus_probe consumer(system);
  auto sub = bus->subscribe("queue:t.unsub", consumer.actor(), 1);
  BOOST_REQUIRE(sub.has_value());
  auto d = consumer.next_delivery();
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(eventually([&] { return stats("queue:t.unsub").unsettled == 1u; }));

  bus->unsubscribe(*sub);
  BOOST_TEST(eventually([&] {
    auto s = stats("queue:t.unsub");
    return s.ready == 1u && s.unsettled == 0u && s.consumers == 0u;
  }));
  // A settle after the unsubscribe is ignored; the publish queued behind it shows it was applied.
  bus->settle(d->tag, settlement::accept);
  publish_confirmed(message_to("queue:t.unsub", 2));
  BOOST_TEST(stats("queue:t.unsub").ready == 2u);
}

BOOST_FIXTURE_TEST_CASE(a_topic_fans_out_to_every_subscription, bridge_fixture) {
  bus_probe first(system);
  bus_probe second(system);
  BOOST_REQUIRE(bus->subscribe("topic:t.fan", first.actor(), 4).has_value());
  BOOST_REQUIRE(bus->subscribe("topic:t.fan", second.actor(), 4).has_value());
  // Both links are attached before the publish: the bridge sends in the order it was asked.
  publish_confirmed(message_to("topic:t.fan", 1));
  auto a = first.next_delivery();
  auto b = second.next_delivery();
  BOOST_REQUIRE(a && b);
  BOOST_TEST(a->message.body == message_to("topic:t.fan", 1).body);
  BOOST_TEST(b->message.body == a->message.body);
  BOOST_TEST(a->message.address == "topic:t.fan");
  BOOST_TEST(a->subscription != b->subscription);
  bus->settle(a->tag, settlement::accept);
  bus->settle(b->tag, settlement::accept);
}

BOOST_AUTO_TEST_CASE(credentials_the_broker_does_not_take_fail_the_connect) {
  auto core = std::make_shared<broker_core>();
  auto broker = embedded_broker::start(core, "127.0.0.1", 0);
  BOOST_REQUIRE_MESSAGE(broker.has_value(), why(broker));
  auto options = options_for((*broker)->port());
  options.username = "boa";
  options.password = "secret"; // a broker without users only knows ANONYMOUS
  auto connected = bridge::connect(options);
  BOOST_REQUIRE(!connected.has_value());
  BOOST_TEST((connected.error().code == errc::invalid_input)); // retrying cannot help
  BOOST_TEST(connected.error().message.find(options.url) != std::string::npos,
             connected.error().message);
  BOOST_TEST_MESSAGE(connected.error().message);
}

BOOST_FIXTURE_TEST_CASE(the_bridge_reconnects_and_the_unsettled_delivery_comes_back,
                        bridge_fixture) {
  bus_probe consumer(system);
  auto sub = bus->subscribe("queue:t.again", consumer.actor(), 1);
  BOOST_REQUIRE(sub.has_value());
  publish_confirmed(message_to("queue:t.again", 1));
  auto before = consumer.next_delivery();
  BOOST_REQUIRE(before.has_value());
  BOOST_TEST(bus->holds(before->tag));

  const auto port = broker->port();
  broker->stop();
  broker.reset();
  BOOST_TEST(eventually([&] { return !bus->connected(); }));
  BOOST_TEST(stats("queue:t.again").ready == 1u); // the broker took it back with the connection
  // What the consumer made of it must not be published: it comes again.
  BOOST_TEST(!bus->holds(before->tag));
  bus_probe publisher(system);
  bus->publish(message_to("queue:t.again", 2), publisher.actor(), 1);
  auto while_down = publisher.confirmation_of(1);
  BOOST_REQUIRE(while_down.has_value());
  BOOST_TEST(!while_down->ok);
  BOOST_TEST(while_down->error.find("connection lost") != std::string::npos, while_down->error);

  auto restarted = embedded_broker::start(core, "127.0.0.1", port);
  BOOST_REQUIRE_MESSAGE(restarted.has_value(), why(restarted));
  broker = std::move(*restarted);
  BOOST_REQUIRE(eventually([&] { return bus->connected(); }));

  // The consumer settles what it held (ignored: that delivery went back with the connection) and
  // grants the credit it used again, as consumers do; the message comes back.
  bus->settle(before->tag, settlement::accept);
  bus->add_credit(*sub, 1);
  auto after = consumer.next_delivery();
  BOOST_REQUIRE(after.has_value());
  BOOST_TEST(after->message.body == before->message.body);
  BOOST_TEST(after->message.delivery_count >= 1u);
  BOOST_TEST(after->tag != before->tag);
  BOOST_TEST(after->subscription == *sub);
  BOOST_TEST(bus->holds(after->tag));
  BOOST_TEST(!bus->holds(before->tag));
  bus->settle(before->tag, settlement::accept);
  publish_confirmed(message_to("queue:t.other", 3)); // behind the settle of the old tag
  BOOST_TEST(stats("queue:t.again").unsettled == 1u);
  bus->settle(after->tag, settlement::accept);
  BOOST_TEST(eventually([&] {
    auto s = stats("queue:t.again");
    return s.ready == 0u && s.unsettled == 0u;
  }));
  BOOST_TEST(!bus->holds(after->tag)); // settled

  BOOST_TEST(record->count(bridge_connection_event::kind::connected) == 2u);
  BOOST_TEST(record->count(bridge_connection_event::kind::lost) == 1u);
  BOOST_TEST(record->count(bridge_connection_event::kind::reconnecting) >= 1u);
}

BOOST_FIXTURE_TEST_CASE(close_gives_deliveries_back_and_refuses_later_calls, bridge_fixture) {
  publish_confirmed(message_to("queue:t.close", 1));
  bus_probe consumer(system);
  BOOST_REQUIRE(bus->subscribe("queue:t.close", consumer.actor(), 1).has_value());
  BOOST_REQUIRE(consumer.next_delivery().has_value());
  bus->close();
  BOOST_TEST(!bus->connected());
  BOOST_TEST(eventually([&] {
    auto s = stats("queue:t.close");
    return s.ready == 1u && s.unsettled == 0u && s.consumers == 0u;
  }));
  bus_probe publisher(system);
  bus->publish(message_to("queue:t.close", 2), publisher.actor(), 9);
  auto answer = publisher.confirmation_of(9);
  BOOST_REQUIRE(answer.has_value());
  BOOST_TEST(!answer->ok);
  BOOST_TEST(!bus->subscribe("queue:t.close", consumer.actor(), 1).has_value());
  bus->close(); // idempotent
  BOOST_TEST(record->count(bridge_connection_event::kind::lost) == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_ttl_survives_the_trip_through_the_broker, bridge_fixture) {
  auto e = message_to("queue:t.ttl", 1);
  e.ttl_ms = 60000;
  publish_confirmed(e);
  bus_probe consumer(system);
  BOOST_REQUIRE(bus->subscribe("queue:t.ttl", consumer.actor(), 1).has_value());
  auto d = consumer.next_delivery();
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->message.ttl_ms == 60000u);
  bus->settle(d->tag, settlement::accept);
}

BOOST_AUTO_TEST_CASE(a_message_published_through_the_bridge_expires_in_the_broker) {
  auto now = std::make_shared<std::atomic<std::int64_t>>(1000);
  bridge_fixture f(std::make_shared<broker_core>([now] { return now->load(); }));
  auto stale = message_to("queue:t.expiring", 1);
  stale.ttl_ms = 100;
  f.publish_confirmed(stale);
  *now += 100;
  f.publish_confirmed(message_to("queue:t.expiring", 2));
  bus_probe consumer(f.system);
  BOOST_REQUIRE(f.bus->subscribe("queue:t.expiring", consumer.actor(), 5).has_value());
  auto d = consumer.next_delivery();
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->message.message_id == "m-2");
  BOOST_TEST(f.stats("queue:t.expiring").expired == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
