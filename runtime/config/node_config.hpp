#pragma once

#include "protocol/envelope.hpp"
#include "protocol/limits.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boa::config {

/// Port of the embedded AMQP 1.0 broker: the IANA port of AMQP, so that any AMQP client reaches a
/// stand-alone node without being told a port. A node on a host that also runs RabbitMQ (or a
/// second node) needs another one.
inline constexpr std::uint16_t default_broker_port = 5672;

/// Where the embedded broker accepts connections. `port` 0 asks the system for a free port.
struct listen_address {
  std::string host = "127.0.0.1"; ///< IPv4, IPv6 (without brackets) or a host name
  std::uint16_t port = default_broker_port;

  /// `HOST:PORT`, with brackets around an IPv6 host: `[::1]:5672`.
  std::string to_string() const;

  friend bool operator==(const listen_address&, const listen_address&) = default;
};

/// The AMQP 1.0 broker of a cluster. An empty `url` means: no cluster broker, run the embedded one.
struct broker_settings {
  std::string url;      ///< `amqp://HOST[:PORT]` or `amqps://HOST[:PORT]`; no credentials in it
  std::string username; ///< SASL PLAIN user; set together with a password
  /// From `broker.password` (file or BOA_BROKER_PASSWORD, never a flag: flags show in `ps`), or
  /// read by the loader from `password_file`.
  std::string password;
  /// A file whose content (without the final line break) is the password.
  std::filesystem::path password_file;
  /// Send the password over plain `amqp://` to a host off loopback, where anyone on the path can
  /// read it. Off by default: use `amqps://`.
  bool allow_plain_password = false;
  /// With `amqps://`: the CA certificates (PEM) the broker's certificate must chain to (empty:
  /// the system's), and optionally this node's certificate and key. The broker's certificate
  /// must name the URL's host.
  std::filesystem::path tls_ca_file;
  std::filesystem::path tls_cert_file;
  std::filesystem::path tls_key_file;
  /// A broker silent this long is taken for dead and the node reconnects (0: never). The broker
  /// is asked to keep a quiet connection alive with empty frames; RabbitMQ does so only for 2 s
  /// or more.
  std::chrono::milliseconds idle_timeout{8000};

  friend bool operator==(const broker_settings&, const broker_settings&) = default;
};

/// The embedded broker (used without `broker.url`).
struct embedded_broker_settings {
  /// A client silent this long is dropped and its unsettled deliveries go back to their queues
  /// (0: never), so that a hung node, whose connection stays open, loses its work within this
  /// bound. Clients are asked to send something at least every half of it.
  std::chrono::milliseconds idle_timeout{4000};
  /// Users who may connect, one `user:password` a line: with it every client must log in with
  /// SASL PLAIN (the node itself too, with a password it makes up at start). Required to listen
  /// off loopback. Empty: clients connect with ANONYMOUS.
  std::filesystem::path users_file;
  /// With both: the broker listens with TLS only (`amqps://`), presenting this certificate (PEM,
  /// with its chain) and private key (PEM). Empty: plain TCP.
  std::filesystem::path tls_cert_file;
  std::filesystem::path tls_key_file;

  friend bool operator==(const embedded_broker_settings&,
                         const embedded_broker_settings&) = default;
};

namespace detail {
/// The name in a logical address: `queue:boa.jobs` -> `boa.jobs`.
constexpr std::string_view address_name(std::string_view address) {
  return address.substr(address.find(':') + 1);
}
} // namespace detail

/// Names (not addresses) of the well-known queues; `queue_address` makes the logical address.
/// Defaults are the names in protocol/envelope.hpp.
struct queue_names {
  std::string jobs{detail::address_name(protocol::addresses::jobs)};
  std::string new_jobs{detail::address_name(protocol::addresses::new_jobs)};
  std::string archive{detail::address_name(protocol::addresses::archive)};
  std::string dead{detail::address_name(protocol::addresses::dead)};

  friend bool operator==(const queue_names&, const queue_names&) = default;
};

/// Names of the fan-out topics, and the broker exchange they are bound on. The exchange matters
/// only with a cluster broker (RabbitMQ publishes topics through `amq.topic`).
struct topic_names {
  std::string exchange = "amq.topic";
  std::string events{detail::address_name(protocol::addresses::events)};
  std::string commands{detail::address_name(protocol::addresses::commands)};
  std::string heartbeat{detail::address_name(protocol::addresses::heartbeat)};

  friend bool operator==(const topic_names&, const topic_names&) = default;
};

/// `queue:NAME` and `topic:NAME`: the logical addresses the bus understands.
std::string queue_address(std::string_view name);
std::string topic_address(std::string_view name);

