#include <boost/test/unit_test.hpp>

#include "runtime/amqp/amqp_bridge.hpp"
#include "runtime/amqp/embedded_broker.hpp"
#include "test/amqp/bridge_test_support.hpp"
#include "test/amqp/bus_probe.hpp"
#include "test/amqp/child_process.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

// Idle timeouts for real: peers in processes of their own, stopped with SIGSTOP as a hung node or
// broker would be, whose TCP connections stay open. Bounds are generous; what is asserted is that
// the hang is noticed at all, not how fast.

namespace {

using namespace std::chrono_literals;
using boa::amqp::bridge;
using boa::amqp::bridge_connection_event;
using boa::amqp::embedded_broker;
using boa::amqp::test::bus_probe;
using boa::amqp::test::child_process;
using boa::amqp::test::eventually;
using boa::amqp::test::message_to;
using boa::amqp::test::options_for;
using boa::amqp::test::recorded_events;
using boa::amqp::test::why;
using boa::bus::broker_core;
using boa::bus::settlement;

constexpr auto short_idle_timeout = 1000ms;

std::unique_ptr<embedded_broker> start_broker(std::shared_ptr<broker_core> core) {
  boa::amqp::embedded_broker_options options;
  options.idle_timeout = short_idle_timeout;
  auto started = embedded_broker::start(std::move(core), "127.0.0.1", 0, options);
  BOOST_REQUIRE_MESSAGE(started.has_value(), why(started));
  return std::move(*started);
}

/// Waits for `condition` up to `bound`, polling.
bool within(std::chrono::milliseconds bound, const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

} // namespace

BOOST_AUTO_TEST_SUITE(idle_timeouts)

BOOST_AUTO_TEST_CASE(a_hung_client_loses_its_unsettled_delivery_to_another_consumer) {
  auto core = std::make_shared<broker_core>();
  auto broker = start_broker(core);
  BOOST_REQUIRE(core->publish(message_to("queue:t.hung", 1)).has_value());

  child_process hung({BOA_PROTON_PYTHON, BOA_SOURCE_DIR "/test/amqp/hung_consumer.py",
                      std::to_string(broker->port()), "/queue/t.hung"});
  BOOST_REQUIRE(hung.pid() > 0);
  auto line = hung.read_line(20s);
  if (!line && hung.exit_status(5s) == 77) {
    BOOST_TEST_MESSAGE("skipped: the proton module (python3-qpid-proton) is not installed");
    return;
  }
  BOOST_REQUIRE(line == std::optional<std::string>("holding"));
  BOOST_TEST(core->stats("queue:t.hung").unsettled == 1u);

  hung.pause();
  caf::actor_system_config config;
  caf::actor_system system{config};
  auto connected = bridge::connect(options_for(broker->port()));
  BOOST_REQUIRE_MESSAGE(connected.has_value(), why(connected));
  bus_probe consumer(system);
  BOOST_REQUIRE((*connected)->subscribe("queue:t.hung", consumer.actor(), 1).has_value());
  // The hung client is dropped after the idle timeout and its delivery comes back.
  BOOST_REQUIRE(within(30s, [&] { return consumer.deliveries_waiting() > 0; }));
  auto d = consumer.next_delivery();
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->message.message_id == "m-1");
  BOOST_TEST(d->message.delivery_count >= 1u);
  (*connected)->settle(d->tag, settlement::accept);
  BOOST_TEST(eventually([&] { return core->stats("queue:t.hung").unsettled == 0u; }));
  hung.resume();
}

BOOST_AUTO_TEST_CASE(a_quiet_healthy_client_keeps_its_connection_and_deliveries) {
  auto core = std::make_shared<broker_core>();
  auto broker = start_broker(core);
  caf::actor_system_config config;
  caf::actor_system system{config};
  auto record = std::make_shared<recorded_events>();
  auto connected = bridge::connect(options_for(broker->port(), record));
  BOOST_REQUIRE_MESSAGE(connected.has_value(), why(connected));
  auto& bus = **connected;
  bus_probe consumer(system);
  BOOST_REQUIRE(bus.subscribe("queue:t.quiet", consumer.actor(), 1).has_value());
  BOOST_REQUIRE(core->publish(message_to("queue:t.quiet", 1)).has_value());
  auto d = consumer.next_delivery();
  BOOST_REQUIRE(d.has_value());

  // Several idle timeouts without a message either way: Proton's empty frames keep it alive.
  std::this_thread::sleep_for(4 * short_idle_timeout);
  BOOST_TEST(bus.connected());
  BOOST_TEST(record->count(bridge_connection_event::kind::lost) == 0u);
  BOOST_TEST(core->stats("queue:t.quiet").unsettled == 1u);
  bus.settle(d->tag, settlement::accept);
  BOOST_TEST(eventually([&] { return core->stats("queue:t.quiet").unsettled == 0u; }));
}

BOOST_AUTO_TEST_CASE(the_bridge_leaves_a_hung_broker_and_comes_back_when_it_answers_again) {
  child_process fixture({BOA_BROKER_FIXTURE});
  BOOST_REQUIRE(fixture.pid() > 0);
  auto port_line = fixture.read_line(20s);
  BOOST_REQUIRE(port_line.has_value());
  const auto port = static_cast<std::uint16_t>(std::stoi(*port_line));

  auto record = std::make_shared<recorded_events>();
  auto options = options_for(port, record);
  options.idle_timeout = short_idle_timeout;
  auto connected = bridge::connect(options);
  BOOST_REQUIRE_MESSAGE(connected.has_value(), why(connected));
  auto& bus = **connected;

  fixture.pause();
  BOOST_TEST(within(30s, [&] { return record->count(bridge_connection_event::kind::lost) > 0; }));
  BOOST_TEST(!bus.connected());
  fixture.resume();
  BOOST_TEST(within(30s, [&] { return bus.connected(); }));
}

BOOST_AUTO_TEST_SUITE_END()
