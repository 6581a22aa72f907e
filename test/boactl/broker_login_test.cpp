#include <boost/test/unit_test.hpp>

#include "../support/temp_dir.hpp"
#include "run_boactl.hpp"

#include "tools/boactl/exit_codes.hpp"

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

using namespace boa;
using boa::test::contains;

namespace {

/// A connect that records the settings it was given and goes no further: what reached it is
/// what boactl would have sent to the broker.
struct recording_connect {
  std::optional<boactl::broker_settings> seen;

  boactl::connect_fn fn() {
    return [this](const boactl::broker_settings& broker) -> expected<std::shared_ptr<bus::bus>> {
      seen = broker;
      return error{errc::io, "stopped before the broker"};
    };
  }
};

/// Sets a variable for the life of the guard, and removes it after.
struct scoped_variable {
  const char* name;
  scoped_variable(const char* n, const std::string& value) : name(n) {
    ::setenv(name, value.c_str(), 1);
  }
  ~scoped_variable() { ::unsetenv(name); }
  scoped_variable(const scoped_variable&) = delete;
  scoped_variable& operator=(const scoped_variable&) = delete;
};

test::boactl_outcome list_jobs(recording_connect& connect, std::vector<std::string> flags) {
  flags.insert(flags.end(), {"--broker-username", "ops", "job", "list"});
  return test::run_boactl(connect.fn(), std::move(flags));
}

} // namespace

BOOST_AUTO_TEST_SUITE(broker_login)

BOOST_AUTO_TEST_CASE(a_password_on_the_command_line_is_refused_before_any_connection) {
  recording_connect connect;
  auto o =
      list_jobs(connect, {"--broker", "amqps://rabbit.example", "--broker-password", "hunter2"});
  BOOST_TEST(o.code == boactl::exit_bad_input);
  BOOST_TEST(o.err.starts_with("boactl: --broker-password: a password on the command line is "
                               "visible to every user of the host (ps)"),
             o.err);
  BOOST_TEST(contains(o.err, "BOA_BROKER_PASSWORD"), o.err);
  BOOST_TEST(contains(o.err, "--broker-password-file"), o.err);
  BOOST_TEST(!contains(o.err, "hunter2"), o.err);
  BOOST_TEST(!connect.seen.has_value());
}

BOOST_AUTO_TEST_CASE(the_password_comes_from_the_variable_boad_reads) {
  recording_connect connect;
  scoped_variable password("BOA_BROKER_PASSWORD", "right-pass");
  auto o = list_jobs(connect, {"--broker", "amqps://rabbit.example"});
  BOOST_TEST(o.code == boactl::exit_unreachable, o.err);
  BOOST_REQUIRE(connect.seen.has_value());
  BOOST_TEST(connect.seen->username == "ops");
  BOOST_TEST(connect.seen->password == "right-pass");
}

BOOST_AUTO_TEST_CASE(the_password_comes_from_a_file_without_its_line_break) {
  test::temp_dir dir;
  auto file = dir.path() / "broker-password";
  std::ofstream(file) << "s3cret-pass\n";

  recording_connect by_flag;
  list_jobs(by_flag,
            {"--broker", "amqps://rabbit.example", "--broker-password-file", file.string()});
  BOOST_REQUIRE(by_flag.seen.has_value());
  BOOST_TEST(by_flag.seen->password == "s3cret-pass");

  recording_connect by_variable;
  {
    scoped_variable named("BOA_BROKER_PASSWORD_FILE", file.string());
    list_jobs(by_variable, {"--broker", "amqps://rabbit.example"});
  }
  BOOST_REQUIRE(by_variable.seen.has_value());
  BOOST_TEST(by_variable.seen->password == "s3cret-pass");
}

BOOST_AUTO_TEST_CASE(a_password_file_that_cannot_be_used_is_named_in_the_error) {
  test::temp_dir dir;
  recording_connect connect;
  const auto missing = (dir.path() / "missing").string();
  auto o =
      list_jobs(connect, {"--broker", "amqps://rabbit.example", "--broker-password-file", missing});
  BOOST_TEST(o.code == boactl::exit_bad_input);
  BOOST_TEST(o.err == "boactl: --broker-password-file: cannot read '" + missing + "'\n");

  auto empty = dir.path() / "empty";
  std::ofstream(empty) << "\n";
  {
    scoped_variable named("BOA_BROKER_PASSWORD_FILE", empty.string());
    o = list_jobs(connect, {"--broker", "amqps://rabbit.example"});
  }
  BOOST_TEST(o.code == boactl::exit_bad_input);
  BOOST_TEST(o.err == "boactl: BOA_BROKER_PASSWORD_FILE: '" + empty.string() + "' is empty\n");

  {
    scoped_variable password("BOA_BROKER_PASSWORD", "other");
    o = list_jobs(connect,
                  {"--broker", "amqps://rabbit.example", "--broker-password-file", missing});
  }
  BOOST_TEST(o.code == boactl::exit_bad_input);
  BOOST_TEST(contains(o.err, "BOA_BROKER_PASSWORD and --broker-password-file are both set"), o.err);
  BOOST_TEST(!connect.seen.has_value());
}

BOOST_AUTO_TEST_CASE(a_password_goes_over_plain_amqp_only_to_loopback_unless_allowed) {
  scoped_variable password("BOA_BROKER_PASSWORD", "right-pass");
  recording_connect refused;
  auto o = list_jobs(refused, {"--broker", "amqp://rabbit.example:5672"});
  BOOST_TEST(o.code == boactl::exit_bad_input);
  BOOST_TEST(o.err == "boactl: amqp://rabbit.example:5672 is plain TCP to a host off loopback, "
                      "where anyone on the way can read the broker password; use amqps://, or "
                      "set BOA_BROKER_ALLOW_PLAIN_PASSWORD or --broker-allow-plain-password\n");
  BOOST_TEST(!refused.seen.has_value());
  {
    scoped_variable url("BOA_BROKER_URL", "amqp://10.1.2.3");
    list_jobs(refused, {});
  }
  BOOST_TEST(!refused.seen.has_value());

  for (const char* ok : {"amqp://127.0.0.1:5672", "amqp://localhost", "amqp://[::1]:5672",
                         "amqps://rabbit.example"}) {
    recording_connect connect;
    list_jobs(connect, {"--broker", ok});
    BOOST_TEST(connect.seen.has_value(), ok);
  }
  recording_connect by_flag;
  list_jobs(by_flag, {"--broker", "amqp://rabbit.example", "--broker-allow-plain-password"});
  BOOST_TEST(by_flag.seen.has_value());
  recording_connect by_variable;
  {
    scoped_variable allow("BOA_BROKER_ALLOW_PLAIN_PASSWORD", "true");
    list_jobs(by_variable, {"--broker", "amqp://rabbit.example"});
  }
  BOOST_TEST(by_variable.seen.has_value());
}

BOOST_AUTO_TEST_CASE(without_a_password_plain_amqp_to_any_host_is_fine) {
  recording_connect connect;
  auto o = test::run_boactl(connect.fn(), {"--broker", "amqp://rabbit.example", "job", "list"});
  BOOST_TEST(o.code == boactl::exit_unreachable, o.err);
  BOOST_TEST(connect.seen.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
