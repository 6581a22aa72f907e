#include <boost/test/unit_test.hpp>

#include "runtime/amqp/amqp_bridge.hpp"
#include "runtime/amqp/embedded_broker.hpp"
#include "test/amqp/bridge_test_support.hpp"
#include "test/amqp/bus_probe.hpp"
#include "test/amqp/test_client.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <proton/message.hpp>

#include <memory>
#include <string>

// limits.max-message-bytes where messages come in: the embedded broker refuses a client's
// publish over it, the bridge refuses a publish and dead-letters a delivery over it.

namespace {

using boa::amqp::bridge;
using boa::amqp::embedded_broker;
using boa::amqp::test::bus_probe;
using boa::amqp::test::eventually;
using boa::amqp::test::options_for;
using boa::amqp::test::outcome;
using boa::amqp::test::test_client;
using boa::bus::broker_core;
using boa::protocol::envelope;

constexpr std::size_t limit = 100;

/// A JSON body of exactly `bytes` bytes.
std::string body_of_size(std::size_t bytes) {
  std::string body = R"({"v":1,"type":"test","pad":")";
  body.append(bytes - body.size() - 2, 'x');
  body += "\"}";
  return body;
}

envelope message_of_size(const std::string& address, std::size_t bytes) {
  envelope e;
  e.address = address;
  e.subject = "test";
  e.body = body_of_size(bytes);
  return e;
}

proton::message json_message(const std::string& body) {
  proton::message m;
  m.body(body);
  m.subject("test");
  m.content_type("application/json");
  return m;
}

std::unique_ptr<embedded_broker> start_broker(std::shared_ptr<broker_core> core,
                                              std::size_t max_message_bytes) {
  boa::amqp::embedded_broker_options opts;
  opts.max_message_bytes = max_message_bytes;
  auto started = embedded_broker::start(std::move(core), "127.0.0.1", 0, opts);
  if (!started)
    BOOST_FAIL(started.error().message);
  return std::move(*started);
}

std::unique_ptr<bridge> connect(std::uint16_t port, std::size_t max_message_bytes) {
  auto options = options_for(port);
  options.max_message_bytes = max_message_bytes;
  auto connected = bridge::connect(options);
  if (!connected)
    BOOST_FAIL(connected.error().message);
  return std::move(*connected);
}

} // namespace

BOOST_AUTO_TEST_SUITE(message_size_limit_tests)

BOOST_AUTO_TEST_CASE(the_embedded_broker_rejects_a_publish_over_the_limit_naming_it) {
  auto core = std::make_shared<broker_core>();
  auto broker = start_broker(core, limit);
  test_client client(broker->port());
  BOOST_REQUIRE(client.open_sender("out", "/queue/t.big").open);

  auto refused = client.publish("out", json_message(body_of_size(limit + 1)));
  BOOST_TEST((refused.result == outcome::rejected));
  BOOST_TEST(refused.reason.find("101 bytes") != std::string::npos, refused.reason);
  BOOST_TEST(refused.reason.find("limits.max-message-bytes") != std::string::npos, refused.reason);
  BOOST_TEST(core->stats("queue:t.big").ready == 0u);

  // At the limit is fine, and the link lives on.
  auto taken = client.publish("out", json_message(body_of_size(limit)));
  BOOST_TEST((taken.result == outcome::accepted));
  BOOST_TEST(core->stats("queue:t.big").ready == 1u);
}

BOOST_AUTO_TEST_CASE(the_bridge_refuses_to_publish_a_message_over_the_limit) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  auto core = std::make_shared<broker_core>();
  auto broker = start_broker(core, 0);
  auto bus = connect(broker->port(), limit);
  bus_probe probe(system);
  bus->publish(message_of_size("queue:t.out", limit + 1), probe.actor(), 1);
  bus->publish(message_of_size("queue:t.out", limit), probe.actor(), 2);
  auto refused = probe.confirmation_of(1);
  auto taken = probe.confirmation_of(2);
  BOOST_REQUIRE(refused.has_value());
  BOOST_REQUIRE(taken.has_value());
  BOOST_TEST(!refused->ok);
  BOOST_TEST(refused->error ==
                 "message to queue:t.out is 101 bytes, more than the limit of 100 (setting "
                 "limits.max-message-bytes)",
             refused->error);
  BOOST_TEST(taken->ok);
  BOOST_TEST(core->stats("queue:t.out").ready == 1u);
  bus.reset();
}

BOOST_AUTO_TEST_CASE(a_delivery_over_the_limit_is_dead_lettered_with_its_reason_and_never_seen) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  auto core = std::make_shared<broker_core>();
  auto broker = start_broker(core, 0);
  auto sender = connect(broker->port(), 0); // a peer with a larger limit
  auto receiver = connect(broker->port(), limit);
  bus_probe publisher(system);
  sender->publish(message_of_size("queue:t.in", limit + 50), publisher.actor(), 1);
  sender->publish(message_of_size("queue:t.in", limit), publisher.actor(), 2);
  BOOST_REQUIRE(publisher.confirmation_of(1).value().ok);
  BOOST_REQUIRE(publisher.confirmation_of(2).value().ok);

  // One credit: the large message uses it and gives it back, so the small one still comes.
  bus_probe consumer(system);
  BOOST_REQUIRE(receiver->subscribe("queue:t.in", consumer.actor(), 1).has_value());
  auto got = consumer.next_delivery();
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(got->message.body.size() == limit);
  BOOST_TEST(eventually([&] { return core->stats("queue:boa.dead").ready == 1u; }));

  bus_probe dead(system);
  BOOST_REQUIRE(sender->subscribe("queue:boa.dead", dead.actor(), 1).has_value());
  auto letter = dead.next_delivery();
  BOOST_REQUIRE(letter.has_value());
  BOOST_TEST(letter->message.body.size() == limit + 50);
  BOOST_TEST(letter->message.dead_letter_reason ==
                 "message from queue:t.in is 150 bytes, more than the limit of 100 (setting "
                 "limits.max-message-bytes)",
             letter->message.dead_letter_reason);
  receiver.reset();
  sender.reset();
}

BOOST_AUTO_TEST_SUITE_END()
