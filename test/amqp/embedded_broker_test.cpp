#include <boost/test/unit_test.hpp>

#include "runtime/amqp/embedded_broker.hpp"
#include "runtime/amqp/message_codec.hpp"
#include "test/amqp/test_client.hpp"

#include <proton/message.hpp>
#include <proton/message_id.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <string>

namespace {

using boa::amqp::embedded_broker;
using boa::amqp::test::outcome;
using boa::amqp::test::test_client;
using boa::bus::broker_core;

/// A broker core behind an embedded broker on an ephemeral loopback port.
struct broker_fixture {
  std::shared_ptr<broker_core> core = std::make_shared<broker_core>();
  std::unique_ptr<embedded_broker> broker;

  broker_fixture() {
    auto started = embedded_broker::start(core, "127.0.0.1", 0);
    if (!started)
      BOOST_FAIL(started.error().message);
    broker = std::move(*started);
    BOOST_REQUIRE(broker->port() != 0);
  }
  std::uint16_t port() const { return broker->port(); }
};

proton::message json_message(const std::string& body, const std::string& subject = "test") {
  proton::message m;
  m.body(body);
  m.subject(subject);
  m.content_type("application/json");
  return m;
}

std::string body_of(const proton::message& m) {
  return proton::get<std::string>(m.body());
}

/// Publishes on a fresh sender link and requires the broker's acceptance.
void publish(test_client& client, const std::string& address, const std::string& body) {
  static int links = 0;
  auto name = "publisher-" + std::to_string(++links);
  auto link = client.open_sender(name, address);
  BOOST_REQUIRE(link.open && !link.closed);
  auto answer = client.publish(name, json_message(body));
  BOOST_REQUIRE(answer.result == outcome::accepted);
  client.close_link(name);
}

} // namespace

BOOST_AUTO_TEST_SUITE(embedded_broker_tests)

