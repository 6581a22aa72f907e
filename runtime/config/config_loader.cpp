#include "runtime/config/config_loader.hpp"

#include "protocol/json_read.hpp"
#include "protocol/suggest.hpp"
#include "runtime/config/broker_credentials.hpp"
#include "runtime/config/detail/setting_table.hpp"
#include "runtime/config/detail/setting_values.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <system_error>
#include <utility>

#include <unistd.h>

extern char** environ; // POSIX leaves declaring it to the program

namespace boa::config {

namespace {

using detail::setting;
using detail::value_context;
using detail::value_error;

constexpr std::string_view env_prefix = "BOA_";
constexpr std::string_view config_variable = "BOA_CONFIG";

/// `BOA_*` variables that are not settings but must not be refused: the config file's name, and
/// what the exec executor sets for a step's process (a node may be started from a step).
constexpr std::string_view test_prefix = "BOA_TEST_";
constexpr std::string_view other_variables[] = {config_variable, "BOA_JOB_ID", "BOA_STEP_ID",
                                                "BOA_ATTEMPT", "BOA_JOB_DIR"};

/// Where the value of a setting came from.
struct origin {
  enum kind_t { defaults, file, env, flag } kind = defaults;
  std::string name; ///< the file, the variable or the flag
};

class loader {
public:
  node_config config;

  expected<void> read_file(const std::filesystem::path& file);
  void read_env(const environment& env);
  void read_flags(const flag_values& flags);
  void fill_derived_defaults();
  /// Reads the secrets that settings name files of (`broker.password-file`).
  void read_secret_files();
  /// The embedded broker's certificate and key: both or neither, readable, and only where an
  /// embedded broker runs.
  void check_tls_listener();
  void check_consistency();

  bool failed() const { return !problems_.empty(); }
  error failure() const;

private:
  void read_object(const boost::json::object& obj, const std::string& prefix,
                   const std::string& file, const value_context& ctx);
  void record(const setting& s, std::optional<value_error> failed, origin from);
  /// How an error about `key`'s current value starts: `config.json: key`, `BOA_X`, `--x`.
  std::string where(std::string_view key) const;
  /// `(1s, from config.json)` or `(1s, default)`: a value and its source, for cross checks.
  std::string value_and_origin(std::string_view key, const std::string& value) const;
  const origin& origin_of(std::string_view key) const;
  bool given(std::string_view key) const { return origin_of(key).kind != origin::defaults; }

