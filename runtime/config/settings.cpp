#include "runtime/config/settings.hpp"

#include "runtime/config/detail/setting_table.hpp"

#include <type_traits>

namespace boa::config {

namespace detail {

namespace {

/// `value` read by `reader`, by the kind of source it comes from. A function template rather than
/// a lambda inside `store`, where clang 14 does not discard the branches that do not apply.
template <class Reader, class Value>
auto read_value(const Reader& reader, const Value& value, const value_context& ctx) {
  if constexpr (std::is_same_v<Value, boost::json::value>)
    return reader.from_json(value, ctx);
  else if constexpr (std::is_same_v<Value, std::vector<std::string>>)
    return reader.from_texts(value, ctx);
  else
    return reader.from_text(value, ctx);
}

template <class Reader, class Field> auto store(Reader reader, Field field) {
  return [reader, field](node_config& config, const auto& value,
                         const value_context& ctx) -> std::optional<value_error> {
    auto parsed = read_value(reader, value, ctx);
    if (!parsed)
      return std::move(parsed).error();
    field(config) = std::move(parsed).value();
    return std::nullopt;
  };
}

/// A setting whose flag takes one value.
template <class Reader, class Field>
setting bind(setting_info info, Reader reader, Field field,
             std::optional<std::string> flag_values::*flag) {
  setting s;
  s.info = info;
  s.is_bool = std::is_same_v<Reader, bool_value>;
  s.flag_text = flag;
  s.apply_json = store(reader, field);
  s.apply_text = store(reader, field);
  return s;
}

/// A setting whose flag is repeated, once per value.
template <class Reader, class Field>
setting bind(setting_info info, Reader reader, Field field,
             std::optional<std::vector<std::string>> flag_values::*flag) {
  setting s;
  s.info = info;
  s.flag_list = flag;
  s.apply_json = store(reader, field);
  s.apply_text = store(reader, field);
  s.apply_texts = store(reader, field);
  return s;
}

constexpr std::size_t max_workers = 1024;
constexpr std::size_t max_missed_beats = 1024;
constexpr std::size_t max_byte_limit = std::size_t{1} << 30; // AMQP frames and RocksDB cope
constexpr std::size_t max_count_limit = 10'000'000;

std::vector<setting> make_table() {
  // clang-format off
  return {
    bind({"node-id", "BOA_NODE_ID", "--node-id", "NAME", "HOSTNAME-PID",
          "Names the node in heartbeats, commands and the cluster view."},
         name_value{}, [](node_config& c) -> auto& { return c.node_id; }, &flag_values::node_id),
    bind({"listen", "BOA_LISTEN", "--listen", "HOST:PORT", "127.0.0.1:5672",
          "Address of the embedded broker (used without broker.url); port 0 picks a free one."},
         listen_value{}, [](node_config& c) -> auto& { return c.listen; }, &flag_values::listen),
    bind({"allow-remote-listen", "BOA_ALLOW_REMOTE_LISTEN", "--allow-remote-listen", "BOOL",
          "false",
          "Let the embedded broker (with embedded-broker.users-file) and the HTTP API (with "
          "http-token) listen off loopback."},
         bool_value{}, [](node_config& c) -> auto& { return c.allow_remote_listen; },
         &flag_values::allow_remote_listen),
    bind({"embedded-broker.idle-timeout", "BOA_EMBEDDED_BROKER_IDLE_TIMEOUT",
          "--embedded-broker-idle-timeout", "DURATION", "4s",
          "The embedded broker drops a client silent this long, giving back its deliveries (0s: "
          "never)."},
         duration_value{true},
         [](node_config& c) -> auto& { return c.embedded_broker.idle_timeout; },
         &flag_values::embedded_broker_idle_timeout),
    bind({"embedded-broker.users-file", "BOA_EMBEDDED_BROKER_USERS_FILE",
          "--embedded-broker-users-file", "PATH", "(none: ANONYMOUS)",
          "Users of the embedded broker, one user:password a line: every client must then log "
          "in with SASL PLAIN. Required to listen off loopback."},
         path_value{}, [](node_config& c) -> auto& { return c.embedded_broker.users_file; },
         &flag_values::embedded_broker_users_file),
    bind({"embedded-broker.tls-cert-file", "BOA_EMBEDDED_BROKER_TLS_CERT_FILE",
          "--embedded-broker-tls-cert-file", "PATH", "(none: plain TCP)",
          "Certificate (PEM) of the embedded broker, with embedded-broker.tls-key-file: it then "
          "speaks only TLS on listen (amqps://); clients trust it with broker.tls-ca-file."},
         path_value{}, [](node_config& c) -> auto& { return c.embedded_broker.tls_cert_file; },
         &flag_values::embedded_broker_tls_cert),
    bind({"embedded-broker.tls-key-file", "BOA_EMBEDDED_BROKER_TLS_KEY_FILE",
          "--embedded-broker-tls-key-file", "PATH", "(none)",
          "Private key (PEM) of embedded-broker.tls-cert-file."},
         path_value{}, [](node_config& c) -> auto& { return c.embedded_broker.tls_key_file; },
         &flag_values::embedded_broker_tls_key),
    bind({"broker.url", "BOA_BROKER_URL", "--broker", "URL", "(embedded broker)",
          "Cluster broker, amqp://HOST[:PORT] or amqps://HOST[:PORT]; none: run the embedded one."},
         broker_url_value{}, [](node_config& c) -> auto& { return c.broker.url; },
         &flag_values::broker_url),
    bind({"broker.username", "BOA_BROKER_USERNAME", "--broker-username", "TEXT", "(none)",
          "User for the cluster broker (SASL PLAIN)."},
         string_value{}, [](node_config& c) -> auto& { return c.broker.username; },
         &flag_values::broker_username),
    bind({"broker.password", "BOA_BROKER_PASSWORD", "--broker-password", "TEXT", "(none)",
          "Password for the cluster broker, from the config file or the variable only: the flag "
          "is refused, as flags show in ps."},
         string_value{}, [](node_config& c) -> auto& { return c.broker.password; },
         &flag_values::broker_password),
    bind({"broker.password-file", "BOA_BROKER_PASSWORD_FILE", "--broker-password-file", "PATH",
          "(none)",
          "File holding the password for the cluster broker (its final line break is not part "
          "of it); instead of broker.password."},
         path_value{}, [](node_config& c) -> auto& { return c.broker.password_file; },
         &flag_values::broker_password_file),
    bind({"broker.allow-plain-password", "BOA_BROKER_ALLOW_PLAIN_PASSWORD",
          "--broker-allow-plain-password", "BOOL", "false",
          "Send the broker password over plain amqp:// to a host off loopback, readable by anyone "
          "on the way; otherwise such a node refuses to start (use amqps://)."},
         bool_value{}, [](node_config& c) -> auto& { return c.broker.allow_plain_password; },
         &flag_values::broker_allow_plain_password),
    bind({"broker.tls-ca-file", "BOA_BROKER_TLS_CA_FILE", "--broker-tls-ca-file", "PATH",
          "(the system's)",
          "With amqps://: CA certificates (PEM) the broker's certificate must chain to; it must "
          "also name the URL's host."},
         path_value{}, [](node_config& c) -> auto& { return c.broker.tls_ca_file; },
         &flag_values::broker_tls_ca_file),
    bind({"broker.tls-cert-file", "BOA_BROKER_TLS_CERT_FILE", "--broker-tls-cert-file", "PATH",
          "(none)", "With amqps://: this node's certificate (PEM), for brokers that ask for one."},
         path_value{}, [](node_config& c) -> auto& { return c.broker.tls_cert_file; },
         &flag_values::broker_tls_cert_file),
    bind({"broker.tls-key-file", "BOA_BROKER_TLS_KEY_FILE", "--broker-tls-key-file", "PATH",
          "(none)", "With amqps://: the private key (PEM) of broker.tls-cert-file."},
         path_value{}, [](node_config& c) -> auto& { return c.broker.tls_key_file; },
         &flag_values::broker_tls_key_file),
    bind({"broker.idle-timeout", "BOA_BROKER_IDLE_TIMEOUT", "--broker-idle-timeout", "DURATION",
          "8s", "Reconnect to a cluster broker silent this long (0s: never)."},
         duration_value{true}, [](node_config& c) -> auto& { return c.broker.idle_timeout; },
         &flag_values::broker_idle_timeout),
    bind({"queues.jobs", "BOA_QUEUES_JOBS", "--queues-jobs", "NAME", "boa.jobs",
          "Queue of jobs in flight."},
         name_value{}, [](node_config& c) -> auto& { return c.queues.jobs; },
         &flag_values::queue_jobs),
    bind({"queues.new-jobs", "BOA_QUEUES_NEW_JOBS", "--queues-new-jobs", "NAME", "boa.jobs.new",
          "Queue of jobs to start."},
         name_value{}, [](node_config& c) -> auto& { return c.queues.new_jobs; },
         &flag_values::queue_new_jobs),
    bind({"queues.archive", "BOA_QUEUES_ARCHIVE", "--queues-archive", "NAME", "boa.archive",
          "Queue of finished, failed and canceled jobs."},
         name_value{}, [](node_config& c) -> auto& { return c.queues.archive; },
         &flag_values::queue_archive),
    bind({"queues.dead", "BOA_QUEUES_DEAD", "--queues-dead", "NAME", "boa.dead",
          "Queue of messages that could not be decoded."},
         name_value{}, [](node_config& c) -> auto& { return c.queues.dead; },
         &flag_values::queue_dead),
    bind({"topics.exchange", "BOA_TOPICS_EXCHANGE", "--topics-exchange", "NAME", "amq.topic",
          "Exchange of the cluster broker that carries the topics."},
         name_value{}, [](node_config& c) -> auto& { return c.topics.exchange; },
         &flag_values::topic_exchange),
    bind({"topics.events", "BOA_TOPICS_EVENTS", "--topics-events", "NAME", "boa.events",
          "Topic of job events."},
         name_value{}, [](node_config& c) -> auto& { return c.topics.events; },
         &flag_values::topic_events),
    bind({"topics.commands", "BOA_TOPICS_COMMANDS", "--topics-commands", "NAME", "boa.commands",
          "Topic of commands to nodes and jobs."},
         name_value{}, [](node_config& c) -> auto& { return c.topics.commands; },
         &flag_values::topic_commands),
    bind({"topics.heartbeat", "BOA_TOPICS_HEARTBEAT", "--topics-heartbeat", "NAME", "boa.heartbeat",
          "Topic of node heartbeats."},
         name_value{}, [](node_config& c) -> auto& { return c.topics.heartbeat; },
         &flag_values::topic_heartbeat),
    bind({"systems.workers.count", "BOA_WORKERS", "--workers", "COUNT", "4",
          "Step workers: how many steps the node runs at once (1 to 1024)."},
         count_value{max_workers}, [](node_config& c) -> auto& { return c.systems.workers.count; },
         &flag_values::workers),
    bind({"systems.workers.autostart", "BOA_SYSTEMS_WORKERS_AUTOSTART",
          "--systems-workers-autostart", "BOOL", "true",
          "Start the step workers with the node; otherwise wait for a command."},
         bool_value{}, [](node_config& c) -> auto& { return c.systems.workers.autostart; },
         &flag_values::workers_autostart),
    bind({"systems.workers.restart-workers-on-error",
          "BOA_SYSTEMS_WORKERS_RESTART_WORKERS_ON_ERROR",
          "--systems-workers-restart-workers-on-error", "BOOL", "true",
          "Replace a step worker that crashes."},
         bool_value{},
         [](node_config& c) -> auto& { return c.systems.workers.restart_workers_on_error; },
         &flag_values::workers_restart_on_error),
    bind({"heartbeat-interval", "BOA_HEARTBEAT_INTERVAL", "--heartbeat-interval", "DURATION", "1s",
          "How often the node publishes its state."},
         duration_value{}, [](node_config& c) -> auto& { return c.heartbeat_interval; },
         &flag_values::heartbeat_interval),
    bind({"cluster-aware", "BOA_CLUSTER_AWARE", "--cluster-aware", "BOOL", "false",
          "Follow the other nodes' heartbeats from the start and log when a node joins, turns "
          "suspect or down, restarts or is evicted."},
         bool_value{}, [](node_config& c) -> auto& { return c.cluster_aware; },
         &flag_values::cluster_aware),
    bind({"cluster.suspect-after", "BOA_CLUSTER_SUSPECT_AFTER", "--cluster-suspect-after",
          "COUNT", "3",
          "A node that missed more than this many of its heartbeat intervals is suspect."},
         count_value{max_missed_beats},
         [](node_config& c) -> auto& { return c.cluster.suspect_after; },
         &flag_values::cluster_suspect_after),
    bind({"cluster.down-after", "BOA_CLUSTER_DOWN_AFTER", "--cluster-down-after", "COUNT", "10",
          "A node that missed more than this many of its heartbeat intervals is down; more than "
          "cluster.suspect-after."},
         count_value{max_missed_beats},
         [](node_config& c) -> auto& { return c.cluster.down_after; },
         &flag_values::cluster_down_after),
    bind({"cluster.eviction-interval", "BOA_CLUSTER_EVICTION_INTERVAL",
          "--cluster-eviction-interval", "DURATION", "5s",
          "How often the cluster view looks for silent nodes to evict."},
         duration_value{}, [](node_config& c) -> auto& { return c.cluster.eviction_interval; },
         &flag_values::cluster_eviction_interval),
    bind({"cluster.eviction-age", "BOA_CLUSTER_EVICTION_AGE", "--cluster-eviction-age",
          "DURATION", "30s",
          "A node silent this long leaves the cluster view; at least twice heartbeat-interval."},
         duration_value{}, [](node_config& c) -> auto& { return c.cluster.eviction_age; },
         &flag_values::cluster_eviction_age),
    bind({"shutdown-grace-period", "BOA_SHUTDOWN_GRACE_PERIOD", "--shutdown-grace-period",
          "DURATION", "30s",
          "On shutdown, how long running steps may finish before their jobs go back (0s: none)."},
         duration_value{true}, [](node_config& c) -> auto& { return c.shutdown_grace_period; },
         &flag_values::shutdown_grace_period),
    bind({"log-level", "BOA_LOG_LEVEL", "--log-level", "LEVEL", "info",
          "trace, debug, info, warn, error, critical or off."},
         log_level_value{}, [](node_config& c) -> auto& { return c.log; },
         &flag_values::log_level),
    bind({"data-dir", "BOA_DATA_DIR", "--data", "PATH", "./boa-data",
          "Job store and durable queues; keep it across restarts."},
         path_value{}, [](node_config& c) -> auto& { return c.data_dir; },
         &flag_values::data_dir),
    bind({"job-folders", "BOA_JOB_FOLDERS", "--job-folders", "PATH", "DATA-DIR/jobs",
          "Root of the job folders; may be a mount shared by the nodes."},
         path_value{}, [](node_config& c) -> auto& { return c.job_folders; },
         &flag_values::job_folders),
    bind({"repository", "BOA_REPOSITORY", "--repository", "PATH", "DATA-DIR/repository",
          "Workflow repository."},
         path_value{}, [](node_config& c) -> auto& { return c.repository; },
         &flag_values::repository),
    bind({"plugins", "BOA_PLUGINS", "--plugin", "PATH", "(none)",
          "Step plugins (shared libraries) to load: a list in the file, ':'-separated in the "
          "variable, one per --plugin."},
         path_list_value{}, [](node_config& c) -> auto& { return c.plugins; },
         &flag_values::plugins),
    bind({"archive.postgres", "BOA_ARCHIVE_POSTGRES", "--archive-postgres", "CONNINFO",
          "(job store)",
          "Archive ended jobs in this PostgreSQL database (a libpq connection string, "
          "'host=... dbname=...' or 'postgresql://...'); prefer the file or the variable if it "
          "holds a password."},
         postgres_conninfo_value{}, [](node_config& c) -> auto& { return c.archive.postgres; },
         &flag_values::archive_postgres),
    bind({"archive.consume", "BOA_ARCHIVE_CONSUME", "--archive-consume", "BOOL", "true",
          "Take ended jobs from queues.archive into this node's archive; false leaves the queue "
          "to another consumer."},
         bool_value{}, [](node_config& c) -> auto& { return c.archive.consume; },
         &flag_values::archive_consume),
    bind({"http", "BOA_HTTP", "--http", "HOST:PORT", "(no HTTP API)",
          "Serve the HTTP API (docs/api.md) here; port 0 picks a free one, which the node logs."},
         optional_listen_value{}, [](node_config& c) -> auto& { return c.http; },
         &flag_values::http),
    bind({"http-token", "BOA_HTTP_TOKEN", "--http-token", "TEXT", "(none)",
          "Bearer token every HTTP route but /healthz then needs; prefer the file or the "
          "variable (flags show in ps)."},
         string_value{}, [](node_config& c) -> auto& { return c.http_token; },
         &flag_values::http_token),
    bind({"limits.max-message-bytes", "BOA_LIMITS_MAX_MESSAGE_BYTES", "--limits-max-message-bytes",
          "BYTES", "16777216",
          "Largest bus message the node publishes or takes (the embedded broker too); one it "
          "receives goes to the dead-letter queue, one it would publish is refused."},
         count_value{max_byte_limit},
         [](node_config& c) -> auto& { return c.limits.max_message_bytes; },
         &flag_values::max_message_bytes),
    bind({"limits.max-properties-bytes", "BOA_LIMITS_MAX_PROPERTIES_BYTES",
          "--limits-max-properties-bytes", "BYTES", "1048576",
          "Largest job properties (as JSON): a start request over it is refused, a job whose "
          "properties grow past it ends in error; less than limits.max-message-bytes."},
         count_value{max_byte_limit},
         [](node_config& c) -> auto& { return c.limits.max_properties_bytes; },
         &flag_values::max_properties_bytes),
    bind({"limits.max-steps", "BOA_LIMITS_MAX_STEPS", "--limits-max-steps", "COUNT", "1000",
          "Most steps a workflow definition may have."},
         count_value{max_count_limit}, [](node_config& c) -> auto& { return c.limits.max_steps; },
         &flag_values::max_steps),
    bind({"limits.max-parallel-branches", "BOA_LIMITS_MAX_PARALLEL_BRANCHES",
          "--limits-max-parallel-branches", "COUNT", "64",
          "Most branches a parallel step may fork into."},
         count_value{max_count_limit},
         [](node_config& c) -> auto& { return c.limits.max_parallel_branches; },
         &flag_values::max_parallel_branches),
    bind({"limits.max-map-fan-out", "BOA_LIMITS_MAX_MAP_FAN_OUT", "--limits-max-map-fan-out", "COUNT",
          "10000",
          "Most sub-jobs one map step may start; a map over more items ends its job in error."},
         count_value{max_count_limit},
         [](node_config& c) -> auto& { return c.limits.max_map_fan_out; },
         &flag_values::max_map_fan_out),
  };
  // clang-format on
}

} // namespace

const std::vector<setting>& setting_table() {
  static const std::vector<setting> table = make_table();
  return table;
}

} // namespace detail

std::span<const setting_info> node_settings() {
  static const std::vector<setting_info> infos = [] {
    std::vector<setting_info> out;
    for (const auto& s : detail::setting_table())
      out.push_back(s.info);
    return out;
  }();
  return infos;
}

std::string describe_node_settings() {
  std::string out =
      "Settings come from defaults, the config file (--config or BOA_CONFIG), BOA_* variables\n"
      "and flags; a later source wins. Every setting has a key in the file, a variable and a\n"
      "flag:\n";
  for (const auto& s : node_settings()) {
    out += "\n  ";
    out += s.key;
    out += "  (";
    out += s.env;
    out += ", ";
    out += s.flag;
    out += ' ';
    out += s.kind;
    out += ")\n      ";
    out += s.help;
    out += " Default: ";
    out += s.default_text;
    out += ".\n";
  }
  out += "\nDURATION: an integer with a unit, 500ms, 1s, 2m or 1h (at most 24h). BOOL: true or\n"
         "false (also yes/no, on/off, 1/0 outside the file). NAME: letters, digits, '.', '_'\n"
         "and '-'. BYTES: a positive integer count of bytes. A relative PATH in the file is\n"
         "relative to the file's directory.\n";
  return out;
}

} // namespace boa::config