/// A pool of actors the node runs (a "system"): how many, and how they are looked after.
struct system_settings {
  std::size_t count = 4;
  /// Started with the node; otherwise it waits for a command that starts it.
  bool autostart = true;
  /// A worker that crashes (not a step that reports failure) is replaced by a new one.
  bool restart_workers_on_error = true;

  friend bool operator==(const system_settings&, const system_settings&) = default;
};

/// The node's systems. Today there is one, the step workers.
struct systems_settings {
  system_settings workers; ///< step workers: the steps this node runs at once

  friend bool operator==(const systems_settings&, const systems_settings&) = default;
};

/// How long heartbeats may be missing before the cluster view acts on it.
struct cluster_settings {
  /// A node whose last beat is older than this many of its heartbeat intervals is `suspect`.
  std::size_t suspect_after = 3;
  /// ... and `down` after this many (more than `suspect_after`).
  std::size_t down_after = 10;
  /// How often a cluster-state aggregator looks for nodes to evict.
  std::chrono::milliseconds eviction_interval{5000};
  /// A node whose last heartbeat is older than this leaves the cluster view. At least twice
  /// `heartbeat_interval`, so that one late beat does not evict a live node.
  std::chrono::milliseconds eviction_age{30000};

  friend bool operator==(const cluster_settings&, const cluster_settings&) = default;
};

/// Where ended jobs go besides the queue that carries them.
struct archive_settings {
  /// A libpq connection string (`host=... port=... dbname=...` or `postgresql://...`): archive
  /// ended jobs in that PostgreSQL database. Empty: in the node's job store.
  std::string postgres;
  /// Take ended jobs from `queues.archive` into the archive. False leaves that queue to another
  /// consumer (an external archiver, or a soak test that records every archived copy); the node
  /// then archives nothing itself.
  bool consume = true;

  friend bool operator==(const archive_settings&, const archive_settings&) = default;
};

enum class log_level { trace, debug, info, warn, error, critical, off };

/// "trace", "debug", "info", "warn", "error", "critical" or "off" (the names spdlog uses).
const char* to_string(log_level level);
std::ostream& operator<<(std::ostream& out, log_level level);

/// Everything a long-lived node (`boad`) is configured with. `load_node_config` fills it from
/// defaults, a config file, `BOA_*` variables and flags; settings.hpp lists every key. A default
/// written here is the default of the key; the three that depend on the host or on another
/// setting are filled in by the loader.
struct node_config {
  /// Names the node in heartbeats and commands. Default: `default_node_id()` (`HOSTNAME-PID`).
  std::string node_id;
  /// The embedded broker's address, used only without `broker.url`. Must be on loopback unless
  /// `allow_remote_listen` is set and `embedded_broker.users_file` names who may log in.
  listen_address listen;
  bool allow_remote_listen = false;
  embedded_broker_settings embedded_broker;
  broker_settings broker;
  queue_names queues;
  topic_names topics;
  systems_settings systems;
  /// How often the node publishes its state to `topic:boa.heartbeat`.
  std::chrono::milliseconds heartbeat_interval{1000};
  /// Runs a cluster-state aggregator from the start and logs every node's status changes (a node
  /// that is not becomes cluster aware on the first cluster view a client asks it for).
  bool cluster_aware = false;
  cluster_settings cluster;
  /// On shutdown, how long running steps may finish before their jobs are handed back to the
  /// broker (to run again elsewhere).
  std::chrono::milliseconds shutdown_grace_period{30000};
  log_level log = log_level::info;
  /// Job store and durable broker queues. Default: `boa-data` in the current directory; keep it
  /// the same across restarts, or in-flight jobs of the embedded broker are lost.
  std::filesystem::path data_dir = "boa-data";
  /// Root of the job folders; may be a mount shared by the nodes. Default: `<data_dir>/jobs`.
  std::filesystem::path job_folders;
  /// Workflow repository (revisions). Default: `<data_dir>/repository`.
  std::filesystem::path repository;
  /// Step plugins (shared libraries) loaded at start, in this order. Default: none.
  std::vector<std::filesystem::path> plugins;
  archive_settings archive;
  /// Where the HTTP API listens (docs/api.md); none: no HTTP API. Port 0 picks a free port,
  /// which the node logs. Off loopback only with `allow_remote_listen` and an `http_token`.
  std::optional<listen_address> http;
  /// When not empty, every HTTP route but `/healthz` needs `Authorization: Bearer <token>`.
  std::string http_token;
  /// Message size, job properties, steps, parallel branches and map fan-out (`limits.*`).
  protocol::engine_limits limits;

  friend bool operator==(const node_config&, const node_config&) = default;
};

/// `HOSTNAME-PID`, with characters a node id may not hold replaced by `-`: unique on a host and
/// readable in a cluster view.
std::string default_node_id();

} // namespace boa::config
