#include <boost/test/unit_test.hpp>

#include "sim/seed.hpp"
#include "sim/trace.hpp"

BOOST_AUTO_TEST_SUITE(seeds_and_traces)

BOOST_AUTO_TEST_CASE(a_derived_value_depends_on_seed_and_name_only) {
  BOOST_TEST(boa::sim::derive(1, "a") == boa::sim::derive(1, "a"));
  BOOST_TEST(boa::sim::derive(1, "a") != boa::sim::derive(2, "a"));
  BOOST_TEST(boa::sim::derive(1, "a") != boa::sim::derive(1, "b"));
}

BOOST_AUTO_TEST_CASE(a_trace_hash_sees_field_boundaries_and_order) {
  boa::sim::trace ab, a_b, ba;
  ab.record({"ab", ""});
  a_b.record({"a", "b"});
  ba.record({"b", "a"});
  BOOST_TEST(ab.hash() != a_b.hash());
  BOOST_TEST(a_b.hash() != ba.hash());
  BOOST_TEST(a_b.events() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
