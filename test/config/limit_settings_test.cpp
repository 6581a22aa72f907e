#include <boost/test/unit_test.hpp>

#include "test/config/config_test_support.hpp"

#include "runtime/config/config_loader.hpp"

#include <string>

using boa::config::flag_values;
using boa::test::config_dir;
using boa::test::error_of;
using boa::test::load;
using boa::test::load_env;

BOOST_AUTO_TEST_SUITE(limit_settings)

BOOST_AUTO_TEST_CASE(every_limit_has_a_default) {
  auto c = load(std::nullopt);
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->limits.max_message_bytes == 16u * 1024 * 1024);
  BOOST_TEST(c->limits.max_properties_bytes == 1024u * 1024);
  BOOST_TEST(c->limits.max_steps == 1000u);
  BOOST_TEST(c->limits.max_parallel_branches == 64u);
  BOOST_TEST(c->limits.max_map_fan_out == 10000u);
}

BOOST_AUTO_TEST_CASE(limits_come_from_the_file_variables_and_flags) {
  config_dir d;
  auto file = d.write("config.json", R"({"limits": {"max-message-bytes": 4096,
    "max-properties-bytes": 1024, "max-steps": 10, "max-parallel-branches": 4,
    "max-map-fan-out": 100}})");
  auto c = load(file);
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->limits.max_message_bytes == 4096u);
  BOOST_TEST(c->limits.max_properties_bytes == 1024u);
  BOOST_TEST(c->limits.max_steps == 10u);
  BOOST_TEST(c->limits.max_parallel_branches == 4u);
  BOOST_TEST(c->limits.max_map_fan_out == 100u);

  flag_values flags;
  flags.max_map_fan_out = "7";
  c = load(file, {{"BOA_LIMITS_MAX_STEPS", "20"}}, flags);
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->limits.max_steps == 20u);
  BOOST_TEST(c->limits.max_map_fan_out == 7u);
}

BOOST_AUTO_TEST_CASE(a_limit_must_be_a_positive_count) {
  BOOST_TEST(error_of(load_env({{"BOA_LIMITS_MAX_PARALLEL_BRANCHES", "0"}}))
                     .find("BOA_LIMITS_MAX_PARALLEL_BRANCHES: must be a positive integer") == 0u,
             error_of(load_env({{"BOA_LIMITS_MAX_PARALLEL_BRANCHES", "0"}})));
}

BOOST_AUTO_TEST_CASE(properties_must_fit_in_a_message) {
  flag_values flags;
  flags.max_properties_bytes = "5000";
  flags.max_message_bytes = "4096";
  auto message = error_of(load(std::nullopt, {}, flags));
  BOOST_TEST(message.find("limits.max-properties-bytes") != std::string::npos, message);
  BOOST_TEST(message.find("must be less than limits.max-message-bytes") != std::string::npos,
             message);
}

BOOST_AUTO_TEST_SUITE_END()
