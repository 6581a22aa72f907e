#define BOOST_TEST_MODULE boactl
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <ctime>

namespace {

/// Times print in local time: fix the zone so that expected output is the same everywhere.
struct utc_time_zone {
  utc_time_zone() {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

} // namespace

BOOST_TEST_GLOBAL_FIXTURE(utc_time_zone);
