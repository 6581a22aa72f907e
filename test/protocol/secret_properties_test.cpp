#include <boost/test/unit_test.hpp>

#include "protocol/secret_properties.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace json = boost::json;
using boa::protocol::is_secret_property;
using boa::protocol::redact_job_view;
using boa::protocol::redact_secret_properties;
using boa::protocol::redact_secret_values;

BOOST_AUTO_TEST_SUITE(secret_properties)

BOOST_AUTO_TEST_CASE(a_property_is_secret_by_its_name_prefix) {
  BOOST_TEST(is_secret_property("secret_password"));
  BOOST_TEST(is_secret_property("secret_x"));
  BOOST_TEST(!is_secret_property("secret_")); // a prefix with no name
  BOOST_TEST(!is_secret_property("password"));
  BOOST_TEST(!is_secret_property("my_secret_key"));
  BOOST_TEST(!is_secret_property("Secret_key"));
}

BOOST_AUTO_TEST_CASE(secrets_are_redacted_at_any_depth_whatever_their_value) {
  auto props = json::parse(R"({"user": "ada", "secret_token": "t0ken-value",
      "db": {"host": "h", "secret_password": {"old": "a", "new": "b"}},
      "list": [{"secret_pin": 1234}, {"pin": 5}]})")
                   .as_object();
  auto redacted = redact_secret_properties(props);
  BOOST_TEST(json::value(redacted) == json::parse(R"({"user": "ada", "secret_token": "***",
      "db": {"host": "h", "secret_password": "***"},
      "list": [{"secret_pin": "***"}, {"pin": 5}]})"));
}

BOOST_AUTO_TEST_CASE(a_job_view_is_redacted_only_in_its_properties) {
  auto job = json::parse(R"({"id": "j-1", "secret_not_a_property": "x",
      "properties": {"secret_key": "k3y-value"}})");
  BOOST_TEST(redact_job_view(job) == json::parse(R"({"id": "j-1", "secret_not_a_property": "x",
      "properties": {"secret_key": "***"}})"));
  BOOST_TEST(redact_job_view(json::parse(R"({"id": "j-2"})")) == json::parse(R"({"id": "j-2"})"));
}

BOOST_AUTO_TEST_CASE(secret_values_quoted_in_a_text_are_blanked_out) {
  auto props = json::parse(R"({"secret_password": "hunter22", "user": "hunter",
      "secret_list": ["tok-1234", "ab"], "secret_long": "hunter22-and-more"})")
                   .as_object();
  BOOST_TEST(redact_secret_values("login hunter failed with hunter22 (hunter22-and-more)", props) ==
             "login hunter failed with *** (***)");
  BOOST_TEST(redact_secret_values("tokens tok-1234 and ab", props) == "tokens *** and ab");
  BOOST_TEST(redact_secret_values("no secrets here", json::object{}) == "no secrets here");
}

BOOST_AUTO_TEST_SUITE_END()
