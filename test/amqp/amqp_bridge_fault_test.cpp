#include <boost/test/unit_test.hpp>

#include "runtime/amqp/amqp_bridge.hpp"
#include "runtime/amqp/detail/bridge_backoff.hpp"
#include "test/amqp/bridge_test_support.hpp"
#include "test/amqp/bus_probe.hpp"
#include "test/amqp/scripted_peer.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <proton/message.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

// The bridge against peers that misbehave or are not there: a fake broker scripted by each test,
// sockets that never speak AMQP, ports nobody listens on.

namespace {

using boa::errc;
using boa::amqp::bridge;
using boa::amqp::bridge_connection_event;
using boa::amqp::test::bus_probe;
using boa::amqp::test::eventually;
using boa::amqp::test::message_to;
using boa::amqp::test::options_for;
using boa::amqp::test::outcome;
using boa::amqp::test::recorded_events;
using boa::amqp::test::scripted_peer;
using boa::amqp::test::url_of;
using boa::amqp::test::why;
using boa::bus::settlement;

/// A loopback port nobody listens on (bound once, then freed).
std::uint16_t unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

} // namespace

BOOST_AUTO_TEST_SUITE(amqp_bridge_faults)

BOOST_AUTO_TEST_CASE(a_message_that_is_no_envelope_is_rejected_with_the_reason) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  scripted_peer peer;
  auto connected = bridge::connect(options_for(peer.port()));
  BOOST_REQUIRE_MESSAGE(connected.has_value(), why(connected));
  auto& bus = **connected;
  bus_probe consumer(system);
  BOOST_REQUIRE(bus.subscribe("queue:t.raw", consumer.actor(), 1).has_value());

  proton::message number;
  number.body(42);
  auto answer = peer.answer(peer.offer("/queue/t.raw", number));
  BOOST_TEST((answer.result == outcome::rejected));
  BOOST_TEST(answer.reason.find("JSON") != std::string::npos, answer.reason);

  // The consumer never saw it, and the credit it used came back: the next message arrives.
  proton::message json;
  json.body(std::string(R"({"v":1,"type":"test"})"));
  auto index = peer.offer("/queue/t.raw", json);
  auto d = consumer.next_delivery();
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->message.body == R"({"v":1,"type":"test"})");
  BOOST_TEST(d->message.address == "queue:t.raw");
  BOOST_TEST(consumer.deliveries_waiting() == 0u);
  bus.settle(d->tag, settlement::accept);
  BOOST_TEST((peer.answer(index).result == outcome::accepted));
}

BOOST_AUTO_TEST_CASE(connecting_where_nobody_listens_fails_with_an_io_error_naming_the_url) {
  const auto port = unused_port();
  auto options = options_for(port);
  auto connected = bridge::connect(options);
  BOOST_REQUIRE(!connected.has_value());
  BOOST_TEST((connected.error().code == errc::io));
  BOOST_TEST(connected.error().message.find(url_of(port)) != std::string::npos,
             connected.error().message);
}

BOOST_AUTO_TEST_CASE(connecting_to_a_peer_that_never_answers_gives_up_after_the_timeout) {
  // A socket that listens but never speaks AMQP: the TCP connection opens, the AMQP one never does.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  BOOST_REQUIRE(::listen(fd, 4) == 0);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  auto options = options_for(ntohs(address.sin_port));
  options.connect_timeout = std::chrono::milliseconds(300);
  auto connected = bridge::connect(options);
  ::close(fd);
  BOOST_REQUIRE(!connected.has_value());
  BOOST_TEST((connected.error().code == errc::io));
  BOOST_TEST(connected.error().message.find(options.url) != std::string::npos,
             connected.error().message);
  BOOST_TEST(connected.error().message.find("300 ms") != std::string::npos,
             connected.error().message);
}

BOOST_AUTO_TEST_CASE(a_malformed_url_is_invalid_input) {
  for (const auto* url : {"", "localhost:5672", "http://localhost", "amqp://", "amqp://host:0",
                          "amqp://host:99999", "amqp://host:port", "amqp://user@host",
                          "amqp://host/vhost", "amqps://", "amqps://host:0"}) {
    auto options = options_for(5672);
    options.url = url;
    auto connected = bridge::connect(options);
    BOOST_REQUIRE(!connected.has_value());
    BOOST_TEST((connected.error().code == errc::invalid_input), url);
    BOOST_TEST(connected.error().message.find(url) != std::string::npos, connected.error().message);
  }
}

