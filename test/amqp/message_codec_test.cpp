#include <boost/test/unit_test.hpp>

#include "runtime/amqp/message_codec.hpp"

#include <proton/binary.hpp>
#include <proton/message_id.hpp>
#include <proton/uuid.hpp>

#include <string>

namespace {

using boa::errc;
using boa::amqp::dead_letter_reason_property;
using boa::amqp::to_envelope;
using boa::amqp::to_message;
using boa::protocol::envelope;

envelope full_envelope() {
  envelope e;
  e.address = "queue:boa.jobs";
  e.subject = "job";
  e.message_id = "m-1";
  e.correlation_id = "c-1";
  e.reply_to = "queue:boactl.reply";
  e.body = R"({"v":1,"type":"job"})";
  e.delivery_count = 3;
  e.dead_letter_reason = "no step 'colect'";
  e.ttl_ms = 3000;
  return e;
}

} // namespace

BOOST_AUTO_TEST_SUITE(message_codec)

BOOST_AUTO_TEST_CASE(an_envelope_travels_with_the_wire_conventions) {
  auto m = to_message(full_envelope());
  BOOST_TEST(m.body().type() == proton::STRING);
  BOOST_TEST(proton::get<std::string>(m.body()) == R"({"v":1,"type":"job"})");
  BOOST_TEST(m.content_type() == "application/json");
  BOOST_TEST(m.subject() == "job");
  BOOST_TEST(proton::get<std::string>(m.id()) == "m-1");
  BOOST_TEST(proton::get<std::string>(m.correlation_id()) == "c-1");
  BOOST_TEST(m.to() == "/queue/boa.jobs");
  BOOST_TEST(m.reply_to() == "/queue/boactl.reply");
  BOOST_TEST(m.delivery_count() == 3u);
  BOOST_TEST(m.ttl().milliseconds() == 3000);
  BOOST_TEST(m.durable());
  BOOST_TEST(proton::get<std::string>(m.properties().get(dead_letter_reason_property)) ==
             "no step 'colect'");
}

BOOST_AUTO_TEST_CASE(an_envelope_survives_the_round_trip_through_an_encoded_message) {
  auto original = full_envelope();
  proton::message decoded;
  decoded.decode(to_message(original).encode());
  auto back = to_envelope(decoded);
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->address == original.address);
  BOOST_TEST(back->subject == original.subject);
  BOOST_TEST(back->message_id == original.message_id);
  BOOST_TEST(back->correlation_id == original.correlation_id);
  BOOST_TEST(back->reply_to == original.reply_to);
  BOOST_TEST(back->body == original.body);
  BOOST_TEST(back->delivery_count == original.delivery_count);
  BOOST_TEST(back->dead_letter_reason == original.dead_letter_reason);
  BOOST_TEST(back->ttl_ms == original.ttl_ms);
}

BOOST_AUTO_TEST_CASE(only_messages_to_durable_queues_are_marked_durable) {
  envelope e;
  e.body = "{}";
  for (const auto* address : {"queue:boa.jobs", "queue:boa.join.j-1.f-1", "queue:boa.dead"}) {
    e.address = address;
    BOOST_TEST(to_message(e).durable(), address);
  }
  for (const auto* address :
       {"queue:boa.reply.boactl-7", "topic:boa.heartbeat", "topic:boa.events"}) {
    e.address = address;
    BOOST_TEST(!to_message(e).durable(), address);
  }
}

BOOST_AUTO_TEST_CASE(a_message_without_ttl_has_none_on_the_wire) {
  envelope e;
  e.address = "topic:boa.events";
  e.body = "{}";
  auto m = to_message(e);
  BOOST_TEST(m.ttl().milliseconds() == 0);
  auto back = to_envelope(m);
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->ttl_ms == 0u);
}

BOOST_AUTO_TEST_CASE(a_binary_body_is_taken_as_json_text) {
  proton::message m;
  std::string json = R"({"v":1,"type":"event"})";
  m.body(proton::binary(json));
  auto e = to_envelope(m);
  BOOST_REQUIRE(e.has_value());
  BOOST_TEST(e->body == json);
}

BOOST_AUTO_TEST_CASE(ids_of_other_amqp_types_become_text) {
  proton::message m;
  m.body(std::string("{}"));
  m.id(std::uint64_t{42});
  auto u = proton::uuid::random();
  m.correlation_id(u);
  auto e = to_envelope(m);
  BOOST_REQUIRE(e.has_value());
  BOOST_TEST(e->message_id == "42");
  BOOST_TEST(e->correlation_id == u.str());
}

BOOST_AUTO_TEST_CASE(a_reply_address_that_is_no_broker_address_travels_unchanged) {
  envelope e;
  e.address = "queue:a";
  e.reply_to = "amqp-client-42";
  e.body = "{}";
  BOOST_TEST(to_message(e).reply_to() == "amqp-client-42");
  auto back = to_envelope(to_message(e));
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->reply_to == "amqp-client-42");
}

BOOST_AUTO_TEST_CASE(a_body_that_is_no_text_is_refused_with_its_type) {
  proton::message m;
  m.body(std::int32_t{7});
  auto e = to_envelope(m);
  BOOST_REQUIRE(!e.has_value());
  BOOST_TEST((e.error().code == errc::invalid_input));
  BOOST_TEST(e.error().message.find("int") != std::string::npos, e.error().message);

  proton::message empty;
  BOOST_TEST(!to_envelope(empty).has_value());
}

BOOST_AUTO_TEST_CASE(a_dead_letter_reason_that_is_no_string_is_refused) {
  proton::message m;
  m.body(std::string("{}"));
  m.properties().put(dead_letter_reason_property, std::int32_t{1});
  auto e = to_envelope(m);
  BOOST_REQUIRE(!e.has_value());
  BOOST_TEST(e.error().message.find(dead_letter_reason_property) != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
