#pragma once

#include "protocol/expected.hpp"
#include "runtime/config/node_config.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace boa::config {

/// Environment variables by name. Injected, so that loading is a function of its arguments.
using environment = std::map<std::string, std::string, std::less<>>;

/// The `BOA_*` variables of this process (the loader looks at no others).
environment process_environment();

/// Settings given on the command line, as typed there; empty when not given. One field per
/// setting (settings.hpp); `add_node_flags` fills them, the loader checks them.
struct flag_values {
  std::optional<std::filesystem::path> config; ///< --config

  std::optional<std::string> node_id;                      ///< --node-id
  std::optional<std::string> listen;                       ///< --listen
  std::optional<std::string> allow_remote_listen;          ///< --allow-remote-listen[=BOOL]
  std::optional<std::string> embedded_broker_idle_timeout; ///< --embedded-broker-idle-timeout
  std::optional<std::string> embedded_broker_users_file;   ///< --embedded-broker-users-file
  std::optional<std::string> embedded_broker_tls_cert;     ///< --embedded-broker-tls-cert-file
  std::optional<std::string> embedded_broker_tls_key;      ///< --embedded-broker-tls-key-file
  std::optional<std::string> broker_url;                   ///< --broker
  std::optional<std::string> broker_username;              ///< --broker-username
  std::optional<std::string> broker_password;              ///< --broker-password, refused
  std::optional<std::string> broker_password_file;         ///< --broker-password-file
  std::optional<std::string> broker_allow_plain_password;  ///< --broker-allow-plain-password
  std::optional<std::string> broker_tls_ca_file;           ///< --broker-tls-ca-file
  std::optional<std::string> broker_tls_cert_file;         ///< --broker-tls-cert-file
  std::optional<std::string> broker_tls_key_file;          ///< --broker-tls-key-file
  std::optional<std::string> broker_idle_timeout;          ///< --broker-idle-timeout
  std::optional<std::string> queue_jobs;                   ///< --queues-jobs
  std::optional<std::string> queue_new_jobs;               ///< --queues-new-jobs
  std::optional<std::string> queue_archive;                ///< --queues-archive
  std::optional<std::string> queue_dead;                   ///< --queues-dead
  std::optional<std::string> topic_exchange;               ///< --topics-exchange
  std::optional<std::string> topic_events;                 ///< --topics-events
  std::optional<std::string> topic_commands;               ///< --topics-commands
  std::optional<std::string> topic_heartbeat;              ///< --topics-heartbeat
  std::optional<std::string> workers;                      ///< --workers
  std::optional<std::string> workers_autostart;            ///< --systems-workers-autostart[=BOOL]
  /// --systems-workers-restart-workers-on-error[=BOOL]
  std::optional<std::string> workers_restart_on_error;
  std::optional<std::string> heartbeat_interval;        ///< --heartbeat-interval
  std::optional<std::string> cluster_aware;             ///< --cluster-aware[=BOOL]
  std::optional<std::string> cluster_suspect_after;     ///< --cluster-suspect-after
  std::optional<std::string> cluster_down_after;        ///< --cluster-down-after
  std::optional<std::string> cluster_eviction_interval; ///< --cluster-eviction-interval
  std::optional<std::string> cluster_eviction_age;      ///< --cluster-eviction-age
  std::optional<std::string> shutdown_grace_period;     ///< --shutdown-grace-period
  std::optional<std::string> log_level;                 ///< --log-level
  std::optional<std::string> data_dir;                  ///< --data
  std::optional<std::string> job_folders;               ///< --job-folders
  std::optional<std::string> repository;                ///< --repository
  std::optional<std::vector<std::string>> plugins;      ///< --plugin, repeated
  std::optional<std::string> archive_postgres;          ///< --archive-postgres
  std::optional<std::string> archive_consume;           ///< --archive-consume[=BOOL]
  std::optional<std::string> http;                      ///< --http
  std::optional<std::string> http_token;                ///< --http-token
  std::optional<std::string> max_message_bytes;         ///< --limits-max-message-bytes
  std::optional<std::string> max_properties_bytes;      ///< --limits-max-properties-bytes
  std::optional<std::string> max_steps;                 ///< --limits-max-steps
  std::optional<std::string> max_parallel_branches;     ///< --limits-max-parallel-branches
  std::optional<std::string> max_map_fan_out;           ///< --limits-max-map-fan-out
};

/// Registers `--config` and a flag for every setting (settings.hpp) on `app`, storing into
/// `flags`. Values are checked by `load_node_config`, so that a bad flag reads like a bad
/// variable: `--workers: must be a positive integer, got 'x'`.
void add_node_flags(CLI::App& app, flag_values& flags);

/// The config file to read: `--config`, else `BOA_CONFIG`, else none.
std::optional<std::filesystem::path> config_file(const flag_values& flags, const environment& env);

/// The node's configuration: defaults, overridden by `file` (JSON), by the `BOA_*` variables in
/// `env`, then by `flags`. Every problem from every source is reported, one per line, naming its
/// source: `config.json: systems.workers.count: must be a positive integer, got "four"`,
/// `BOA_WORKERS: ...`, `--workers: ...`. Rejected: unknown keys in the file, unknown `BOA_*`
/// variables (a typo must not go unnoticed), bad values, a listen address off loopback without
/// `allow-remote-listen`, inconsistent settings. Errors: `invalid_input`; `not_found` or `io`
/// when the file cannot be read.
///
/// A file named `*.toml` is refused until a TOML reader exists; such a reader would produce the
/// same tree (tables as objects) and share every check.
expected<node_config> load_node_config(const std::optional<std::filesystem::path>& file,
                                       const environment& env, const flag_values& flags);

} // namespace boa::config
