#define BOOST_TEST_MODULE config
#include <boost/test/unit_test.hpp>

#include "test/config/config_test_support.hpp"

#include "protocol/envelope.hpp"
#include "runtime/config/config_loader.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

using namespace std::chrono_literals;
using boa::config::environment;
using boa::config::flag_values;
using boa::config::node_config;
using boa::test::config_dir;
using boa::test::error_of;
using boa::test::load;
using boa::test::load_env;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(config_loader)

BOOST_AUTO_TEST_CASE(defaults_apply_when_nothing_is_given) {
  auto c = load(std::nullopt);
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->node_id == boa::config::default_node_id());
  BOOST_TEST(c->node_id.ends_with("-" + std::to_string(::getpid())));
  BOOST_TEST(c->listen.to_string() == "127.0.0.1:5672");
  BOOST_TEST(!c->allow_remote_listen);
  BOOST_TEST(c->broker.url.empty());
  BOOST_TEST(c->broker.username.empty());
  BOOST_TEST(boa::config::queue_address(c->queues.jobs) == boa::protocol::addresses::jobs);
  BOOST_TEST(boa::config::queue_address(c->queues.new_jobs) == boa::protocol::addresses::new_jobs);
  BOOST_TEST(boa::config::queue_address(c->queues.archive) == boa::protocol::addresses::archive);
  BOOST_TEST(boa::config::queue_address(c->queues.dead) == boa::protocol::addresses::dead);
  BOOST_TEST(boa::config::topic_address(c->topics.events) == boa::protocol::addresses::events);
  BOOST_TEST(boa::config::topic_address(c->topics.commands) == boa::protocol::addresses::commands);
  BOOST_TEST(boa::config::topic_address(c->topics.heartbeat) ==
             boa::protocol::addresses::heartbeat);
  BOOST_TEST(c->topics.exchange == "amq.topic");
  BOOST_TEST(c->systems.workers.count == 4u);
  BOOST_TEST(c->systems.workers.autostart);
  BOOST_TEST(c->systems.workers.restart_workers_on_error);
  BOOST_TEST(c->heartbeat_interval.count() == 1000);
  BOOST_TEST(!c->cluster_aware);
  BOOST_TEST(c->cluster.suspect_after == 3u);
  BOOST_TEST(c->cluster.down_after == 10u);
  BOOST_TEST(c->cluster.eviction_interval.count() == 5000);
  BOOST_TEST(c->cluster.eviction_age.count() == 30000);
  BOOST_TEST(c->shutdown_grace_period.count() == 30000);
  BOOST_TEST(c->log == boa::config::log_level::info);
  BOOST_TEST(c->data_dir == fs::current_path() / "boa-data");
  BOOST_TEST(c->job_folders == fs::current_path() / "boa-data" / "jobs");
  BOOST_TEST(c->repository == fs::current_path() / "boa-data" / "repository");
  BOOST_TEST(c->plugins.empty());
}

BOOST_AUTO_TEST_CASE(a_config_file_overrides_every_default_it_names) {
  config_dir d;
  auto file = d.write("config.json", R"({
    "node-id": "alpha",
    "listen": "127.0.0.1:5800",
    "broker": {"url": "amqp://rabbit.example:5673", "username": "boa", "password": "secret",
               "allow-plain-password": true},
    "queues": {"jobs": "x.jobs", "new-jobs": "x.new", "archive": "x.archive", "dead": "x.dead"},
    "topics": {"exchange": "x.topic", "events": "x.events", "commands": "x.commands",
               "heartbeat": "x.heartbeat"},
    "systems": {"workers": {"count": 16, "autostart": false, "restart-workers-on-error": false}},
    "heartbeat-interval": "2s",
    "cluster-aware": true,
    "cluster": {"suspect-after": 2, "down-after": 5, "eviction-interval": "10s",
                "eviction-age": "1m"},
    "shutdown-grace-period": "0s",
    "log-level": "debug",
    "data-dir": "state",
    "job-folders": "/mnt/shared/jobs",
    "repository": "../repo",
    "plugins": ["plugins/a.so", "/opt/boa/b.so"]
  })");
  auto c = load(file);
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->node_id == "alpha");
  BOOST_TEST(c->listen.port == 5800);
  BOOST_TEST(c->broker.url == "amqp://rabbit.example:5673");
  BOOST_TEST(c->broker.username == "boa");
  BOOST_TEST(c->broker.password == "secret");
  BOOST_TEST(c->broker.allow_plain_password);
  BOOST_TEST(c->queues.new_jobs == "x.new");
  BOOST_TEST(c->queues.dead == "x.dead");
  BOOST_TEST(c->topics.exchange == "x.topic");
  BOOST_TEST(c->topics.heartbeat == "x.heartbeat");
  BOOST_TEST(c->systems.workers.count == 16u);
  BOOST_TEST(!c->systems.workers.autostart);
  BOOST_TEST(!c->systems.workers.restart_workers_on_error);
  BOOST_TEST(c->heartbeat_interval.count() == 2000);
  BOOST_TEST(c->cluster_aware);
  BOOST_TEST(c->cluster.suspect_after == 2u);
  BOOST_TEST(c->cluster.down_after == 5u);
  BOOST_TEST(c->cluster.eviction_interval.count() == 10000);
  BOOST_TEST(c->cluster.eviction_age.count() == 60000);
  BOOST_TEST(c->shutdown_grace_period.count() == 0);
  BOOST_TEST(c->log == boa::config::log_level::debug);
  // Relative paths in a file are relative to the file's directory.
  BOOST_TEST(c->data_dir == d.dir.path() / "state");
  BOOST_TEST(c->job_folders == "/mnt/shared/jobs");
  BOOST_TEST(c->repository == d.dir.path().parent_path() / "repo");
  BOOST_REQUIRE(c->plugins.size() == 2u);
  BOOST_TEST(c->plugins[0] == d.dir.path() / "plugins" / "a.so");
  BOOST_TEST(c->plugins[1] == "/opt/boa/b.so");
}

