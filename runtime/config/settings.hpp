#pragma once

#include <span>
#include <string>
#include <string_view>

namespace boa::config {

/// One setting of the node as a user meets it. Every setting has all three names; a value given
/// by flag beats one given by variable, which beats one in the config file, which beats the
/// default.
struct setting_info {
  std::string_view key;  ///< dotted path in the config file: `systems.workers.count`
  std::string_view env;  ///< environment variable: `BOA_WORKERS`
  std::string_view flag; ///< command-line flag: `--workers`
  std::string_view kind; ///< what a value looks like: `COUNT`, `DURATION`, `PATH`...
  std::string_view default_text;
  std::string_view help;
};

/// Every setting, in the order of the reference (and of `--help`). A variable is `BOA_` and the
/// key in capitals with `_` for `.` and `-` (all but `BOA_WORKERS`); a flag is `--` and the key
/// with `-` for `.` (exceptions below). Defaults are in node_config.hpp.
///
/// | key                                      | variable                                     |
/// |------------------------------------------|----------------------------------------------|
/// | node-id                                  | BOA_NODE_ID                                  |
/// | listen                                   | BOA_LISTEN                                   |
/// | allow-remote-listen                      | BOA_ALLOW_REMOTE_LISTEN                      |
/// | embedded-broker.idle-timeout             | BOA_EMBEDDED_BROKER_IDLE_TIMEOUT             |
/// | embedded-broker.users-file               | BOA_EMBEDDED_BROKER_USERS_FILE               |
/// | embedded-broker.tls-cert-file            | BOA_EMBEDDED_BROKER_TLS_CERT_FILE            |
/// | embedded-broker.tls-key-file             | BOA_EMBEDDED_BROKER_TLS_KEY_FILE             |
/// | broker.url                               | BOA_BROKER_URL                               |
/// | broker.username                          | BOA_BROKER_USERNAME                          |
/// | broker.password                          | BOA_BROKER_PASSWORD                          |
/// | broker.password-file                     | BOA_BROKER_PASSWORD_FILE                     |
/// | broker.allow-plain-password              | BOA_BROKER_ALLOW_PLAIN_PASSWORD              |
/// | broker.tls-ca-file                       | BOA_BROKER_TLS_CA_FILE                       |
/// | broker.tls-cert-file                     | BOA_BROKER_TLS_CERT_FILE                     |
/// | broker.tls-key-file                      | BOA_BROKER_TLS_KEY_FILE                      |
/// | broker.idle-timeout                      | BOA_BROKER_IDLE_TIMEOUT                      |
/// | queues.jobs                              | BOA_QUEUES_JOBS                              |
/// | queues.new-jobs                          | BOA_QUEUES_NEW_JOBS                          |
/// | queues.archive                           | BOA_QUEUES_ARCHIVE                           |
/// | queues.dead                              | BOA_QUEUES_DEAD                              |
/// | topics.exchange                          | BOA_TOPICS_EXCHANGE                          |
/// | topics.events                            | BOA_TOPICS_EVENTS                            |
/// | topics.commands                          | BOA_TOPICS_COMMANDS                          |
/// | topics.heartbeat                         | BOA_TOPICS_HEARTBEAT                         |
/// | systems.workers.count                    | BOA_WORKERS                                  |
/// | systems.workers.autostart                | BOA_SYSTEMS_WORKERS_AUTOSTART                |
/// | systems.workers.restart-workers-on-error | BOA_SYSTEMS_WORKERS_RESTART_WORKERS_ON_ERROR |
/// | heartbeat-interval                       | BOA_HEARTBEAT_INTERVAL                       |
/// | cluster-aware                            | BOA_CLUSTER_AWARE                            |
/// | cluster.suspect-after                    | BOA_CLUSTER_SUSPECT_AFTER                    |
/// | cluster.down-after                       | BOA_CLUSTER_DOWN_AFTER                       |
/// | cluster.eviction-interval                | BOA_CLUSTER_EVICTION_INTERVAL                |
/// | cluster.eviction-age                     | BOA_CLUSTER_EVICTION_AGE                     |
/// | shutdown-grace-period                    | BOA_SHUTDOWN_GRACE_PERIOD                    |
/// | log-level                                | BOA_LOG_LEVEL                                |
/// | data-dir                                 | BOA_DATA_DIR                                 |
/// | job-folders                              | BOA_JOB_FOLDERS                              |
/// | repository                               | BOA_REPOSITORY                               |
/// | plugins                                  | BOA_PLUGINS                                  |
/// | archive.postgres                         | BOA_ARCHIVE_POSTGRES                         |
/// | archive.consume                          | BOA_ARCHIVE_CONSUME                          |
/// | http                                     | BOA_HTTP                                     |
/// | http-token                               | BOA_HTTP_TOKEN                               |
/// | limits.max-message-bytes                 | BOA_LIMITS_MAX_MESSAGE_BYTES                 |
/// | limits.max-properties-bytes              | BOA_LIMITS_MAX_PROPERTIES_BYTES              |
/// | limits.max-steps                         | BOA_LIMITS_MAX_STEPS                         |
/// | limits.max-parallel-branches             | BOA_LIMITS_MAX_PARALLEL_BRANCHES             |
/// | limits.max-map-fan-out                   | BOA_LIMITS_MAX_MAP_FAN_OUT                   |
///
/// Flags that differ from the rule: `broker.url` is `--broker`, `systems.workers.count` is
/// `--workers`, `data-dir` is `--data`, `plugins` is `--plugin` (repeated, one path each).
/// `--broker-password` exists only to be refused: a command line is no place for a password.
///
/// Values: COUNT is a positive integer (workers and missed beats at most 1024, the `limits.*` at
/// most 10,000,000); BYTES is a positive count of bytes (at most 1 GiB); DURATION is an integer
/// with a unit, `500ms`, `1s`, `2m`, `1h` (at most 24h); BOOL is `true`/`false` in the file and
/// also `yes`/`no`/`on`/`off`/`1`/`0` in variables and flags (a bare boolean flag means true); NAME
/// is letters, digits, `.`, `_`, `-`; `plugins` is a list in the file and `:`-separated in
/// `BOA_PLUGINS`; CONNINFO is a libpq connection string, checked for syntax (the database is
/// reached when the node starts). A relative PATH in the file is relative to the file's directory,
/// elsewhere to the current one. `BOA_CONFIG` names the config file when `--config` does not.
std::span<const setting_info> node_settings();

/// The list above as text for a terminal: one entry per setting with its names, default and help.
std::string describe_node_settings();

} // namespace boa::config
