#include <boost/test/unit_test.hpp>

#include "runtime/http/token_check.hpp"

using boa::http::bearer_token;
using boa::http::same_token;

BOOST_AUTO_TEST_SUITE(token_check)

BOOST_AUTO_TEST_CASE(only_the_same_token_matches) {
  BOOST_TEST(same_token("s3cret", "s3cret"));
  BOOST_TEST(!same_token("s3creT", "s3cret"));
  BOOST_TEST(!same_token("s3cre", "s3cret"));   // a prefix
  BOOST_TEST(!same_token("s3crets", "s3cret")); // longer
  BOOST_TEST(!same_token("", "s3cret"));
  BOOST_TEST(!same_token(std::string_view("s3cret\0", 7), "s3cret"));
}

BOOST_AUTO_TEST_CASE(the_bearer_scheme_is_read_case_insensitively) {
  BOOST_TEST(bearer_token("Bearer abc") == "abc");
  BOOST_TEST(bearer_token("bearer abc") == "abc");
  BOOST_TEST(bearer_token("Basic abc").empty());
  BOOST_TEST(bearer_token("Bearer ").empty());
  BOOST_TEST(bearer_token("").empty());
}

BOOST_AUTO_TEST_SUITE_END()
