#define BOOST_TEST_MODULE http_api
#include <boost/test/unit_test.hpp>