BOOST_AUTO_TEST_CASE(job_folders_and_repository_follow_the_data_dir_unless_given) {
  auto c = load_env({{"BOA_DATA_DIR", "/srv/boa"}});
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->job_folders == "/srv/boa/jobs");
  BOOST_TEST(c->repository == "/srv/boa/repository");
  c = load_env({{"BOA_DATA_DIR", "/srv/boa"}, {"BOA_REPOSITORY", "/srv/repo"}});
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->job_folders == "/srv/boa/jobs");
  BOOST_TEST(c->repository == "/srv/repo");
}

BOOST_AUTO_TEST_CASE(variables_override_the_file_and_flags_override_variables) {
  config_dir d;
  auto file = d.write("config.json", R"({"node-id": "from-file", "log-level": "debug",
    "systems": {"workers": {"count": 2}}, "plugins": ["/file.so"], "data-dir": "/file"})");
  environment env{{"BOA_NODE_ID", "from-env"},
                  {"BOA_WORKERS", "6"},
                  {"BOA_PLUGINS", "/env-a.so:/env-b.so"},
                  {"BOA_DATA_DIR", "/env"}};

  auto c = load(file, env);
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->node_id == "from-env");
  BOOST_TEST(c->systems.workers.count == 6u);
  BOOST_TEST(c->log == boa::config::log_level::debug); // only in the file
  BOOST_TEST((c->plugins == std::vector<fs::path>{"/env-a.so", "/env-b.so"}));
  BOOST_TEST(c->data_dir == "/env");

  flag_values flags;
  flags.node_id = "from-flag";
  flags.plugins = std::vector<std::string>{"/flag.so"};
  c = load(file, env, flags);
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->node_id == "from-flag");
  BOOST_TEST(c->systems.workers.count == 6u); // not given as a flag
  BOOST_TEST((c->plugins == std::vector<fs::path>{"/flag.so"}));
}

BOOST_AUTO_TEST_CASE(an_empty_plugin_variable_clears_the_file_list) {
  config_dir d;
  auto file = d.write("config.json", R"({"plugins": ["/file.so"]})");
  auto c = load(file, {{"BOA_PLUGINS", ""}});
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->plugins.empty());
}

BOOST_AUTO_TEST_CASE(relative_paths_from_variables_and_flags_are_relative_to_the_current_dir) {
  flag_values flags;
  flags.job_folders = "jobs-here";
  auto c = load(std::nullopt, {{"BOA_REPOSITORY", "repo-here"}}, flags);
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->job_folders == fs::current_path() / "jobs-here");
  BOOST_TEST(c->repository == fs::current_path() / "repo-here");
}

BOOST_AUTO_TEST_CASE(a_bad_value_in_the_file_names_the_file_and_the_key) {
  config_dir d;
  auto file = d.write("config.json", R"({"systems": {"workers": {"count": "four"}}})");
  BOOST_TEST(error_of(load(file)) ==
             file.string() + ": systems.workers.count: must be a positive integer, got \"four\"");
}

BOOST_AUTO_TEST_CASE(a_relative_file_name_is_shown_as_given) {
  config_dir d;
  d.write("config.json", R"({"systems": {"workers": {"count": "four"}}})");
  auto previous = fs::current_path();
  fs::current_path(d.dir.path());
  auto loaded = load(fs::path("config.json"));
  fs::current_path(previous);
  BOOST_TEST(error_of(loaded) ==
             "config.json: systems.workers.count: must be a positive integer, got \"four\"");
}

BOOST_AUTO_TEST_CASE(a_bad_variable_is_named) {
  BOOST_TEST(error_of(load_env({{"BOA_WORKERS", "x"}})) ==
             "BOA_WORKERS: must be a positive integer, got 'x'");
}

BOOST_AUTO_TEST_CASE(a_bad_flag_is_named) {
  flag_values flags;
  flags.workers = "x";
  BOOST_TEST(error_of(load(std::nullopt, {}, flags)) ==
             "--workers: must be a positive integer, got 'x'");
}

BOOST_AUTO_TEST_CASE(a_bad_value_is_rejected_even_when_a_later_source_overrides_it) {
  flag_values flags;
  flags.workers = "8";
  BOOST_TEST(error_of(load(std::nullopt, {{"BOA_WORKERS", "0"}}, flags)) ==
             "BOA_WORKERS: must be a positive integer, got '0'");
}

