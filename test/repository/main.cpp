#define BOOST_TEST_MODULE repository
#include <boost/test/unit_test.hpp>