BOOST_FIXTURE_TEST_CASE(a_publish_is_accepted_once_the_core_holds_the_message, broker_fixture) {
  test_client client(port());
  BOOST_REQUIRE(client.connected());
  BOOST_REQUIRE(client.open_sender("out", "/queue/boa.test").open);
  auto message = json_message(R"({"v":1,"type":"ping"})", "ping");
  message.id(std::string("m-1"));
  message.correlation_id(std::string("c-1"));
  message.reply_to("/queue/boa.replies");
  BOOST_TEST((client.publish("out", message).result == outcome::accepted));
  auto stats = core->stats("queue:boa.test");
  BOOST_TEST(stats.ready == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_published_message_is_consumed_and_settled_by_manual_accept,
                        broker_fixture) {
  test_client client(port());
  BOOST_REQUIRE(client.open_sender("out", "/queue/boa.test").open);
  auto message = json_message(R"({"v":1,"type":"ping"})", "ping");
  message.id(std::string("m-1"));
  message.correlation_id(std::string("c-1"));
  message.reply_to("/queue/boa.replies");
  BOOST_REQUIRE((client.publish("out", message).result == outcome::accepted));

  BOOST_REQUIRE(client.open_receiver("in", "/queue/boa.test", 10).open);
  auto got = client.receive("in");
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(body_of(got->message) == R"({"v":1,"type":"ping"})");
  BOOST_TEST(got->message.subject() == "ping");
  BOOST_TEST(proton::get<std::string>(got->message.id()) == "m-1");
  BOOST_TEST(proton::get<std::string>(got->message.correlation_id()) == "c-1");
  BOOST_TEST(got->message.reply_to() == "/queue/boa.replies");
  BOOST_TEST(got->message.content_type() == "application/json");
  BOOST_TEST(got->message.delivery_count() == 0u);
  BOOST_TEST(!got->settled_by_broker);
  BOOST_TEST(core->stats("queue:boa.test").unsettled == 1u);

  client.accept(*got);
  // A second message proves the accept (sent before it on the same connection) has been handled.
  BOOST_REQUIRE((client.publish("out", json_message("{}")).result == outcome::accepted));
  BOOST_REQUIRE(client.receive("in").has_value());
  auto stats = core->stats("queue:boa.test");
  BOOST_TEST(stats.ready == 0u);
  BOOST_TEST(stats.unsettled == 1u);
}

BOOST_FIXTURE_TEST_CASE(an_unsettled_delivery_of_a_dropped_connection_goes_to_another_consumer,
                        broker_fixture) {
  test_client producer(port());
  publish(producer, "/queue/work", R"({"v":1,"type":"job"})");
  {
    test_client crashing(port());
    BOOST_REQUIRE(crashing.open_receiver("in", "/queue/work", 1).open);
    auto first = crashing.receive("in");
    BOOST_REQUIRE(first.has_value());
    BOOST_TEST(first->message.delivery_count() == 0u);
    crashing.abort(); // no close, no settlement
  }
  test_client other(port());
  BOOST_REQUIRE(other.open_receiver("in", "/queue/work", 1).open);
  auto again = other.receive("in");
  BOOST_REQUIRE(again.has_value());
  BOOST_TEST(body_of(again->message) == R"({"v":1,"type":"job"})");
  BOOST_TEST(again->message.delivery_count() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_delivery_released_by_its_consumer_comes_back_counted, broker_fixture) {
  test_client client(port());
  publish(client, "/queue/work", "{}");
  BOOST_REQUIRE(client.open_receiver("in", "/queue/work", 2).open);
  auto first = client.receive("in");
  BOOST_REQUIRE(first.has_value());
  client.release(*first);
  auto again = client.receive("in");
  BOOST_REQUIRE(again.has_value());
  BOOST_TEST(again->message.delivery_count() == 1u);
}

BOOST_FIXTURE_TEST_CASE(closing_a_receiver_link_gives_its_unsettled_deliveries_back,
                        broker_fixture) {
  test_client client(port());
  publish(client, "/queue/work", "{}");
  BOOST_REQUIRE(client.open_receiver("in", "/queue/work", 1).open);
  BOOST_REQUIRE(client.receive("in").has_value());
  client.close_link("in");
  auto stats = core->stats("queue:work");
  BOOST_TEST(stats.ready == 1u);
  BOOST_TEST(stats.unsettled == 0u);
  BOOST_TEST(stats.consumers == 0u);
}

BOOST_FIXTURE_TEST_CASE(competing_consumers_share_a_queue, broker_fixture) {
  test_client a(port()), b(port()), producer(port());
  BOOST_REQUIRE(a.open_receiver("in", "/queue/work", 1).open);
  BOOST_REQUIRE(b.open_receiver("in", "/queue/work", 1).open);
  publish(producer, "/queue/work", "1");
  publish(producer, "/queue/work", "2");
  auto got_a = a.receive("in");
  auto got_b = b.receive("in");
  BOOST_REQUIRE(got_a.has_value());
  BOOST_REQUIRE(got_b.has_value());
  std::set<std::string> bodies{body_of(got_a->message), body_of(got_b->message)};
  BOOST_TEST((bodies == std::set<std::string>{"1", "2"}));
}

BOOST_FIXTURE_TEST_CASE(link_credit_limits_the_deliveries_in_flight, broker_fixture) {
  test_client client(port());
  for (auto body : {"1", "2", "3", "4", "5"})
    publish(client, "/queue/work", body);
  BOOST_REQUIRE(client.open_receiver("in", "/queue/work", 2).open);
  auto first = client.receive("in");
  auto second = client.receive("in");
  BOOST_REQUIRE(first.has_value());
  BOOST_REQUIRE(second.has_value());
  BOOST_TEST(body_of(first->message) == "1");
  BOOST_TEST(body_of(second->message) == "2");
  auto stats = core->stats("queue:work");
  BOOST_TEST(stats.unsettled == 2u);
  BOOST_TEST(stats.ready == 3u);
  BOOST_TEST(client.waiting("in") == 0u);

  // Settling does not grant credit; only the link's flow does.
  client.accept(*first);
  client.accept(*second);
  client.add_credit("in", 1);
  auto third = client.receive("in");
  BOOST_REQUIRE(third.has_value());
  BOOST_TEST(body_of(third->message) == "3");
  stats = core->stats("queue:work");
  BOOST_TEST(stats.unsettled == 1u);
  BOOST_TEST(stats.ready == 2u);
}

BOOST_FIXTURE_TEST_CASE(a_drained_receiver_gets_what_is_ready_and_gives_back_the_rest,
                        broker_fixture) {
  test_client client(port());
  publish(client, "/queue/work", "1");
  BOOST_REQUIRE(client.open_receiver("in", "/queue/work", 0).open);
  client.add_credit("in", 5);
  BOOST_REQUIRE(client.drain("in"));
  BOOST_TEST(client.waiting("in") == 1u);
  BOOST_TEST(client.credit("in") == 0);
  auto got = client.receive("in");
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(body_of(got->message) == "1");
}

BOOST_FIXTURE_TEST_CASE(a_topic_fans_out_to_every_subscriber, broker_fixture) {
  test_client a(port()), b(port()), producer(port());
  BOOST_REQUIRE(a.open_receiver("in", "/topic/boa.events", 10).open);
  BOOST_REQUIRE(b.open_receiver("in", "/exchange/amq.topic/boa.events", 10).open);
  publish(producer, "/topic/boa.events", "1");
  publish(producer, "/exchange/amq.topic/boa.events", "2");
  for (auto* client : {&a, &b}) {
    auto first = client->receive("in");
    auto second = client->receive("in");
    BOOST_REQUIRE(first.has_value());
    BOOST_REQUIRE(second.has_value());
    BOOST_TEST(body_of(first->message) == "1");
    BOOST_TEST(body_of(second->message) == "2");
    BOOST_TEST(first->message.to() == "/topic/boa.events");
  }
}

BOOST_FIXTURE_TEST_CASE(a_rejected_delivery_lands_in_the_dead_letter_queue_with_the_reason,
                        broker_fixture) {
  test_client client(port());
  publish(client, "/queue/work", R"({"v":1})");
  BOOST_REQUIRE(client.open_receiver("in", "/queue/work", 1).open);
  auto got = client.receive("in");
  BOOST_REQUIRE(got.has_value());
  client.reject(*got, "$.type: missing");

  BOOST_REQUIRE(client.open_receiver("dead", "/queue/boa.dead", 1).open);
  auto dead = client.receive("dead");
  BOOST_REQUIRE(dead.has_value());
  BOOST_TEST(body_of(dead->message) == R"({"v":1})");
  BOOST_TEST(dead->message.to() == "/queue/boa.dead");
  BOOST_TEST(proton::get<std::string>(dead->message.properties().get(
                 boa::amqp::dead_letter_reason_property)) == "$.type: missing");
  BOOST_TEST(core->stats("queue:work").unsettled == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_consumer_asking_for_presettled_deliveries_gets_at_most_once,
                        broker_fixture) {
  test_client client(port());
  publish(client, "/queue/work", "{}");
  BOOST_REQUIRE(client.open_receiver("in", "/queue/work", 1, /*presettled=*/true).open);
  auto got = client.receive("in");
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(got->settled_by_broker);
  auto stats = core->stats("queue:work");
  BOOST_TEST(stats.unsettled == 0u);
  BOOST_TEST(stats.ready == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_link_to_an_unknown_address_is_refused_naming_the_address,
                        broker_fixture) {
  test_client client(port());
  client.open_sender("out", "/nowhere/x");
  auto sender = client.wait_link_closed("out");
  BOOST_TEST(sender.error_name == "amqp:not-found");
  BOOST_TEST(sender.error_description.find("/nowhere/x") != std::string::npos,
             sender.error_description);

  client.open_receiver("in", "/queue/", 1);
  auto receiver = client.wait_link_closed("in");
  BOOST_TEST(receiver.error_name == "amqp:invalid-field");
  BOOST_TEST(receiver.error_description.find("/queue/") != std::string::npos,
             receiver.error_description);
  BOOST_TEST(client.connected()); // a refused link leaves the connection alone
}

BOOST_FIXTURE_TEST_CASE(an_anonymous_link_publishes_to_each_message_s_to_address, broker_fixture) {
  test_client client(port());
  BOOST_REQUIRE(client.open_sender("any", "").open);
  auto good = json_message("{}");
  good.to("/queue/routed");
  BOOST_TEST((client.publish("any", good).result == outcome::accepted));
  BOOST_TEST(core->stats("queue:routed").ready == 1u);

  auto bad = json_message("{}");
  bad.to("/nowhere/y");
  auto answer = client.publish("any", bad);
  BOOST_TEST((answer.result == outcome::rejected));
  BOOST_TEST(answer.reason.find("/nowhere/y") != std::string::npos, answer.reason);
}

BOOST_FIXTURE_TEST_CASE(a_message_that_is_no_json_text_is_rejected_with_the_reason,
                        broker_fixture) {
  test_client client(port());
  BOOST_REQUIRE(client.open_sender("out", "/queue/work").open);
  proton::message m;
  m.body(std::int32_t{7});
  auto answer = client.publish("out", m);
  BOOST_TEST((answer.result == outcome::rejected));
  BOOST_TEST(answer.reason.find("JSON") != std::string::npos, answer.reason);
  BOOST_TEST(core->stats("queue:work").ready == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_transfer_that_is_no_amqp_message_is_rejected_and_the_link_lives_on,
                        broker_fixture) {
  test_client client(port());
  BOOST_REQUIRE(client.open_sender("out", "/queue/work").open);
  // An amqp-value section announcing a 255-byte string, and one byte of it.
  auto answer = client.publish_bytes("out", {0x00, 0x53, 0x77, char(0xa1), char(0xff), 'x'});
  BOOST_TEST((answer.result == outcome::rejected));
  BOOST_TEST(!answer.reason.empty());
  BOOST_TEST((client.publish("out", json_message("{}")).result == outcome::accepted));
  BOOST_TEST(core->stats("queue:work").ready == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_client_that_makes_proton_throw_does_not_take_the_broker_down,
                        broker_fixture) {
  const auto listening_on = port();
  test_client holder(port());
  publish(holder, "/queue/work", "{}");
  BOOST_REQUIRE(holder.open_receiver("in", "/queue/work", 1).open);
  BOOST_REQUIRE(holder.receive("in").has_value());
  {
    // Proton's C++ binding throws on an empty transfer, out of the broker's event loop.
    test_client vandal(port());
    BOOST_REQUIRE(vandal.open_sender("out", "/queue/work").open);
    vandal.send_empty_transfer("out");
    BOOST_TEST(vandal.wait_connection_closed().closed);
  }
  // Every connection went down with the container: the unsettled delivery is back...
  BOOST_TEST(holder.wait_connection_closed().closed);
  BOOST_TEST(core->stats("queue:work").ready == 1u);
  // ... and the broker listens again on its port, once it has set up a new container: until
  // then a connection attempt is refused, as it would be by a restarting broker.
  BOOST_TEST(port() == listening_on);
  std::unique_ptr<test_client> client;
  const auto give_up = std::chrono::steady_clock::now() + test_client::timeout;
  while (!(client && client->connected()) && std::chrono::steady_clock::now() < give_up)
    client = std::make_unique<test_client>(listening_on);
  BOOST_REQUIRE(client->connected());
  BOOST_REQUIRE(client->open_receiver("in", "/queue/work", 1).open);
  auto again = client->receive("in");
  BOOST_REQUIRE(again.has_value());
  BOOST_TEST(again->message.delivery_count() == 1u);
}

BOOST_FIXTURE_TEST_CASE(stopping_the_broker_closes_client_connections_cleanly, broker_fixture) {
  test_client client(port());
  publish(client, "/queue/work", "{}");
  BOOST_REQUIRE(client.open_receiver("in", "/queue/work", 1).open);
  BOOST_REQUIRE(client.receive("in").has_value());
  broker->stop();
  auto closed = client.wait_connection_closed();
  BOOST_TEST(closed.closed);
  BOOST_TEST(closed.error_name == "amqp:connection:forced");
  auto stats = core->stats("queue:work");
  BOOST_TEST(stats.unsettled == 0u);
  BOOST_TEST(stats.ready == 1u);
  broker->stop(); // idempotent
}

BOOST_AUTO_TEST_CASE(a_non_loopback_listen_address_is_refused) {
  auto core = std::make_shared<broker_core>();
  for (auto host : {"0.0.0.0", "::", "192.0.2.10", "example.com"}) {
    auto started = embedded_broker::start(core, host, 0);
    BOOST_REQUIRE(!started.has_value());
    BOOST_TEST((started.error().code == boa::errc::invalid_input));
    BOOST_TEST(started.error().message.find("loopback") != std::string::npos,
               started.error().message);
  }
}

BOOST_AUTO_TEST_CASE(loopback_hosts_are_recognised) {
  for (auto host :
       {"127.0.0.1", "127.1.2.3", "localhost", "LocalHost", "::1", "[::1]", "::ffff:127.0.0.1"})
    BOOST_TEST(boa::amqp::is_loopback_host(host), host);
  for (auto host : {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "example.com", ""})
    BOOST_TEST(!boa::amqp::is_loopback_host(host), host);
}

BOOST_AUTO_TEST_CASE(a_port_in_use_is_reported) {
  auto core = std::make_shared<broker_core>();
  auto first = embedded_broker::start(core, "127.0.0.1", 0);
  BOOST_REQUIRE(first.has_value());
  auto second = embedded_broker::start(core, "127.0.0.1", (*first)->port());
  BOOST_REQUIRE(!second.has_value());
  BOOST_TEST((second.error().code == boa::errc::io));
  BOOST_TEST(second.error().message.find(std::to_string((*first)->port())) != std::string::npos,
             second.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
