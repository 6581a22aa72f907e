#include <boost/test/unit_test.hpp>

#include "actors/bus/detail/envelope_codec.hpp"

#include <string>

namespace {

boa::protocol::envelope every_field_set() {
  boa::protocol::envelope m;
  m.address = "queue:boa.dead";
  m.subject = "job";
  m.message_id = "m-1";
  m.correlation_id = "c-2";
  m.reply_to = "queue:replies";
  m.body = std::string("{\"v\":1}") + '\0' + "\xff binary";
  m.delivery_count = 4000000000u;
  m.dead_letter_reason = "cannot decode job";
  m.ttl_ms = 3000;
  return m;
}

} // namespace

BOOST_AUTO_TEST_SUITE(envelope_codec)

BOOST_AUTO_TEST_CASE(every_field_of_an_envelope_survives_encoding) {
  auto m = every_field_set();
  auto decoded = boa::bus::detail::decode_envelope(boa::bus::detail::encode_envelope(m));
  BOOST_REQUIRE_MESSAGE(decoded.has_value(), (decoded ? "" : decoded.error().message));
  BOOST_TEST(decoded->address == m.address);
  BOOST_TEST(decoded->subject == m.subject);
  BOOST_TEST(decoded->message_id == m.message_id);
  BOOST_TEST(decoded->correlation_id == m.correlation_id);
  BOOST_TEST(decoded->reply_to == m.reply_to);
  BOOST_TEST(decoded->body == m.body);
  BOOST_TEST(decoded->delivery_count == m.delivery_count);
  BOOST_TEST(decoded->dead_letter_reason == m.dead_letter_reason);
  BOOST_TEST(decoded->ttl_ms == m.ttl_ms);
}

BOOST_AUTO_TEST_CASE(a_message_without_ttl_is_stored_as_before_ttl_existed) {
  auto m = every_field_set();
  m.ttl_ms = 0;
  auto bytes = boa::bus::detail::encode_envelope(m);
  // The stored form ends with the body, as journals written before the ttl hold it.
  BOOST_TEST(bytes.ends_with(m.body));
  auto decoded = boa::bus::detail::decode_envelope(bytes);
  BOOST_REQUIRE(decoded.has_value());
  BOOST_TEST(decoded->ttl_ms == 0u);
  BOOST_TEST(decoded->body == m.body);
}

BOOST_AUTO_TEST_CASE(an_empty_envelope_survives_encoding) {
  auto decoded = boa::bus::detail::decode_envelope(boa::bus::detail::encode_envelope({}));
  BOOST_REQUIRE(decoded.has_value());
  BOOST_TEST(decoded->address.empty());
  BOOST_TEST(decoded->body.empty());
  BOOST_TEST(decoded->delivery_count == 0u);
}

BOOST_AUTO_TEST_CASE(a_cut_message_is_corrupt_and_names_the_field) {
  auto bytes = boa::bus::detail::encode_envelope(every_field_set());
  bytes.resize(bytes.size() - 3);
  auto decoded = boa::bus::detail::decode_envelope(bytes);
  BOOST_REQUIRE(!decoded.has_value());
  BOOST_TEST(decoded.error().code == boa::errc::corrupt);
  BOOST_TEST(decoded.error().message.find("body") != std::string::npos, decoded.error().message);
}

BOOST_AUTO_TEST_CASE(bytes_after_the_ttl_are_corrupt) {
  auto bytes = boa::bus::detail::encode_envelope(every_field_set()) + "x";
  auto decoded = boa::bus::detail::decode_envelope(bytes);
  BOOST_REQUIRE(!decoded.has_value());
  BOOST_TEST(decoded.error().code == boa::errc::corrupt);
}

BOOST_AUTO_TEST_SUITE_END()
