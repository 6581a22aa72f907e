#define BOOST_TEST_MODULE durable_queues
#include <boost/test/unit_test.hpp>
