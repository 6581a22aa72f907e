#include <boost/test/unit_test.hpp>

#include "runtime/amqp/address_map.hpp"

#include <string>

namespace {

using boa::errc;
using boa::amqp::to_amqp_address;
using boa::amqp::to_logical_address;

std::string logical(const std::string& amqp) {
  auto mapped = to_logical_address(amqp);
  if (!mapped)
    BOOST_FAIL(amqp << ": " << mapped.error().message);
  return *mapped;
}

std::string amqp(const std::string& logical_address) {
  auto mapped = to_amqp_address(logical_address);
  if (!mapped)
    BOOST_FAIL(logical_address << ": " << mapped.error().message);
  return *mapped;
}

} // namespace

BOOST_AUTO_TEST_SUITE(address_map)

BOOST_AUTO_TEST_CASE(queues_map_to_rabbitmq_queue_addresses_and_back) {
  BOOST_TEST(amqp("queue:boa.jobs") == "/queue/boa.jobs");
  BOOST_TEST(logical("/queue/boa.jobs") == "queue:boa.jobs");
}

BOOST_AUTO_TEST_CASE(topics_map_to_topic_addresses_and_the_topic_exchange_means_the_same) {
  BOOST_TEST(amqp("topic:boa.events") == "/topic/boa.events");
  BOOST_TEST(logical("/topic/boa.events") == "topic:boa.events");
  BOOST_TEST(logical("/exchange/amq.topic/boa.events") == "topic:boa.events");
}

BOOST_AUTO_TEST_CASE(a_slash_inside_a_name_travels_escaped_as_rabbitmq_expects) {
  BOOST_TEST(amqp("topic:boa.commands/node.a1") == "/topic/boa.commands%2Fnode.a1");
  BOOST_TEST(logical("/topic/boa.commands%2Fnode.a1") == "topic:boa.commands/node.a1");
  BOOST_TEST(logical("/exchange/amq.topic/boa.commands%2Fnode.a1") == "topic:boa.commands/node.a1");
}

BOOST_AUTO_TEST_CASE(addresses_of_other_kinds_are_not_found_and_named_in_the_error) {
  for (auto address : {"/amq/queue/x", "/exchange/amq.fanout", "/exchange/other/key", "queue:x",
                       "boa.jobs", "", "/"}) {
    auto mapped = to_logical_address(address);
    BOOST_REQUIRE(!mapped.has_value());
    BOOST_TEST((mapped.error().code == errc::not_found), address);
    BOOST_TEST(mapped.error().message.find("'" + std::string(address) + "'") != std::string::npos,
               mapped.error().message);
  }
}

BOOST_AUTO_TEST_CASE(malformed_addresses_are_invalid_input) {
  for (auto address : {"/queue/", "/queue", "/queue/a/b", "/topic/", "/exchange/amq.topic",
                       "/exchange/amq.topic/"}) {
    auto mapped = to_logical_address(address);
    BOOST_REQUIRE(!mapped.has_value());
    BOOST_TEST((mapped.error().code == errc::invalid_input), address);
    BOOST_TEST(mapped.error().message.find(address) != std::string::npos, mapped.error().message);
  }
}

BOOST_AUTO_TEST_CASE(logical_addresses_without_a_kind_or_a_name_have_no_amqp_form) {
  for (auto address : {"queue:", "topic:", "boa.jobs", "/queue/x", "queue:a%2Fb"}) {
    auto mapped = to_amqp_address(address);
    BOOST_TEST(!mapped.has_value(), address);
  }
}

BOOST_AUTO_TEST_SUITE_END()
