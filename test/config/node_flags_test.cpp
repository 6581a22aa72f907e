#include <boost/test/unit_test.hpp>

#include "test/config/config_test_support.hpp"

#include "runtime/config/config_loader.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

using boa::config::flag_values;
using boa::test::error_of;

namespace {

/// Parses `args` (without the program name) as boad would.
flag_values parse(std::vector<std::string> args) {
  CLI::App app{"boad"};
  flag_values flags;
  boa::config::add_node_flags(app, flags);
  std::vector<const char*> argv{"boad"};
  for (const auto& a : args)
    argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), const_cast<char**>(argv.data()));
  return flags;
}

} // namespace

BOOST_AUTO_TEST_SUITE(node_flags)

BOOST_AUTO_TEST_CASE(a_realistic_command_line_fills_the_flag_values) {
  auto flags =
      parse({"--config", "/etc/boa/boad.json", "--listen", "127.0.0.1:5700", "--broker",
             "amqp://rabbit:5672", "--node-id", "n1", "--workers", "8", "--data", "/var/lib/boa",
             "--plugin", "/opt/a.so", "--plugin", "/opt/b.so", "--heartbeat-interval=500ms",
             "--allow-remote-listen", "--systems-workers-autostart=false"});
  BOOST_TEST(flags.config->string() == "/etc/boa/boad.json");
  BOOST_TEST(*flags.listen == "127.0.0.1:5700");
  BOOST_TEST(*flags.broker_url == "amqp://rabbit:5672");
  BOOST_TEST(*flags.node_id == "n1");
  BOOST_TEST(*flags.workers == "8");
  BOOST_TEST(*flags.data_dir == "/var/lib/boa");
  BOOST_TEST((*flags.plugins == std::vector<std::string>{"/opt/a.so", "/opt/b.so"}));
  BOOST_TEST(*flags.heartbeat_interval == "500ms");
  BOOST_TEST(*flags.allow_remote_listen == "true");
  BOOST_TEST(*flags.workers_autostart == "false");
  BOOST_TEST(!flags.log_level);
  BOOST_TEST(!flags.broker_password);

  auto c = boa::config::load_node_config(std::nullopt, {}, flags);
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->listen.port == 5700);
  BOOST_TEST(c->broker.url == "amqp://rabbit:5672");
  BOOST_TEST(c->node_id == "n1");
  BOOST_TEST(c->systems.workers.count == 8u);
  BOOST_TEST(!c->systems.workers.autostart);
  BOOST_TEST(c->data_dir == "/var/lib/boa");
  BOOST_TEST(c->job_folders == "/var/lib/boa/jobs");
  BOOST_TEST(c->plugins.size() == 2u);
  BOOST_TEST(c->heartbeat_interval.count() == 500);
}

BOOST_AUTO_TEST_CASE(flag_values_are_checked_by_the_loader_not_by_the_parser) {
  auto flags = parse({"--workers", "many", "--systems-workers-autostart=perhaps"});
  BOOST_TEST(error_of(boa::config::load_node_config(std::nullopt, {}, flags)) ==
             "--workers: must be a positive integer, got 'many'\n"
             "--systems-workers-autostart: must be true or false, got 'perhaps'");
}

BOOST_AUTO_TEST_CASE(an_unknown_flag_is_a_parse_error) {
  BOOST_CHECK_THROW(parse({"--wrokers", "4"}), CLI::ParseError);
}

BOOST_AUTO_TEST_CASE(help_names_the_variable_and_the_key_of_each_flag) {
  CLI::App app{"boad"};
  flag_values flags;
  boa::config::add_node_flags(app, flags);
  auto help = app.help();
  BOOST_TEST(help.find("--workers COUNT") != std::string::npos, help);
  BOOST_TEST(help.find("[BOA_WORKERS, key systems.workers.count, default 4]") != std::string::npos);
  BOOST_TEST(help.find("--config FILE") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
