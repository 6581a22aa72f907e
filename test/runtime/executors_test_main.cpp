#define BOOST_TEST_MODULE executors
#include <boost/test/unit_test.hpp>
