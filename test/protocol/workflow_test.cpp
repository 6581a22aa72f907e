#define BOOST_TEST_MODULE protocol
#include <boost/test/unit_test.hpp>

#include "protocol/workflow.hpp"

BOOST_AUTO_TEST_SUITE(workflow_index)

BOOST_AUTO_TEST_CASE(find_returns_the_step_with_that_id_and_null_for_unknown_ids) {
  boa::protocol::workflow w;
  w.steps.resize(2);
  w.steps[0].id = "a";
  w.steps[1].id = "b";
  w.index();
  BOOST_REQUIRE(w.find("b") != nullptr);
  BOOST_TEST(w.find("b")->id == "b");
  BOOST_TEST(w.find("c") == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