BOOST_AUTO_TEST_CASE(an_unknown_key_is_rejected_with_a_suggestion) {
  config_dir d;
  auto file = d.write("config.json", R"({"brokr": {"url": "amqp://h"}})");
  BOOST_TEST(error_of(load(file)) ==
             file.string() + ": unknown key 'brokr' (did you mean 'broker'?)");
}

BOOST_AUTO_TEST_CASE(an_unknown_nested_key_is_rejected_at_its_path) {
  config_dir d;
  auto file = d.write("config.json", R"({"systems": {"workers": {"cout": 3}}})");
  BOOST_TEST(error_of(load(file)) ==
             file.string() + ": systems.workers: unknown key 'cout' (did you mean 'count'?)");
}

BOOST_AUTO_TEST_CASE(an_unknown_key_far_from_any_lists_the_known_ones) {
  config_dir d;
  auto file = d.write("config.json", R"({"cluster": {"quorum": 3}})");
  BOOST_TEST(
      error_of(load(file)) ==
      file.string() +
          ": cluster: unknown key 'quorum' (known: suspect-after, down-after, eviction-interval, "
          "eviction-age)");
}

BOOST_AUTO_TEST_CASE(a_group_given_as_a_value_says_what_it_holds) {
  config_dir d;
  auto file = d.write("config.json", R"({"broker": "amqp://rabbit"})");
  BOOST_TEST(error_of(load(file)) ==
             file.string() +
                 ": broker: must be an object with keys url, username, password, "
                 "password-file, allow-plain-password, tls-ca-file, tls-cert-file, tls-key-file, "
                 "idle-timeout, got "
                 "\"amqp://rabbit\"");
}

BOOST_AUTO_TEST_CASE(an_unknown_boa_variable_is_rejected_with_a_suggestion) {
  BOOST_TEST(error_of(load_env({{"BOA_WORKRES", "4"}})) ==
             "unknown environment variable 'BOA_WORKRES' (did you mean 'BOA_WORKERS'?)");
  BOOST_TEST(error_of(load_env({{"BOA_SYSTEMS_WORKERS_AUTOSTRAT", "true"}})) ==
             "unknown environment variable 'BOA_SYSTEMS_WORKERS_AUTOSTRAT' (did you mean "
             "'BOA_SYSTEMS_WORKERS_AUTOSTART'?)");
  BOOST_TEST(error_of(load_env({{"BOA_FROBNICATE", "1"}})) ==
             "unknown environment variable 'BOA_FROBNICATE' (boad --help lists them)");
}

BOOST_AUTO_TEST_CASE(other_variables_and_those_boa_sets_for_steps_are_not_settings) {
  auto c = load_env({{"PATH", "/usr/bin"},
                     {"HOME", "/root"},
                     {"boa_workers", "x"},
                     {"BOA_CONFIG", "/etc/boa.json"},
                     {"BOA_JOB_ID", "j1"},
                     {"BOA_STEP_ID", "s1"},
                     {"BOA_ATTEMPT", "2"},
                     {"BOA_JOB_DIR", "/tmp/j1"}});
  BOOST_TEST(bool(c), error_of(c));
}

BOOST_AUTO_TEST_CASE(every_problem_is_reported_one_per_line) {
  config_dir d;
  auto file = d.write("config.json", R"({"log-level": "loud", "heartbeat-interval": 1000})");
  flag_values flags;
  flags.listen = "nowhere";
  BOOST_TEST(error_of(load(file, {{"BOA_WORKERS", "-1"}}, flags)) ==
             file.string() +
                 ": log-level: must be one of trace, debug, info, warn, error, critical, off, got "
                 "\"loud\"\n" +
                 file.string() +
                 ": heartbeat-interval: must be a duration: an integer with a unit (ms, s, m or "
                 "h) such as 500ms or 2m, got 1000\n"
                 "BOA_WORKERS: must be a positive integer, got '-1'\n"
                 "--listen: must be HOST:PORT such as 127.0.0.1:5672, got 'nowhere'");
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_not_found_and_says_why) {
  config_dir d;
  auto file = d.dir.path() / "absent.json";
  auto c = load(file);
  BOOST_REQUIRE(!c);
  BOOST_TEST(c.error().code == boa::errc::not_found);
  BOOST_TEST(c.error().message == file.string() + ": cannot read: No such file or directory");
}

BOOST_AUTO_TEST_CASE(an_unreadable_file_is_an_io_error) {
  config_dir d;
  auto c = load(d.dir.path());
  BOOST_REQUIRE(!c);
  BOOST_TEST(c.error().code == boa::errc::io);
  BOOST_TEST(c.error().message == d.dir.path().string() + ": cannot read: it is a directory");

  auto file = d.write("locked.json", "{}");
  fs::permissions(file, fs::perms::none);
  c = load(file);
  fs::permissions(file, fs::perms::owner_all);
  if (::geteuid() != 0) { // root reads it regardless
    BOOST_REQUIRE(!c);
    BOOST_TEST(c.error().code == boa::errc::io);
    BOOST_TEST(c.error().message == file.string() + ": cannot read: Permission denied");
  }
}

BOOST_AUTO_TEST_CASE(bad_json_is_reported_with_line_and_column) {
  config_dir d;
  auto file = d.write("config.json", "{\n  \"node-id\": \"a\",\n  \"listen\" \"x\"\n}\n");
  auto c = load(file);
  BOOST_REQUIRE(!c);
  BOOST_TEST(c.error().code == boa::errc::invalid_input);
  BOOST_TEST(c.error().message.starts_with(file.string() + ": invalid JSON at 3:12: "),
             c.error().message);
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_an_object_is_rejected) {
  config_dir d;
  auto file = d.write("config.json", R"(["node-id", "a"])");
  BOOST_TEST(error_of(load(file)) ==
             file.string() + ": must be a JSON object, got [\"node-id\",\"a\"]");
}

BOOST_AUTO_TEST_CASE(a_toml_file_is_refused_until_there_is_a_reader) {
  config_dir d;
  auto file = d.write("boad.toml", "node-id = \"a\"\n");
  BOOST_TEST(error_of(load(file)) ==
             file.string() +
                 ": TOML config files are not supported yet; write the settings as JSON");
}

BOOST_AUTO_TEST_CASE(the_config_file_is_the_flag_else_the_variable) {
  flag_values flags;
  BOOST_TEST(!boa::config::config_file(flags, {}));
  BOOST_TEST(*boa::config::config_file(flags, {{"BOA_CONFIG", "/etc/boa/env.json"}}) ==
             "/etc/boa/env.json");
  flags.config = "/etc/boa/flag.json";
  BOOST_TEST(*boa::config::config_file(flags, {{"BOA_CONFIG", "/etc/boa/env.json"}}) ==
             "/etc/boa/flag.json");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(config_rules)

BOOST_AUTO_TEST_CASE(the_embedded_broker_listens_off_loopback_only_with_users_and_when_allowed) {
  for (const char* ok : {"127.0.0.1:5672", "127.1.2.3:1", "localhost:5700", "[::1]:5672"}) {
    auto c = load_env({{"BOA_LISTEN", ok}});
    BOOST_TEST(bool(c), ok << ": " << error_of(c));
  }
  BOOST_TEST(error_of(load_env({{"BOA_LISTEN", "0.0.0.0:5672"}})) ==
             "BOA_LISTEN: 0.0.0.0:5672 is not a loopback address and the embedded broker has no "
             "users; set embedded-broker.users-file (user:password lines) to listen there\n"
             "BOA_LISTEN: 0.0.0.0:5672 is not a loopback address; set allow-remote-listen to "
             "listen there anyway");
  BOOST_TEST(error_of(load_env({{"BOA_LISTEN", "[::]:5672"}}))
                 .starts_with("BOA_LISTEN: [::]:5672 is not a loopback address"));
  BOOST_TEST(error_of(load_env({{"BOA_LISTEN", "node1.example:5672"}}))
                 .starts_with("BOA_LISTEN: node1.example:5672 is not a loopback address"));

  config_dir d;
  auto file = d.write("config.json", R"({"listen": "10.0.0.5:5672"})");
  BOOST_TEST(error_of(load(file))
                 .starts_with(file.string() + ": listen: 10.0.0.5:5672 is not a loopback"));

  // Allowed, but nobody to log in: an open broker on the network is still refused.
  flag_values allow;
  allow.allow_remote_listen = "true";
  BOOST_TEST(error_of(load(file, {}, allow)) ==
             file.string() + ": listen: 10.0.0.5:5672 is not a loopback address and the embedded "
                             "broker has no users; set embedded-broker.users-file (user:password "
                             "lines) to listen there");

  allow.embedded_broker_users_file = (d.dir.path() / "users").string();
  auto c = load(file, {}, allow);
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->listen.host == "10.0.0.5");
  BOOST_TEST(c->allow_remote_listen);
  BOOST_TEST(c->embedded_broker.users_file == d.dir.path() / "users");
}

BOOST_AUTO_TEST_CASE(the_http_api_off_loopback_needs_a_token_even_when_remote_listen_is_allowed) {
  // On loopback no token is needed.
  auto local = load_env({{"BOA_HTTP", "127.0.0.1:8080"}});
  BOOST_TEST(bool(local), error_of(local));

  auto no_token =
      error_of(load_env({{"BOA_HTTP", "0.0.0.0:8080"}, {"BOA_ALLOW_REMOTE_LISTEN", "true"}}));
  BOOST_TEST(no_token == "BOA_HTTP: 0.0.0.0:8080 is not a loopback address and no HTTP token is "
                         "set; set http-token (BOA_HTTP_TOKEN, or --http-token) to serve the HTTP "
                         "API there");

  flag_values flags;
  flags.http = "[::]:8080";
  flags.allow_remote_listen = "true";
  BOOST_TEST(error_of(load({}, {}, flags))
                 .starts_with("--http: [::]:8080 is not a loopback "
                              "address and no HTTP token is set"));

  // A token alone is not enough either: serving off loopback is still an explicit choice.
  flags.http_token = "s3cret";
  flags.allow_remote_listen.reset();
  BOOST_TEST(error_of(load({}, {}, flags))
                 .find("set allow-remote-listen to serve the HTTP API there anyway") !=
             std::string::npos);

  flags.allow_remote_listen = "true";
  auto served = load({}, {}, flags);
  BOOST_REQUIRE_MESSAGE(served, error_of(served));
  BOOST_TEST(served->http->host == "::");
  BOOST_TEST(served->http_token == "s3cret");
}

BOOST_AUTO_TEST_CASE(eviction_age_must_be_at_least_twice_the_heartbeat_interval) {
  config_dir d;
  auto file = d.write("config.json", R"({"heartbeat-interval": "1s"})");
  BOOST_TEST(error_of(load(file, {{"BOA_CLUSTER_EVICTION_AGE", "1500ms"}})) ==
             "cluster.eviction-age (1500ms, from BOA_CLUSTER_EVICTION_AGE) must be at least twice "
             "heartbeat-interval (1s, from " +
                 file.string() + ")");
  BOOST_TEST(error_of(load_env({{"BOA_HEARTBEAT_INTERVAL", "20s"}})) ==
             "cluster.eviction-age (30s, default) must be at least twice heartbeat-interval (20s, "
             "from BOA_HEARTBEAT_INTERVAL)");
  BOOST_TEST(bool(load_env({{"BOA_HEARTBEAT_INTERVAL", "15s"}})));
}

BOOST_AUTO_TEST_CASE(a_node_is_down_only_after_it_is_suspect) {
  config_dir d;
  auto file = d.write("config.json", R"({"cluster": {"suspect-after": 5}})");
  BOOST_TEST(error_of(load(file, {{"BOA_CLUSTER_DOWN_AFTER", "5"}})) ==
             "cluster.down-after (5, from BOA_CLUSTER_DOWN_AFTER) must be more than "
             "cluster.suspect-after (5, from " +
                 file.string() + ")");
  BOOST_TEST(error_of(load_env({{"BOA_CLUSTER_SUSPECT_AFTER", "12"}})) ==
             "cluster.down-after (10, default) must be more than cluster.suspect-after (12, from "
             "BOA_CLUSTER_SUSPECT_AFTER)");
  BOOST_TEST(
      error_of(load_env({{"BOA_CLUSTER_DOWN_AFTER", "0"}})).find("BOA_CLUSTER_DOWN_AFTER: ") == 0u);
  auto c = load_env({{"BOA_CLUSTER_SUSPECT_AFTER", "1"}, {"BOA_CLUSTER_DOWN_AFTER", "2"}});
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->cluster.down_after == 2u);
}

BOOST_AUTO_TEST_CASE(broker_credentials_come_in_pairs_and_only_with_a_broker) {
  BOOST_TEST(error_of(load_env(
                 {{"BOA_BROKER_URL", "amqps://rabbit"}, {"BOA_BROKER_PASSWORD", "secret"}})) ==
             "broker.password (set, from BOA_BROKER_PASSWORD) needs broker.username");
  BOOST_TEST(
      error_of(load_env({{"BOA_BROKER_URL", "amqp://rabbit"}, {"BOA_BROKER_USERNAME", "boa"}})) ==
      "broker.username (set, from BOA_BROKER_USERNAME) needs broker.password");
  BOOST_TEST(error_of(load_env({{"BOA_BROKER_USERNAME", "boa"}, {"BOA_BROKER_PASSWORD", "x"}})) ==
             "broker.username (set, from BOA_BROKER_USERNAME) needs broker.url: without a broker "
             "URL the node runs its embedded broker");
  auto c = load_env({{"BOA_BROKER_URL", "amqps://rabbit.example"},
                     {"BOA_BROKER_USERNAME", "boa"},
                     {"BOA_BROKER_PASSWORD", "secret"}});
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->broker.url == "amqps://rabbit.example");
}

