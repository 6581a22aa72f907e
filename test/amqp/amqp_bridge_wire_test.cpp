#include <boost/test/unit_test.hpp>

#include "runtime/amqp/amqp_bridge.hpp"
#include "test/amqp/bridge_test_support.hpp"
#include "test/amqp/bus_probe.hpp"
#include "test/amqp/scripted_peer.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <proton/message.hpp>
#include <proton/message_id.hpp>

#include <map>
#include <string>

// What the bridge puts on the wire, as a scripted peer records it: the header of the messages it
// publishes and the termini of the links it attaches.

namespace {

using boa::amqp::bridge;
using boa::amqp::test::bus_probe;
using boa::amqp::test::eventually;
using boa::amqp::test::message_to;
using boa::amqp::test::options_for;
using boa::amqp::test::scripted_peer;
using boa::amqp::test::why;

} // namespace

BOOST_AUTO_TEST_SUITE(amqp_bridge_wire)

BOOST_AUTO_TEST_CASE(only_messages_to_durable_queues_are_sent_durable_and_the_ttl_goes_along) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  scripted_peer peer;
  auto connected = bridge::connect(options_for(peer.port()));
  BOOST_REQUIRE_MESSAGE(connected.has_value(), why(connected));
  auto& bus = **connected;
  bus_probe publisher(system);
  auto job = message_to("queue:t.jobs", 1);
  auto reply = message_to("queue:boa.reply.t-client", 2);
  auto beat = message_to("topic:t.beats", 3);
  beat.ttl_ms = 3000;
  bus.publish(job, publisher.actor(), 1);
  bus.publish(reply, publisher.actor(), 2);
  bus.publish(beat, publisher.actor(), 3);
  BOOST_REQUIRE(peer.wait_published(3));

  std::map<std::string, proton::message> by_id;
  for (auto& m : peer.published_messages())
    by_id[proton::get<std::string>(m.id())] = m;
  BOOST_REQUIRE(by_id.size() == 3u);
  BOOST_TEST(by_id["m-1"].durable());
  BOOST_TEST(by_id["m-1"].ttl().milliseconds() == 0);
  BOOST_TEST(!by_id["m-2"].durable());
  BOOST_TEST(!by_id["m-3"].durable());
  BOOST_TEST(by_id["m-3"].ttl().milliseconds() == 3000);
}

BOOST_AUTO_TEST_CASE(links_to_durable_queues_have_durable_termini_and_no_others) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  scripted_peer peer;
  auto connected = bridge::connect(options_for(peer.port()));
  BOOST_REQUIRE_MESSAGE(connected.has_value(), why(connected));
  auto& bus = **connected;
  bus_probe publisher(system);
  bus_probe consumer(system);
  const std::map<std::string, std::string> amqp_form = {
      {"queue:t.jobs", "/queue/t.jobs"},
      {"queue:boa.reply.t-client", "/queue/boa.reply.t-client"},
      {"topic:t.beats", "/topic/t.beats"},
  };
  int n = 0;
  for (const auto& [logical, amqp] : amqp_form) {
    ++n;
    bus.publish(message_to(logical, n), publisher.actor(), static_cast<std::uint64_t>(n));
    BOOST_REQUIRE(bus.subscribe(logical, consumer.actor(), 1).has_value());
  }
  BOOST_REQUIRE(peer.wait_published(3));
  for (const auto& [logical, amqp] : amqp_form) {
    BOOST_TEST_CONTEXT(logical) {
      // Captured by name: clang 14 (the sanitizer builds) cannot capture a structured binding.
      BOOST_REQUIRE(eventually(
          [&peer, &address = amqp] { return peer.consuming_terminus(address).has_value(); }));
      auto consuming = *peer.consuming_terminus(amqp);
      auto publishing = peer.publishing_terminus(amqp);
      BOOST_REQUIRE(publishing.has_value());
      const bool durable = logical == "queue:t.jobs";
      BOOST_TEST(consuming.durable == durable);
      BOOST_TEST(consuming.never_expires == durable);
      BOOST_TEST(publishing->durable == durable);
      BOOST_TEST(publishing->never_expires == durable);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
