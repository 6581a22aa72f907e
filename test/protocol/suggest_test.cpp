#include <boost/test/unit_test.hpp>

#include "protocol/suggest.hpp"

using boa::protocol::did_you_mean;

BOOST_AUTO_TEST_SUITE(suggest)

BOOST_AUTO_TEST_CASE(a_suggestion_needs_a_close_candidate) {
  BOOST_TEST(did_you_mean("brokr", {"node-id", "broker"}) == " (did you mean 'broker'?)");
  BOOST_TEST(did_you_mean("zzz", {"node-id", "broker"}) == "");
  BOOST_TEST(did_you_mean("a", {"b"}) == "");
}

BOOST_AUTO_TEST_SUITE_END()