BOOST_AUTO_TEST_CASE(a_broker_password_on_the_command_line_is_refused) {
  flag_values flags;
  flags.broker_url = "amqps://rabbit.example";
  flags.broker_username = "boa";
  flags.broker_password = "hunter2";
  const auto message = error_of(load({}, {}, flags));
  BOOST_TEST(message.starts_with("--broker-password: a password on the command line is visible"),
             message);
  BOOST_TEST(message.find("BOA_BROKER_PASSWORD") != std::string::npos);
  BOOST_TEST(message.find("--broker-password-file") != std::string::npos);
  BOOST_TEST(message.find("hunter2") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_broker_password_may_come_from_a_file_without_its_line_break) {
  config_dir d;
  auto secret = d.write("broker-password", "s3cret-pass\n");
  flag_values flags;
  flags.broker_url = "amqps://rabbit.example";
  flags.broker_username = "boa";
  flags.broker_password_file = secret.string();
  auto c = load({}, {}, flags);
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->broker.password == "s3cret-pass");

  auto from_env = load_env({{"BOA_BROKER_URL", "amqps://rabbit.example"},
                            {"BOA_BROKER_USERNAME", "boa"},
                            {"BOA_BROKER_PASSWORD_FILE", secret.string()}});
  BOOST_REQUIRE_MESSAGE(from_env, error_of(from_env));
  BOOST_TEST(from_env->broker.password == "s3cret-pass");

  auto both = load({}, {{"BOA_BROKER_PASSWORD", "other"}}, flags);
  BOOST_TEST(error_of(both).starts_with("broker.password (set, from BOA_BROKER_PASSWORD) and "
                                        "broker.password-file"),
             error_of(both));
  flags.broker_password_file = (d.dir.path() / "missing").string();
  BOOST_TEST(error_of(load({}, {}, flags)) ==
             "--broker-password-file: cannot read '" + (d.dir.path() / "missing").string() + "'");
  flags.broker_password_file = d.write("empty", "\n").string();
  BOOST_TEST(error_of(load({}, {}, flags)).ends_with("' is empty"));
}