BOOST_AUTO_TEST_CASE(publishes_unconfirmed_when_the_connection_drops_are_confirmed_not_ok) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  scripted_peer peer; // takes publishes and never answers them
  auto record = std::make_shared<recorded_events>();
  auto connected = bridge::connect(options_for(peer.port(), record));
  BOOST_REQUIRE_MESSAGE(connected.has_value(), why(connected));
  auto& bus = **connected;
  bus_probe publisher(system);
  for (std::uint64_t token = 1; token <= 3; ++token)
    bus.publish(message_to("queue:t.silent", static_cast<int>(token)), publisher.actor(), token);
  BOOST_REQUIRE(peer.wait_published(3));
  BOOST_TEST(publisher.confirmations() == 0u);

  peer.stop();
  for (std::uint64_t token = 1; token <= 3; ++token) {
    auto answer = publisher.confirmation_of(token);
    BOOST_REQUIRE(answer.has_value());
    BOOST_TEST(!answer->ok);
    BOOST_TEST(answer->error.find("connection lost") != std::string::npos, answer->error);
  }
  BOOST_TEST(eventually([&] { return !bus.connected(); }));
  BOOST_TEST(eventually([&] { return record->count(bridge_connection_event::kind::lost) == 1u; }));
}

BOOST_AUTO_TEST_CASE(a_subscription_the_broker_refuses_is_reopened_until_it_holds) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  scripted_peer peer(2); // refuses the first two receiving links
  auto connected = bridge::connect(options_for(peer.port()));
  BOOST_REQUIRE_MESSAGE(connected.has_value(), why(connected));
  auto& bus = **connected;
  bus_probe consumer(system);
  BOOST_REQUIRE(bus.subscribe("queue:t.busy", consumer.actor(), 1).has_value());
  BOOST_TEST(eventually([&] { return peer.receivers_attached("/queue/t.busy") == 3; }));
  proton::message json;
  json.body(std::string(R"({"v":1,"type":"test"})"));
  peer.offer("/queue/t.busy", json);
  auto d = consumer.next_delivery();
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->message.address == "queue:t.busy");
}

BOOST_AUTO_TEST_CASE(a_transfer_proton_cannot_decode_does_not_take_the_bridge_down) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  scripted_peer peer;
  auto record = std::make_shared<recorded_events>();
  auto connected = bridge::connect(options_for(peer.port(), record));
  BOOST_REQUIRE_MESSAGE(connected.has_value(), why(connected));
  auto& bus = **connected;
  bus_probe consumer(system);
  BOOST_REQUIRE(bus.subscribe("queue:t.empty", consumer.actor(), 1).has_value());
  BOOST_REQUIRE(eventually([&] { return peer.receivers_attached("/queue/t.empty") == 1; }));

  // Proton throws out of the bridge's event loop; the bridge starts over and reconnects.
  peer.offer_empty_transfer("/queue/t.empty");
  BOOST_REQUIRE(
      eventually([&] { return record->count(bridge_connection_event::kind::lost) == 1; }));
  BOOST_REQUIRE(eventually([&] { return peer.receivers_attached("/queue/t.empty") == 2; }));
  BOOST_TEST(bus.connected());
  proton::message json;
  json.body(std::string(R"({"v":1,"type":"test"})"));
  peer.offer("/queue/t.empty", json);
  auto d = consumer.next_delivery();
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->message.address == "queue:t.empty");
  BOOST_TEST(record->count(bridge_connection_event::kind::connected) == 2u);
}

BOOST_AUTO_TEST_CASE(backoff_doubles_with_jitter_up_to_the_ceiling_and_starts_over_on_reset) {
  using ms = std::chrono::milliseconds;
  boa::amqp::detail::bridge_backoff backoff(ms(100), ms(1000));
  std::mt19937_64 random(7);
  const std::vector<std::pair<int, int>> bounds = {{50, 100},  {100, 200},  {200, 400},
                                                   {400, 800}, {500, 1000}, {500, 1000}};
  for (auto [low, high] : bounds) {
    auto delay = backoff.next(random).count();
    BOOST_TEST(delay >= low);
    BOOST_TEST(delay <= high);
  }
  backoff.reset();
  auto delay = backoff.next(random).count();
  BOOST_TEST(delay >= 50);
  BOOST_TEST(delay <= 100);
}

BOOST_AUTO_TEST_SUITE_END()
