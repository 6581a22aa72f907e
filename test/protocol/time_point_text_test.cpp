#include <boost/test/unit_test.hpp>

#include "protocol/time_point_text.hpp"

using boa::protocol::parse_time_point_ms;

BOOST_AUTO_TEST_SUITE(time_point_text)

BOOST_AUTO_TEST_CASE(epoch_milliseconds_read_as_they_are) {
  BOOST_TEST(parse_time_point_ms("0").value() == 0);
  BOOST_TEST(parse_time_point_ms("1796044653188").value() == 1796044653188);
}

BOOST_AUTO_TEST_CASE(an_iso_8601_utc_time_reads_as_epoch_milliseconds) {
  BOOST_TEST(parse_time_point_ms("1970-01-01T00:00:00Z").value() == 0);
  BOOST_TEST(parse_time_point_ms("2026-11-30T12:00:00Z").value() == 1796040000000);
  BOOST_TEST(parse_time_point_ms("2026-11-30T12:00:00.250Z").value() == 1796040000250);
  BOOST_TEST(parse_time_point_ms("2026-11-30T12:00:00.2Z").value() == 1796040000200);
  BOOST_TEST(parse_time_point_ms("2024-02-29T23:59:59Z").value() == 1709251199000);
}

BOOST_AUTO_TEST_CASE(what_is_not_a_time_is_refused_saying_which_forms_are) {
  for (const char* bad :
       {"", "yesterday", "-5", "2026-11-30", "2026-11-30T12:00:00", "2026-11-30T12:00:00+01:00",
        "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-30T24:00:00Z",
        "2026-11-30T12:00:00.Z", "1969-12-31T23:59:59Z", "2026-11-30 12:00:00Z"}) {
    auto parsed = parse_time_point_ms(bad);
    BOOST_TEST_INFO("input: '" << bad << "'");
    BOOST_TEST_REQUIRE(!parsed.has_value());
    BOOST_TEST(parsed.error().code == boa::errc::invalid_input);
  }
  auto parsed = parse_time_point_ms("yesterday");
  BOOST_TEST(parsed.error().message.find("ISO-8601") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