BOOST_AUTO_TEST_CASE(a_password_goes_over_plain_tcp_only_to_loopback_or_when_allowed) {
  auto with = [](std::string url, bool allow = false) {
    environment env{
        {"BOA_BROKER_URL", url}, {"BOA_BROKER_USERNAME", "boa"}, {"BOA_BROKER_PASSWORD", "secret"}};
    if (allow)
      env["BOA_BROKER_ALLOW_PLAIN_PASSWORD"] = "true";
    return load_env(env);
  };
  BOOST_TEST(error_of(with("amqp://rabbit.example:5672")) ==
             "BOA_BROKER_URL: amqp://rabbit.example:5672 is plain TCP to a host off loopback, "
             "where anyone on the way can read the broker password; use amqps://, or set "
             "broker.allow-plain-password");
  BOOST_TEST(!with("amqp://10.1.2.3"));
  BOOST_TEST(!with("amqp://[2001:db8::1]:5672"));
  for (const char* ok :
       {"amqp://127.0.0.1:5672", "amqp://localhost", "amqp://[::1]:5672", "amqps://rabbit.example"})
    BOOST_TEST(bool(with(ok)), ok << ": " << error_of(with(ok)));
  auto allowed = with("amqp://rabbit.example", true);
  BOOST_REQUIRE_MESSAGE(allowed, error_of(allowed));
  BOOST_TEST(allowed->broker.allow_plain_password);
  // Without a password there is nothing to read on the way.
  BOOST_TEST(bool(load_env({{"BOA_BROKER_URL", "amqp://rabbit.example"}})));
}

