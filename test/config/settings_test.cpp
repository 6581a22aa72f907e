#include <boost/test/unit_test.hpp>

#include "test/config/config_test_support.hpp"

#include "runtime/config/config_loader.hpp"
#include "runtime/config/settings.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <CLI/CLI.hpp>

#include <fstream>
#include <set>
#include <string>
#include <vector>

using boa::config::node_settings;
using boa::config::setting_info;
using boa::test::config_dir;
using boa::test::error_of;

namespace {

std::string upper_snake(std::string_view key) {
  std::string out = "BOA_";
  for (char c : key)
    out += (c == '.' || c == '-') ? '_' : static_cast<char>(std::toupper(c));
  return out;
}

std::string dashed(std::string_view key) {
  std::string out = "--";
  for (char c : key)
    out += c == '.' ? '-' : c;
  return out;
}

/// A valid value, different from the default, for a setting of this kind: as text, and as JSON.
struct sample {
  std::string text;
  boost::json::value json;
};

sample sample_for(const setting_info& s) {
  if (s.kind == "COUNT")
    return {"7", 7};
  if (s.kind == "BYTES") // between the default properties and message limits, which it must be
    return {"2097152", 2097152};
  if (s.kind == "BOOL")
    return s.default_text == "true" ? sample{"false", false} : sample{"true", true};
  if (s.kind == "DURATION")
    return {"12s", "12s"}; // under half the default eviction age, over 2 x the heartbeat
  if (s.kind == "HOST:PORT")
    return {"127.0.0.1:7", "127.0.0.1:7"};
  if (s.kind == "URL")
    return {"amqps://sample:7", "amqps://sample:7"};
  if (s.kind == "LEVEL")
    return {"warn", "warn"};
  if (s.kind == "CONNINFO")
    return {"host=127.0.0.1 port=7 dbname=boa", "host=127.0.0.1 port=7 dbname=boa"};
  if (s.key == "plugins")
    return {"/sample/path", boost::json::array{"/sample/path"}};
  if (s.kind == "PATH")
    return {"/sample/path", "/sample/path"};
  return {"sample-name", "sample-name"}; // NAME, TEXT
}

/// Sets `key` (dotted) in `root`, making the objects on the way.
void set_key(boost::json::object& root, std::string_view key, boost::json::value v) {
  auto* obj = &root;
  for (auto dot = key.find('.'); dot != std::string_view::npos; dot = key.find('.')) {
    auto& inner = (*obj)[key.substr(0, dot)];
    obj = inner.is_object() ? &inner.as_object() : &inner.emplace_object();
    key.remove_prefix(dot + 1);
  }
  (*obj)[key] = std::move(v);
}

boa::config::flag_values parse_flags(const std::vector<std::string>& args) {
  CLI::App app{"boad"};
  boa::config::flag_values flags;
  boa::config::add_node_flags(app, flags);
  std::vector<const char*> argv{"boad"};
  for (const auto& a : args)
    argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), const_cast<char**>(argv.data()));
  return flags;
}

} // namespace

BOOST_AUTO_TEST_SUITE(settings)

BOOST_AUTO_TEST_CASE(every_key_variable_and_flag_is_unique_and_follows_the_naming_rule) {
  std::set<std::string_view> keys, envs, flags;
  const std::set<std::string_view> other_variables{"BOA_WORKERS"};
  const std::set<std::string_view> other_flags{"--broker", "--workers", "--data", "--plugin"};
  for (const auto& s : node_settings()) {
    BOOST_TEST(keys.insert(s.key).second, s.key);
    BOOST_TEST(envs.insert(s.env).second, s.env);
    BOOST_TEST(flags.insert(s.flag).second, s.flag);
    BOOST_TEST((s.env == upper_snake(s.key) || other_variables.count(s.env) == 1), s.env);
    BOOST_TEST((s.flag == dashed(s.key) || other_flags.count(s.flag) == 1), s.flag);
    BOOST_TEST(!s.help.empty());
    BOOST_TEST(!s.default_text.empty());
  }
  BOOST_TEST(keys.size() == 48u);
}