  std::map<std::string_view, origin> origins_;
  std::vector<std::string> problems_;
};

const setting* find_key(std::string_view key) {
  for (const auto& s : detail::setting_table())
    if (s.info.key == key)
      return &s;
  return nullptr;
}

const setting* find_env(std::string_view name) {
  for (const auto& s : detail::setting_table())
    if (s.info.env == name)
      return &s;
  return nullptr;
}

/// The names one level below `prefix` in the file (`systems` -> `workers`), in table order.
std::vector<std::string_view> children_of(std::string_view prefix) {
  std::vector<std::string_view> out;
  for (const auto& s : detail::setting_table()) {
    std::string_view key = s.info.key;
    if (!prefix.empty()) {
      if (key.size() <= prefix.size() || key.substr(0, prefix.size()) != prefix ||
          key[prefix.size()] != '.')
        continue;
      key.remove_prefix(prefix.size() + 1);
    }
    key = key.substr(0, key.find('.'));
    if (std::find(out.begin(), out.end(), key) == out.end())
      out.push_back(key);
  }
  return out;
}

std::string join(const std::vector<std::string_view>& names) {
  std::string out;
  for (auto n : names) {
    if (!out.empty())
      out += ", ";
    out += n;
  }
  return out;
}

std::string unknown(std::string_view what, std::string_view name,
                    const std::vector<std::string_view>& known) {
  std::string out = "unknown ";
  out += what;
  out += " '";
  out += name;
  out += '\'';
  auto hint = protocol::did_you_mean(name, known);
  out += hint.empty() ? " (known: " + join(known) + ")" : hint;
  return out;
}

std::filesystem::path current_dir() {
  std::error_code ec;
  auto dir = std::filesystem::current_path(ec);
  return ec ? std::filesystem::path("/") : dir;
}

expected<void> loader::read_file(const std::filesystem::path& file) {
  const std::string name = file.string();
  if (file.extension() == ".toml")
    return error{errc::invalid_input,
                 name + ": TOML config files are not supported yet; write the settings as JSON"};
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    return error{errc::io, name + ": cannot read: it is a directory"};
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    int e = errno;
    return error{e == ENOENT ? errc::not_found : errc::io,
                 name + ": cannot read: " + std::generic_category().message(e)};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return error{errc::io, name + ": cannot read"};
  auto doc = protocol::parse_json(text.str());
  if (!doc)
    return error{errc::invalid_input, name + ": " + doc.error().message};
  const auto* top = doc->if_object();
  if (top == nullptr)
    return error{errc::invalid_input,
                 name + ": must be a JSON object, got " + detail::show_json(*doc)};
  auto dir = file.parent_path();
  value_context ctx{dir.empty() ? current_dir() : std::filesystem::absolute(dir, ec)};
  read_object(*top, "", name, ctx);
  return {};
}

void loader::read_object(const boost::json::object& obj, const std::string& prefix,
                         const std::string& file, const value_context& ctx) {
  for (const auto& member : obj) {
    std::string_view name(member.key().data(), member.key().size());
    std::string key = prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
    if (const auto* s = find_key(key)) {
      auto failed = s->apply_json(config, member.value(), ctx);
      if (failed)
        problems_.push_back(file + ": " + key + failed->at + ": " + failed->message);
      record(*s, std::move(failed), {origin::file, file});
      continue;
    }
    if (auto children = children_of(key); !children.empty()) {
      if (const auto* inner = member.value().if_object())
        read_object(*inner, key, file, ctx);
      else
        problems_.push_back(file + ": " + key + ": must be an object with keys " + join(children) +
                            ", got " + detail::show_json(member.value()));
      continue;
    }
    problems_.push_back(file + ": " + (prefix.empty() ? "" : prefix + ": ") +
                        unknown("key", name, children_of(prefix)));
  }
}

void loader::read_env(const environment& env) {
  for (const auto& [name, value] : env) {
    if (name.compare(0, env_prefix.size(), env_prefix) != 0)
      continue;
    // Reserved for boa's own test suite (the servers tools/run-tests starts): the nodes the
    // tests run inherit them and must not refuse them as misspelt settings.
    if (name.compare(0, test_prefix.size(), test_prefix) == 0)
      continue;
    const auto* s = find_env(name);
    if (s == nullptr) {
      if (std::find(std::begin(other_variables), std::end(other_variables), name) ==
          std::end(other_variables)) {
        std::vector<std::string_view> known;
        for (const auto& t : detail::setting_table())
          known.push_back(t.info.env);
        known.push_back(config_variable);
        auto hint = protocol::did_you_mean(name, known);
        problems_.push_back("unknown environment variable '" + name + "'" +
                            (hint.empty() ? " (boad --help lists them)" : hint));
      }
      continue;
    }
    auto failed = s->apply_text(config, value, {current_dir()});
    if (failed)
      problems_.push_back(name + ": " + failed->message);
    record(*s, std::move(failed), {origin::env, name});
  }
}

void loader::read_flags(const flag_values& flags) {
  const value_context ctx{current_dir()};
  // Every user of the host can read a process's command line (ps, /proc): a password there is
  // no secret. Refused, not ignored, so that nobody believes it was used.
  if (flags.broker_password) {
    problems_.push_back(password_flag_refusal(
        "BOA_BROKER_PASSWORD, broker.password in the config file, or --broker-password-file FILE"));
    return;
  }
  for (const auto& s : detail::setting_table()) {
    std::optional<value_error> failed;
    if (s.flag_text != nullptr && flags.*s.flag_text)
      failed = s.apply_text(config, *(flags.*s.flag_text), ctx);
    else if (s.flag_list != nullptr && flags.*s.flag_list)
      failed = s.apply_texts(config, *(flags.*s.flag_list), ctx);
    else
      continue;
    if (failed)
      problems_.push_back(std::string(s.info.flag) + ": " + failed->message);
    record(s, std::move(failed), {origin::flag, std::string(s.info.flag)});
  }
}

void loader::record(const setting& s, std::optional<value_error> failed, origin from) {
  if (!failed)
    origins_[s.info.key] = std::move(from);
}

const origin& loader::origin_of(std::string_view key) const {
  static const origin defaults;
  auto it = origins_.find(key);
  return it == origins_.end() ? defaults : it->second;
}

std::string loader::where(std::string_view key) const {
  const auto& o = origin_of(key);
  switch (o.kind) {
  case origin::file:
    return o.name + ": " + std::string(key);
  case origin::env:
  case origin::flag:
    return o.name;
  case origin::defaults:
    break;
  }
  return std::string(key);
}

std::string loader::value_and_origin(std::string_view key, const std::string& value) const {
  const auto& o = origin_of(key);
  return "(" + value + (o.kind == origin::defaults ? ", default)" : ", from " + o.name + ")");
}

void loader::fill_derived_defaults() {
  if (!given("node-id"))
    config.node_id = default_node_id();
  if (!given("data-dir"))
    config.data_dir = (current_dir() / config.data_dir).lexically_normal();
  if (!given("job-folders"))
    config.job_folders = config.data_dir / "jobs";
  if (!given("repository"))
    config.repository = config.data_dir / "repository";
}

void loader::read_secret_files() {
  auto& b = config.broker;
  if (b.password_file.empty())
    return;
  if (given("broker.password")) {
    problems_.push_back("broker.password " + value_and_origin("broker.password", "set") +
                        " and broker.password-file " +
                        value_and_origin("broker.password-file", b.password_file.string()) +
                        " are both set; keep one");
    return;
  }
  auto password = read_password_file(b.password_file);
  if (!password) {
    problems_.push_back(where("broker.password-file") + ": " + password.error().message);
    return;
  }
  b.password = std::move(*password);
}

void loader::check_tls_listener() {
  const auto& e = config.embedded_broker;
  if (e.tls_cert_file.empty() && e.tls_key_file.empty())
    return;
  if (e.tls_cert_file.empty() != e.tls_key_file.empty()) {
    const auto* set =
        e.tls_cert_file.empty() ? "embedded-broker.tls-key-file" : "embedded-broker.tls-cert-file";
    const auto* missing =
        e.tls_cert_file.empty() ? "embedded-broker.tls-cert-file" : "embedded-broker.tls-key-file";
    problems_.push_back(std::string(set) + " " + value_and_origin(set, "set") + " needs " +
                        missing + ": a certificate goes with its private key");
    return;
  }
  if (!config.broker.url.empty()) {
    problems_.push_back("embedded-broker.tls-cert-file " +
                        value_and_origin("embedded-broker.tls-cert-file", "set") +
                        " is for the embedded broker, which a node with broker.url " +
                        value_and_origin("broker.url", config.broker.url) + " does not run");
    return;
  }
  // Read here so that the setting is named; whether they hold a usable certificate and key is
  // the broker's to say when it starts.
  const std::pair<std::string_view, const std::filesystem::path*> files[] = {
      {"embedded-broker.tls-cert-file", &e.tls_cert_file},
      {"embedded-broker.tls-key-file", &e.tls_key_file}};
  for (const auto& [key, file] : files) {
    // Looked at, not opened: opening a FIFO named by mistake would wait for a writer.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*file, ec) || ::access(file->c_str(), R_OK) != 0)
      problems_.push_back(where(key) + ": cannot read '" + file->string() + "'");
  }
}

void loader::check_consistency() {
  if (!detail::is_loopback(config.listen)) {
    if (config.embedded_broker.users_file.empty())
      problems_.push_back(where("listen") + ": " + config.listen.to_string() +
                          " is not a loopback address and the embedded broker has no users; set "
                          "embedded-broker.users-file (user:password lines) to listen there");
    if (!config.allow_remote_listen)
      problems_.push_back(where("listen") + ": " + config.listen.to_string() +
                          " is not a loopback address; set allow-remote-listen to listen there "
                          "anyway");
  }
  if (config.http && !detail::is_loopback(*config.http)) {
    // Off loopback, anyone who reaches the port could start and cancel jobs: a token is not
    // optional there, whatever else is set.
    if (config.http_token.empty())
      problems_.push_back(where("http") + ": " + config.http->to_string() +
                          " is not a loopback address and no HTTP token is set; set http-token "
                          "(BOA_HTTP_TOKEN, or --http-token) to serve the HTTP API there");
    if (!config.allow_remote_listen)
      problems_.push_back(where("http") + ": " + config.http->to_string() +
                          " is not a loopback address; set allow-remote-listen to serve the HTTP "
                          "API there anyway");
  }

  if (config.cluster.eviction_age < 2 * config.heartbeat_interval)
    problems_.push_back(
        "cluster.eviction-age " +
        value_and_origin("cluster.eviction-age",
                         detail::format_duration(config.cluster.eviction_age)) +
        " must be at least twice heartbeat-interval " +
        value_and_origin("heartbeat-interval", detail::format_duration(config.heartbeat_interval)));

  if (config.cluster.down_after <= config.cluster.suspect_after)
    problems_.push_back(
        "cluster.down-after " +
        value_and_origin("cluster.down-after", std::to_string(config.cluster.down_after)) +
        " must be more than cluster.suspect-after " +
        value_and_origin("cluster.suspect-after", std::to_string(config.cluster.suspect_after)));

  if (config.limits.max_properties_bytes >= config.limits.max_message_bytes)
    problems_.push_back("limits.max-properties-bytes " +
                        value_and_origin("limits.max-properties-bytes",
                                         std::to_string(config.limits.max_properties_bytes)) +
                        " must be less than limits.max-message-bytes " +
                        value_and_origin("limits.max-message-bytes",
                                         std::to_string(config.limits.max_message_bytes)) +
                        ": a job message carries the properties and more");

  const auto& b = config.broker;
  auto set_without = [&](std::string_view set, std::string_view missing, std::string_view why) {
    problems_.push_back(std::string(set) + " " + value_and_origin(set, "set") + " needs " +
                        std::string(missing) + std::string(why));
  };
  if (!b.password.empty() && b.username.empty())
    set_without(given("broker.password-file") ? "broker.password-file" : "broker.password",
                "broker.username", "");
  if (!b.username.empty() && b.password.empty())
    set_without("broker.username", "broker.password", "");
  if (b.url.empty() && !b.username.empty())
    set_without("broker.username", "broker.url",
                ": without a broker URL the node runs its embedded broker");
  if (b.tls_cert_file.empty() != b.tls_key_file.empty())
    problems_.push_back(
        std::string(b.tls_cert_file.empty() ? "broker.tls-key-file" : "broker.tls-cert-file") +
        " needs " + (b.tls_cert_file.empty() ? "broker.tls-cert-file" : "broker.tls-key-file") +
        ": a certificate goes with its private key");
  if (auto exposed = plain_password_problem(b.url, !b.password.empty(), b.allow_plain_password,
                                            "broker.allow-plain-password"))
    problems_.push_back(where("broker.url") + ": " + *exposed);

  auto distinct = [&](const std::vector<std::pair<std::string_view, const std::string*>>& names) {
    for (std::size_t i = 0; i < names.size(); ++i)
      for (std::size_t j = i + 1; j < names.size(); ++j)
        if (*names[i].second == *names[j].second)
          problems_.push_back(std::string(names[j].first) + " " +
                              value_and_origin(names[j].first, "'" + *names[j].second + "'") +
                              " is the same as " + std::string(names[i].first) + " " +
                              value_and_origin(names[i].first, "'" + *names[i].second + "'"));
  };
  distinct({{"queues.jobs", &config.queues.jobs},
            {"queues.new-jobs", &config.queues.new_jobs},
            {"queues.archive", &config.queues.archive},
            {"queues.dead", &config.queues.dead}});
  distinct({{"topics.events", &config.topics.events},
            {"topics.commands", &config.topics.commands},
            {"topics.heartbeat", &config.topics.heartbeat}});
}

error loader::failure() const {
  std::string message;
  for (const auto& p : problems_) {
    if (!message.empty())
      message += '\n';
    message += p;
  }
  return {errc::invalid_input, std::move(message)};
}

} // namespace

environment process_environment() {
  environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || entry.substr(0, env_prefix.size()) != env_prefix)
      continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

std::optional<std::filesystem::path> config_file(const flag_values& flags, const environment& env) {
  if (flags.config)
    return flags.config;
  if (auto it = env.find(config_variable); it != env.end() && !it->second.empty())
    return std::filesystem::path(it->second);
  return std::nullopt;
}

expected<node_config> load_node_config(const std::optional<std::filesystem::path>& file,
                                       const environment& env, const flag_values& flags) {
  loader l;
  if (file)
    if (auto read = l.read_file(*file); !read)
      return std::move(read).error();
  l.read_env(env);
  l.read_flags(flags);
  if (l.failed())
    return l.failure();
  l.fill_derived_defaults();
  l.read_secret_files();
  l.check_tls_listener();
  if (l.failed())
    return l.failure();
  l.check_consistency();
  if (l.failed())
    return l.failure();
  return std::move(l.config);
}

} // namespace boa::config