BOOST_AUTO_TEST_CASE(a_tls_client_certificate_goes_with_its_key) {
  environment env{{"BOA_BROKER_URL", "amqps://rabbit.example"},
                  {"BOA_BROKER_TLS_CA_FILE", "/etc/boa/ca.pem"},
                  {"BOA_BROKER_TLS_CERT_FILE", "/etc/boa/node.pem"}};
  BOOST_TEST(error_of(load_env(env)) ==
             "broker.tls-cert-file needs broker.tls-key-file: a certificate goes with its private "
             "key");
  env["BOA_BROKER_TLS_KEY_FILE"] = "/etc/boa/node.key";
  auto c = load_env(env);
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->broker.tls_ca_file == "/etc/boa/ca.pem");
  BOOST_TEST(c->broker.tls_key_file == "/etc/boa/node.key");
}

BOOST_AUTO_TEST_CASE(the_embedded_broker_tls_certificate_goes_with_its_key_and_both_are_read) {
  config_dir d;
  const auto cert = d.write("broker.pem", "certificate").string();
  const auto key = d.write("broker.key", "key").string();
  BOOST_TEST(error_of(load_env({{"BOA_EMBEDDED_BROKER_TLS_CERT_FILE", cert}})) ==
             "embedded-broker.tls-cert-file (set, from BOA_EMBEDDED_BROKER_TLS_CERT_FILE) needs "
             "embedded-broker.tls-key-file: a certificate goes with its private key");
  flag_values flags;
  flags.embedded_broker_tls_key = key;
  BOOST_TEST(error_of(load({}, {}, flags)) ==
             "embedded-broker.tls-key-file (set, from --embedded-broker-tls-key-file) needs "
             "embedded-broker.tls-cert-file: a certificate goes with its private key");

  flags.embedded_broker_tls_cert = (d.dir.path() / "missing.pem").string();
  BOOST_TEST(error_of(load({}, {}, flags)) == "--embedded-broker-tls-cert-file: cannot read '" +
                                                  (d.dir.path() / "missing.pem").string() + "'");
  fs::create_directory(d.dir.path() / "keys");
  auto file = d.write("config.json", R"({"embedded-broker": {"tls-cert-file": "broker.pem",
                                         "tls-key-file": "keys"}})");
  BOOST_TEST(error_of(load(file)) == file.string() +
                                         ": embedded-broker.tls-key-file: cannot read '" +
                                         (d.dir.path() / "keys").string() + "'");

  flags.embedded_broker_tls_cert = cert;
  auto c = load({}, {}, flags);
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->embedded_broker.tls_cert_file == cert);
  BOOST_TEST(c->embedded_broker.tls_key_file == key);
}

BOOST_AUTO_TEST_CASE(the_embedded_broker_tls_settings_are_refused_beside_a_cluster_broker) {
  config_dir d;
  flag_values flags;
  flags.embedded_broker_tls_cert = d.write("broker.pem", "certificate").string();
  flags.embedded_broker_tls_key = d.write("broker.key", "key").string();
  flags.broker_url = "amqps://rabbit.example";
  BOOST_TEST(
      error_of(load({}, {}, flags)) ==
      "embedded-broker.tls-cert-file (set, from --embedded-broker-tls-cert-file) is for the "
      "embedded broker, which a node with broker.url (amqps://rabbit.example, from --broker) "
      "does not run");
}

BOOST_AUTO_TEST_CASE(an_empty_broker_url_from_a_later_source_means_the_embedded_broker) {
  config_dir d;
  auto file = d.write("config.json", R"({"broker": {"url": "amqp://rabbit"}})");
  flag_values flags;
  flags.broker_url = "";
  auto c = load(file, {}, flags);
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->broker.url.empty());
}

BOOST_AUTO_TEST_CASE(two_queues_may_not_share_a_name) {
  config_dir d;
  auto file = d.write("config.json", R"({"queues": {"archive": "boa.x"}})");
  BOOST_TEST(error_of(load(file, {{"BOA_QUEUES_DEAD", "boa.x"}})) ==
             "queues.dead ('boa.x', from BOA_QUEUES_DEAD) is the same as queues.archive ('boa.x', "
             "from " +
                 file.string() + ")");
  BOOST_TEST(error_of(load_env({{"BOA_TOPICS_EVENTS", "boa.heartbeat"}})) ==
             "topics.heartbeat ('boa.heartbeat', default) is the same as topics.events "
             "('boa.heartbeat', from BOA_TOPICS_EVENTS)");
}