BOOST_AUTO_TEST_CASE(the_table_in_settings_hpp_matches_the_settings) {
  std::ifstream header(BOA_SOURCE_DIR "/runtime/config/settings.hpp");
  BOOST_REQUIRE(header);
  std::vector<std::pair<std::string, std::string>> rows;
  for (std::string line; std::getline(header, line);) {
    if (!line.starts_with("/// | ") || line.starts_with("/// | key "))
      continue;
    auto bar = line.find('|', 6);
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(' '));
      s.erase(s.find_last_not_of(' ') + 1);
      return s;
    };
    rows.emplace_back(trim(line.substr(6, bar - 6)),
                      trim(line.substr(bar + 1, line.rfind('|') - bar - 1)));
  }
  auto settings = node_settings();
  BOOST_REQUIRE(rows.size() == settings.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    BOOST_TEST(rows[i].first == settings[i].key);
    BOOST_TEST(rows[i].second == settings[i].env);
  }
}

BOOST_AUTO_TEST_CASE(every_setting_has_the_same_effect_from_the_file_a_variable_and_a_flag) {
  config_dir d;
  for (const auto& s : node_settings()) {
    BOOST_TEST_CONTEXT(s.key) {
      auto value = sample_for(s);
      // Credentials come with each other and a broker URL, so the file gives all three; the
      // password from a file when that is the setting under test (both would be refused).
      boost::json::object base;
      set_key(base, "broker.url", "amqps://b");
      set_key(base, "broker.username", "user");
      set_key(base, "broker.tls-cert-file", "/base/cert.pem"); // a certificate goes with its key
      set_key(base, "broker.tls-key-file", "/base/key.pem");
      const bool password_file = s.key == "broker.password-file";
      if (password_file) {
        set_key(base, "broker.password-file",
                boost::json::string(d.write("password-a", "pass").string()));
        auto other = d.write("password-b", "other").string();
        value = {other, boost::json::value(boost::json::string(other))};
      } else {
        set_key(base, "broker.password", "pass");
      }
      if (s.key.starts_with("embedded-broker.tls-")) {
        // The embedded broker's certificate and key: set together, read at load, and only where
        // the embedded broker runs (no cluster broker, so no credentials either).
        base = {};
        const auto pem = boost::json::string(d.write("tls-a.pem", "pem").string());
        set_key(base, "embedded-broker.tls-cert-file", pem);
        set_key(base, "embedded-broker.tls-key-file", pem);
        auto other = d.write("tls-b.pem", "pem").string();
        value = {other, boost::json::value(boost::json::string(other))};
      }
      auto with_key = base;
      set_key(with_key, s.key, value.json);
      auto base_file = d.write("base.json", boost::json::serialize(base));
      auto key_file = d.write("key.json", boost::json::serialize(with_key));

      auto baseline = boa::test::load(base_file);
      auto from_file = boa::test::load(key_file);
      auto from_env = boa::test::load(base_file, {{std::string(s.env), value.text}});
      auto from_flag =
          boa::test::load(base_file, {}, parse_flags({std::string(s.flag) + "=" + value.text}));
      BOOST_REQUIRE_MESSAGE(baseline, error_of(baseline));
      BOOST_REQUIRE_MESSAGE(from_file, error_of(from_file));
      BOOST_REQUIRE_MESSAGE(from_env, error_of(from_env));
      BOOST_TEST((*from_file != *baseline));
      BOOST_TEST((*from_file == *from_env));
      if (s.key == "broker.password") { // the one flag that exists to be refused
        BOOST_TEST(error_of(from_flag).starts_with("--broker-password: a password on the "
                                                   "command line"));
        continue;
      }
      BOOST_REQUIRE_MESSAGE(from_flag, error_of(from_flag));
      BOOST_TEST((*from_file == *from_flag));
    }
  }
}

BOOST_AUTO_TEST_CASE(the_description_lists_every_setting) {
  auto text = boa::config::describe_node_settings();
  for (const auto& s : node_settings()) {
    BOOST_TEST(text.find(std::string(s.env)) != std::string::npos, s.env);
    BOOST_TEST(text.find(std::string(s.flag)) != std::string::npos, s.flag);
  }
}

BOOST_AUTO_TEST_SUITE_END()
