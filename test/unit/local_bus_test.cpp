#include <boost/test/unit_test.hpp>

#include "actors/bus/broker_core.hpp"
#include "actors/bus/local_bus.hpp"
#include "actors/messages.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace {

using boa::bus::broker_core;
using boa::bus::local_bus;

/// What a publish was confirmed with.
struct confirmation {
  bool ok = false;
  std::string error;
};

/// Publishes `bytes` bytes to `address` on `bus` and waits for the confirmation.
confirmation publish(local_bus& bus, caf::scoped_actor& self, const std::string& address,
                     std::size_t bytes) {
  boa::protocol::envelope e;
  e.address = address;
  e.subject = "test";
  e.body = std::string(bytes, 'x');
  bus.publish(std::move(e), self, 7);
  confirmation got;
  self->receive(
      [&](boa::actors::published_atom, std::uint64_t token, bool ok, const std::string& error) {
        BOOST_TEST(token == 7u);
        got = {ok, error};
      },
      caf::after(std::chrono::seconds(10)) >> [] { BOOST_FAIL("no publish confirmation"); });
  return got;
}

} // namespace

BOOST_AUTO_TEST_SUITE(local_bus_limits)

BOOST_AUTO_TEST_CASE(a_publish_over_the_message_limit_is_refused_naming_the_address_and_setting) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  caf::scoped_actor self{system};
  auto core = std::make_shared<broker_core>();
  local_bus bus{core, 100};

  auto refused = publish(bus, self, "queue:t.big", 101);
  BOOST_TEST(!refused.ok);
  BOOST_TEST(refused.error == "message to queue:t.big is 101 bytes, more than the limit of 100 "
                              "(setting limits.max-message-bytes)");
  BOOST_TEST(core->stats("queue:t.big").ready == 0u);

  auto taken = publish(bus, self, "queue:t.big", 100);
  BOOST_TEST(taken.ok, taken.error);
  BOOST_TEST(core->stats("queue:t.big").ready == 1u);
}

BOOST_AUTO_TEST_CASE(without_a_limit_a_publish_of_any_size_is_taken) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  caf::scoped_actor self{system};
  auto core = std::make_shared<broker_core>();
  local_bus bus{core};
  auto taken = publish(bus, self, "queue:t.any", 1 << 20);
  BOOST_TEST(taken.ok, taken.error);
  BOOST_TEST(core->stats("queue:t.any").ready == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