BOOST_AUTO_TEST_CASE(durations_need_a_unit_and_a_sensible_size) {
  auto c = load_env({{"BOA_HEARTBEAT_INTERVAL", "250ms"},
                     {"BOA_CLUSTER_EVICTION_INTERVAL", "2m"},
                     {"BOA_CLUSTER_EVICTION_AGE", "1h"},
                     {"BOA_SHUTDOWN_GRACE_PERIOD", "0s"}});
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->heartbeat_interval.count() == 250);
  BOOST_TEST(c->cluster.eviction_interval.count() == 120000);
  BOOST_TEST(c->cluster.eviction_age.count() == 3600000);
  BOOST_TEST(c->shutdown_grace_period.count() == 0);

  const std::string rule =
      "must be a duration: an integer with a unit (ms, s, m or h) such as 500ms or 2m, got ";
  BOOST_TEST(error_of(load_env({{"BOA_HEARTBEAT_INTERVAL", "5"}})) ==
             "BOA_HEARTBEAT_INTERVAL: " + rule + "'5'");
  BOOST_TEST(error_of(load_env({{"BOA_HEARTBEAT_INTERVAL", "1.5s"}})) ==
             "BOA_HEARTBEAT_INTERVAL: " + rule + "'1.5s'");
  BOOST_TEST(error_of(load_env({{"BOA_HEARTBEAT_INTERVAL", "-1s"}})) ==
             "BOA_HEARTBEAT_INTERVAL: " + rule + "'-1s'");
  BOOST_TEST(error_of(load_env({{"BOA_HEARTBEAT_INTERVAL", "2 s"}})) ==
             "BOA_HEARTBEAT_INTERVAL: " + rule + "'2 s'");
  BOOST_TEST(error_of(load_env({{"BOA_HEARTBEAT_INTERVAL", "0ms"}})) ==
             "BOA_HEARTBEAT_INTERVAL: must be longer than 0, got '0ms'");
  BOOST_TEST(error_of(load_env({{"BOA_SHUTDOWN_GRACE_PERIOD", "25h"}})) ==
             "BOA_SHUTDOWN_GRACE_PERIOD: must be at most 24h, got '25h'");
  BOOST_TEST(error_of(load_env({{"BOA_SHUTDOWN_GRACE_PERIOD", "99999999999999999999h"}})) ==
             "BOA_SHUTDOWN_GRACE_PERIOD: must be at most 24h, got '99999999999999999999h'");
}

BOOST_AUTO_TEST_CASE(worker_counts_are_integers_from_1_to_1024) {
  config_dir d;
  auto at = [&](const std::string& count) {
    auto file = d.write("config.json", R"({"systems": {"workers": {"count": )" + count + "}}}");
    auto c = load(file);
    return c ? "ok " + std::to_string(c->systems.workers.count)
             : c.error().message.substr(file.string().size() + 2);
  };
  BOOST_TEST(at("1") == "ok 1");
  BOOST_TEST(at("1024") == "ok 1024");
  BOOST_TEST(at("8.0") == "ok 8");
  BOOST_TEST(at("0") == "systems.workers.count: must be a positive integer, got 0");
  BOOST_TEST(at("-3") == "systems.workers.count: must be a positive integer, got -3");
  BOOST_TEST(at("4.5") == "systems.workers.count: must be a positive integer, got 4.5");
  BOOST_TEST(at("1025") == "systems.workers.count: must be at most 1024, got 1025");
  BOOST_TEST(at("\"4\"") == "systems.workers.count: must be a positive integer, got \"4\"");
  BOOST_TEST(at("true") == "systems.workers.count: must be a positive integer, got true");
  BOOST_TEST(error_of(load_env({{"BOA_WORKERS", "+4"}})) ==
             "BOA_WORKERS: must be a positive integer, got '+4'");
  BOOST_TEST(error_of(load_env({{"BOA_WORKERS", "99999999999999999999999"}})) ==
             "BOA_WORKERS: must be at most 1024, got '99999999999999999999999'");
}

BOOST_AUTO_TEST_CASE(booleans_are_json_booleans_in_the_file_and_words_elsewhere) {
  for (auto [text, expected] : std::initializer_list<std::pair<const char*, bool>>{{"true", true},
                                                                                   {"yes", true},
                                                                                   {"on", true},
                                                                                   {"1", true},
                                                                                   {"false", false},
                                                                                   {"no", false},
                                                                                   {"off", false},
                                                                                   {"0", false}}) {
    auto c = load_env({{"BOA_SYSTEMS_WORKERS_AUTOSTART", text}});
    BOOST_REQUIRE_MESSAGE(c, error_of(c));
    BOOST_TEST(c->systems.workers.autostart == expected, text);
  }
  BOOST_TEST(error_of(load_env({{"BOA_SYSTEMS_WORKERS_AUTOSTART", "maybe"}})) ==
             "BOA_SYSTEMS_WORKERS_AUTOSTART: must be true or false, got 'maybe'");
  config_dir d;
  auto file = d.write("config.json", R"({"allow-remote-listen": "yes"})");
  BOOST_TEST(error_of(load(file)) ==
             file.string() + ": allow-remote-listen: must be true or false, got \"yes\"");
}

BOOST_AUTO_TEST_CASE(names_paths_levels_and_lists_are_checked) {
  BOOST_TEST(error_of(load_env({{"BOA_NODE_ID", "node 1"}})) ==
             "BOA_NODE_ID: must be a name of letters, digits, '.', '_' and '-' (at most 128), got "
             "'node 1'");
  BOOST_TEST(error_of(load_env({{"BOA_QUEUES_JOBS", ""}})) ==
             "BOA_QUEUES_JOBS: must be a name of letters, digits, '.', '_' and '-' (at most 128), "
             "got ''");
  BOOST_TEST(error_of(load_env({{"BOA_DATA_DIR", ""}})) == "BOA_DATA_DIR: must be a path, got ''");
  BOOST_TEST(error_of(load_env({{"BOA_LOG_LEVEL", "verbose"}})) ==
             "BOA_LOG_LEVEL: must be one of trace, debug, info, warn, error, critical, off, got "
             "'verbose'");
  BOOST_TEST(error_of(load_env({{"BOA_PLUGINS", "/a.so::/b.so"}})) ==
             "BOA_PLUGINS: must be paths separated by ':', without empty ones, got '/a.so::/b.so'");

  config_dir d;
  auto file = d.write("config.json", R"({"plugins": ["/a.so", 5]})");
  BOOST_TEST(error_of(load(file)) == file.string() + ": plugins[1]: must be a path, got 5");
  file = d.write("config.json", R"({"plugins": "/a.so"})");
  BOOST_TEST(error_of(load(file)) ==
             file.string() + ": plugins: must be a list of paths, got \"/a.so\"");
  file = d.write("config.json", R"({"node-id": null})");
  BOOST_TEST(error_of(load(file)) ==
             file.string() +
                 ": node-id: must be a name of letters, digits, '.', '_' and '-' (at most 128), "
                 "got null");
}

