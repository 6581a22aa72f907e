#include <boost/test/unit_test.hpp>

#include "runtime/config/detail/setting_values.hpp"

#include <boost/json/parse.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;
namespace detail = boa::config::detail;

BOOST_AUTO_TEST_SUITE(setting_values)

BOOST_AUTO_TEST_CASE(durations_are_shown_in_the_largest_exact_unit) {
  BOOST_TEST(detail::format_duration(1500ms) == "1500ms");
  BOOST_TEST(detail::format_duration(2s) == "2s");
  BOOST_TEST(detail::format_duration(90s) == "90s");
  BOOST_TEST(detail::format_duration(5min) == "5m");
  BOOST_TEST(detail::format_duration(24h) == "24h");
  BOOST_TEST(detail::format_duration(0ms) == "0s");
}

BOOST_AUTO_TEST_CASE(loopback_is_localhost_127_slash_8_and_ipv6_one) {
  using boa::config::listen_address;
  BOOST_TEST(detail::is_loopback(listen_address{"127.0.0.1", 1}));
  BOOST_TEST(detail::is_loopback(listen_address{"127.255.0.9", 1}));
  BOOST_TEST(detail::is_loopback(listen_address{"localhost", 1}));
  BOOST_TEST(detail::is_loopback(listen_address{"::1", 1}));
  BOOST_TEST(!detail::is_loopback(listen_address{"0.0.0.0", 1}));
  BOOST_TEST(!detail::is_loopback(listen_address{"128.0.0.1", 1}));
  BOOST_TEST(!detail::is_loopback(listen_address{"::", 1}));
  BOOST_TEST(!detail::is_loopback(listen_address{"localhost.example", 1}));
}

BOOST_AUTO_TEST_CASE(rejected_values_are_shown_as_they_were_written) {
  BOOST_TEST(detail::show_text("x") == "'x'");
  BOOST_TEST(detail::show_json(boost::json::parse(R"("four")")) == "\"four\"");
  BOOST_TEST(detail::show_json(boost::json::parse("4.5")) == "4.5");
  BOOST_TEST(detail::show_json(boost::json::parse("null")) == "null");
  std::string long_text(200, 'a');
  BOOST_TEST(detail::show_text(long_text).size() == 60u);
  BOOST_TEST(detail::show_text(long_text).ends_with("..."));
}

BOOST_AUTO_TEST_CASE(a_rejected_list_entry_says_which_one) {
  auto v = boost::json::parse(R"(["/a.so", ""])");
  auto paths = detail::path_list_value{}.from_json(v, {"/base"});
  BOOST_REQUIRE(!paths);
  BOOST_TEST(paths.error().at == "[1]");
  BOOST_TEST(paths.error().message == "must be a path, got \"\"");
}

BOOST_AUTO_TEST_SUITE_END()