BOOST_AUTO_TEST_CASE(broker_urls_are_amqp_without_credentials) {
  for (const char* ok : {"amqp://rabbit", "amqp://rabbit:5672", "amqps://rabbit.example:5671/",
                         "amqp://10.0.0.7:5672", "amqp://[fd00::7]:5672"}) {
    auto c = load_env({{"BOA_BROKER_URL", ok}});
    BOOST_TEST(bool(c), ok << ": " << error_of(c));
  }
  const std::string rule =
      "BOA_BROKER_URL: must be amqp://HOST[:PORT] or amqps://HOST[:PORT], got ";
  BOOST_TEST(error_of(load_env({{"BOA_BROKER_URL", "http://rabbit"}})) == rule + "'http://rabbit'");
  BOOST_TEST(error_of(load_env({{"BOA_BROKER_URL", "amqp://"}})) == rule + "'amqp://'");
  BOOST_TEST(error_of(load_env({{"BOA_BROKER_URL", "amqp://rabbit/vhost"}})) ==
             rule + "'amqp://rabbit/vhost'");
  BOOST_TEST(error_of(load_env({{"BOA_BROKER_URL", "amqp://rabbit:0"}})) ==
             "BOA_BROKER_URL: must have a port from 1 to 65535, got 'amqp://rabbit:0'");
  BOOST_TEST(error_of(load_env({{"BOA_BROKER_URL", "amqp://guest:hunter2@rabbit:5672"}})) ==
             "BOA_BROKER_URL: must not hold credentials (set broker.username and "
             "broker.password), got 'amqp://***@rabbit:5672'");
}

BOOST_AUTO_TEST_CASE(the_test_suites_variables_are_not_settings) {
  auto c = load_env({{"BOA_TEST_POSTGRES_URL", "postgresql://boa@127.0.0.1:5/postgres"},
                     {"BOA_TEST_RABBITMQ_URL", "amqp://127.0.0.1:5"}});
  BOOST_TEST(bool(c), error_of(c));
  BOOST_TEST(!load_env({{"BOA_TESTING", "1"}}));
}

BOOST_AUTO_TEST_CASE(archive_postgres_is_a_libpq_connection_string_never_repeated) {
  for (const char* ok : {"host=127.0.0.1 port=5432 dbname=boa", "postgresql://boa@db.example/boa",
                         "dbname=boa password='a b'"}) {
    auto c = load_env({{"BOA_ARCHIVE_POSTGRES", ok}});
    BOOST_REQUIRE_MESSAGE(c, ok << ": " << error_of(c));
    BOOST_TEST(c->archive.postgres == ok);
  }
  BOOST_TEST(load_env({})->archive.postgres.empty());
  // Refused naming the setting, and without the value: it may hold a password.
  auto bad = error_of(load_env({{"BOA_ARCHIVE_POSTGRES", "dbname=boa password=hunter2 x"}}));
  BOOST_TEST(bad == "BOA_ARCHIVE_POSTGRES: must be a libpq connection string, 'keyword=value ...' "
                    "or 'postgresql://...' (the value is not shown: it may hold a password)");
  BOOST_TEST(bad.find("hunter2") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(archive_consume_is_on_unless_turned_off) {
  BOOST_TEST(load_env({})->archive.consume);
  auto off = load_env({{"BOA_ARCHIVE_CONSUME", "false"}});
  BOOST_REQUIRE_MESSAGE(off, error_of(off));
  BOOST_TEST(!off->archive.consume);
  BOOST_TEST(
      error_of(load_env({{"BOA_ARCHIVE_CONSUME", "sometimes"}})).find("BOA_ARCHIVE_CONSUME") == 0);
}

BOOST_AUTO_TEST_CASE(listen_addresses_are_host_and_port) {
  auto c = load_env({{"BOA_LISTEN", "127.0.0.1:0"}});
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->listen.port == 0);
  c = load_env({{"BOA_LISTEN", "[::1]:5800"}});
  BOOST_REQUIRE_MESSAGE(c, error_of(c));
  BOOST_TEST(c->listen.host == "::1");
  BOOST_TEST(c->listen.to_string() == "[::1]:5800");

  const std::string rule = "BOA_LISTEN: must be HOST:PORT such as 127.0.0.1:5672, got ";
  for (const char* bad : {"127.0.0.1", "5672", ":5672", "300.0.0.1:5672", "[::1:5672", "a b:1",
                          "127.0.0.1:x", "[nothost]:1"})
    BOOST_TEST(error_of(load_env({{"BOA_LISTEN", bad}})) == rule + "'" + bad + "'");
  BOOST_TEST(error_of(load_env({{"BOA_LISTEN", "127.0.0.1:65536"}})) ==
             "BOA_LISTEN: must have a port from 0 to 65535, got '127.0.0.1:65536'");
}

BOOST_AUTO_TEST_SUITE_END()
