#include "runtime/serve_command.hpp"

#include "actors/bus/broker_core.hpp"
#include "actors/bus/durable_queues.hpp"
#include "actors/metrics/node_metrics.hpp"
#include "protocol/envelope.hpp"
#include "runtime/amqp/amqp_bridge.hpp"
#include "runtime/amqp/embedded_broker.hpp"
#include "runtime/data_dir_check.hpp"
#include "runtime/executors/plugin_loader.hpp"
#include "runtime/executors/standard_executors.hpp"
#include "runtime/http/http_api.hpp"
#include "runtime/node.hpp"
#include "storage/workflow_repository.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <random>
#include <thread>
#include <unistd.h>

namespace boa::runtime {

namespace {

spdlog::level::level_enum to_spdlog(config::log_level level) {
  return spdlog::level::from_str(config::to_string(level));
}

/// Logs to stderr, one line per event: time, level, node id, text.
void set_up_logging(const config::node_config& cfg) {
  auto logger = spdlog::stderr_color_mt("boad");
  logger->set_pattern(fmt::format("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [{}] %v", cfg.node_id));
  logger->set_level(to_spdlog(cfg.log));
  spdlog::set_default_logger(logger);
}

/// Blocks SIGINT and SIGTERM in this thread and every thread it starts from now on, so that
/// `wait_for_signal` can take them synchronously.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int wait_for_signal(const sigset_t& set) {
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

/// Waits up to `timeout` for a stop signal; 0 if none came.
int wait_for_signal(const sigset_t& set, std::chrono::milliseconds timeout) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1000000);
  int sig = sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

/// Connects to the broker. A cluster broker that cannot be reached at start is tried again with
/// capped backoff until it answers or a stop signal comes (nodes may start before their broker);
/// the node's own embedded broker must answer at once. Null: stop now, with `exit_code`.
std::unique_ptr<amqp::bridge> connect_to_broker(const amqp::bridge_options& link, bool embedded,
                                                const sigset_t& stop_signals, int& exit_code) {
  std::chrono::milliseconds delay = link.reconnect_min;
  for (;;) {
    auto bridge = amqp::bridge::connect(link);
    if (bridge)
      return std::move(*bridge);
    if (embedded || bridge.error().code != errc::io) {
      spdlog::critical("{}", bridge.error().message);
      exit_code = bridge.error().code == errc::io ? serve_unavailable : serve_bad_config;
      return nullptr;
    }
    spdlog::warn("{}; retrying in {} ms", bridge.error().message, delay.count());
    if (auto sig = wait_for_signal(stop_signals, delay)) {
      spdlog::info("{}: stopping before the broker answered", strsignal(sig));
      exit_code = serve_stopped;
      return nullptr;
    }
    delay = std::min(delay * 2, link.reconnect_max);
  }
}

/// The embedded broker and what it keeps, in the order they must stop.
struct embedded {
  std::shared_ptr<bus::broker_core> core;
  std::unique_ptr<amqp::embedded_broker> listener;
  /// How the node logs in to its own broker when the broker has users (empty otherwise).
  std::string node_user;
  std::string node_password;
};

/// A password nobody has to know: the node's own login to its embedded broker, new at each start.
std::string made_up_password() {
  std::random_device random;
  std::string out;
  for (int i = 0; i < 4; ++i)
    out += fmt::format("{:08x}", random());
  return out;
}

expected<embedded> start_embedded_broker(const config::node_config& cfg) {
  auto durability = bus::durable_queues::open(cfg.data_dir / "queues.db");
  if (!durability)
    return durability.error();
  embedded e;
  e.core =
      std::make_shared<bus::broker_core>(std::move(*durability), [](const std::string& address) {
        return protocol::addresses::is_durable_queue(address);
      });
  amqp::embedded_broker_options opts;
  opts.allow_remote = cfg.allow_remote_listen;
  if (!cfg.embedded_broker.users_file.empty()) {
    auto users = amqp::read_broker_users(cfg.embedded_broker.users_file);
    if (!users)
      return error{errc::invalid_input, "embedded-broker.users-file: " + users.error().message};
    e.node_user = "boa-node";
    e.node_password = made_up_password();
    users->add(e.node_user, e.node_password);
    opts.users = std::make_shared<const amqp::broker_users>(std::move(*users));
  }
  if (const auto& e = cfg.embedded_broker; !e.tls_cert_file.empty()) {
    if (auto usable = amqp::check_tls_identity(e.tls_cert_file, e.tls_key_file); !usable)
      return error{errc::invalid_input,
                   "embedded-broker.tls-cert-file '" + e.tls_cert_file.string() +
                       "' and embedded-broker.tls-key-file '" + e.tls_key_file.string() +
                       "': " + usable.error().message};
    opts.tls_cert_file = e.tls_cert_file.string();
    opts.tls_key_file = e.tls_key_file.string();
  }
  opts.idle_timeout = cfg.embedded_broker.idle_timeout;
  opts.container_id = "boa-embedded-broker-" + cfg.node_id;
  opts.max_message_bytes = cfg.limits.max_message_bytes;
  auto listener = amqp::embedded_broker::start(e.core, cfg.listen.host, cfg.listen.port, opts);
  if (!listener)
    return error{listener.error().code,
                 "embedded broker on " + cfg.listen.to_string() + ": " + listener.error().message};
  e.listener = std::move(*listener);
  return e;
}

bool tls_listener(const config::node_config& cfg) {
  return !cfg.embedded_broker.tls_cert_file.empty();
}

/// How clients reach the embedded broker, for the log: `amqp://` or `amqps://` and the address.
std::string listening_on(const config::node_config& cfg, const embedded& broker) {
  return fmt::format("{}://{}", tls_listener(cfg) ? "amqps" : "amqp",
                     config::listen_address{cfg.listen.host, broker.listener->port()}.to_string());
}

std::string url_of(const config::node_config& cfg, const embedded& broker) {
  if (!cfg.broker.url.empty())
    return cfg.broker.url;
  auto host = cfg.listen.host;
  if (host == "0.0.0.0")
    host = "127.0.0.1";
  else if (host == "::")
    host = "::1";
  if (host.find(':') != std::string::npos)
    host = "[" + host + "]";
  return fmt::format("{}://{}:{}", tls_listener(cfg) ? "amqps" : "amqp", host,
                     broker.listener->port());
}

void log_connection(const amqp::bridge_connection_event& e) {
  using kind = amqp::bridge_connection_event::kind;
  switch (e.what) {
  case kind::connected:
    spdlog::info("connected to broker {}", e.url);
    break;
  case kind::lost:
    spdlog::warn("lost broker {}: {}", e.url, e.reason);
    break;
  case kind::reconnecting:
    spdlog::warn("broker {} unreachable ({}); retrying in {} ms", e.url, e.reason,
                 e.retry_in.count());
    break;
  }
}

/// CAF's default scheduler runs at least four workers that spin and then poll every 50 us when
/// idle; beside the broker's and the bridge's own threads that takes the cores from the work
/// (measured with bench/node_bench on 2 cores: 289 -> 182 us of CPU per step). One worker per
/// core, and idle workers wait instead of polling.
void tune_scheduler(caf::actor_system_config& cfg) {
  // Plain ints: CAF 0.17 reads these settings back as integers and ignores other types.
  const auto cores = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  cfg.set("scheduler.max-threads", cores);
  cfg.set("work-stealing.aggressive-poll-attempts", 0);
  cfg.set("work-stealing.moderate-poll-attempts", 0);
}

/// Settings the loader accepts that this node cannot honour yet: refused at start rather than
/// silently ignored.
expected<void> check_supported(const config::node_config& cfg) {
  std::string problems;
  if (cfg.queues != config::queue_names{} || cfg.topics != config::topic_names{})
    problems += "queues.* and topics.*: boa's queue and topic names cannot be changed yet; "
                "leave them at their defaults\n";
  if (!cfg.systems.workers.autostart)
    problems += "systems.workers.autostart: false is not supported yet (no command starts the "
                "workers)\n";
  if (problems.empty())
    return {};
  problems.pop_back();
  return error{errc::invalid_input, problems};
}

/// The HTTP API over the running node; logs the address it bound (port 0 picks one).
expected<std::unique_ptr<http::http_api>>
start_http_api(const config::node_config& cfg, caf::actor_system& system, node& n,
               std::shared_ptr<std::atomic<bool>> broker_connected) {
  http::http_api_options options;
  options.server.host = cfg.http->host;
  options.server.port = cfg.http->port;
  options.token = cfg.http_token;
  http::api_context ctx;
  ctx.system = &system;
  ctx.node = &n.context();
  ctx.jobs = n.store();
  ctx.workflows = n.repository();
  ctx.archive = n.archive();
  ctx.flush_records = [&n] { n.flush_records(); };
  ctx.cluster_view = [&n] { return n.cluster_view(); };
  ctx.running_cluster_view = [&n] { return n.running_cluster_view(); };
  ctx.not_ready = [broker_connected]() -> std::optional<std::string> {
    if (!broker_connected->load())
      return "the node is not connected to its broker";
    return std::nullopt;
  };
  auto api = http::http_api::start(std::move(options), std::move(ctx));
  if (api) {
    auto bound =
        cfg.http->host.find(':') == std::string::npos ? cfg.http->host : "[" + cfg.http->host + "]";
    spdlog::info("HTTP API listening on http://{}:{}{}", bound, (*api)->port(),
                 cfg.http_token.empty() ? "" : " (bearer token required)");
  }
  return api;
}

} // namespace

int serve(const config::node_config& cfg) {
  auto stop_signals = block_stop_signals();
  set_up_logging(cfg);
  if (auto supported = check_supported(cfg); !supported) {
    spdlog::critical("{}", supported.error().message);
    return serve_bad_config;
  }

  if (auto usable = check_data_dir(cfg.data_dir); !usable) {
    spdlog::critical("{}", usable.error().message);
    return serve_bad_config;
  }

  auto functions = std::make_shared<cpp_step_registry>();
  auto executors = std::make_shared<actors::executor_registry>();
  add_standard_executors(*executors, functions);
  for (const auto& plugin : cfg.plugins)
    if (auto loaded = load_step_plugin(plugin, *functions); !loaded) {
      spdlog::critical("plugin {}: {}", plugin.string(), loaded.error().message);
      return serve_bad_config;
    }

  embedded broker;
  if (cfg.broker.url.empty()) {
    auto started = start_embedded_broker(cfg);
    if (!started) {
      spdlog::critical("{}", started.error().message);
      return started.error().code == errc::io ? serve_unavailable : serve_bad_config;
    }
    broker = std::move(*started);
    spdlog::info("embedded AMQP 1.0 broker listening on {}, queues kept in {}",
                 listening_on(cfg, broker), (cfg.data_dir / "queues.db").string());
  }

  // Counted only where `/metrics` can show it; declared before the bridge and the node, which
  // count into it until they are gone.
  std::unique_ptr<metrics::node_metrics> exposed;
  if (cfg.http)
    exposed = std::make_unique<metrics::node_metrics>(BOA_VERSION);

  amqp::bridge_options link;
  link.metrics = exposed.get();
  link.url = url_of(cfg, broker);
  link.username = cfg.broker.url.empty() ? broker.node_user : cfg.broker.username;
  link.password = cfg.broker.url.empty() ? broker.node_password : cfg.broker.password;
  link.container_id = cfg.node_id;
  link.tls_ca_file = cfg.broker.tls_ca_file.string();
  link.tls_cert_file = cfg.broker.tls_cert_file.string();
  link.tls_key_file = cfg.broker.tls_key_file.string();
  // The node's own broker, which it has just started in this process: its certificate names the
  // host clients know it by, not necessarily the loopback address the node reaches it at.
  link.tls_verify_broker = !cfg.broker.url.empty();
  link.idle_timeout = cfg.broker.idle_timeout;
  link.max_message_bytes = cfg.limits.max_message_bytes;
  // What `/readyz` reports: the bridge says when it loses and regains the broker.
  auto broker_connected = std::make_shared<std::atomic<bool>>(false);
  link.on_event = [broker_connected](const amqp::bridge_connection_event& e) {
    log_connection(e);
    broker_connected->store(e.what == amqp::bridge_connection_event::kind::connected);
  };
  int exit_code = serve_stopped;
  auto bridge = connect_to_broker(link, cfg.broker.url.empty(), stop_signals, exit_code);
  if (!bridge)
    return exit_code;
  broker_connected->store(true); // connect returns once the connection is open

  caf::actor_system_config caf_cfg;
  tune_scheduler(caf_cfg);
  caf::actor_system system{caf_cfg};

  auto repository = std::make_shared<storage::workflow_repository>(cfg.repository);
  node_options opts;
  opts.node_id = cfg.node_id;
  opts.workers = cfg.systems.workers.count;
  opts.data_dir = cfg.data_dir;
  opts.repository = repository;
  opts.serve_requests = true;
  opts.archive = cfg.archive.consume;
  opts.archive_postgres = cfg.archive.postgres;
  opts.job_folders = cfg.job_folders;
  opts.heartbeat_interval = cfg.heartbeat_interval;
  opts.broker_url = link.url;
  opts.cluster_aware = cfg.cluster_aware;
  opts.limits = cfg.limits;
  opts.metrics = exposed.get();
  opts.cluster.suspect_after = static_cast<double>(cfg.cluster.suspect_after);
  opts.cluster.down_after = static_cast<double>(cfg.cluster.down_after);
  opts.cluster.eviction_age_ms = cfg.cluster.eviction_age.count();
  opts.cluster_eviction_interval = cfg.cluster.eviction_interval;
  // A shutdown command takes the path of a signal: the same drain, stop and exit code.
  auto shutdown_requested = std::make_shared<std::atomic<bool>>(false);
  opts.on_shutdown_requested = [shutdown_requested] {
    if (!shutdown_requested->exchange(true))
      ::kill(::getpid(), SIGTERM);
  };
  auto n = node::start(system, *bridge, executors, opts);
  if (!n) {
    spdlog::critical("cannot start the node: {}", n.error().message);
    return serve_bad_config;
  }
  spdlog::info("node {} running with {} workers; data in {}, repository in {}", cfg.node_id,
               opts.workers, cfg.data_dir.string(), cfg.repository.string());
  if (!cfg.archive.consume)
    spdlog::info("archive.consume is off: ended jobs in {} are left to another consumer",
                 cfg.queues.archive);
  std::unique_ptr<http::http_api> api;
  if (cfg.http) {
    auto started = start_http_api(cfg, system, **n, broker_connected);
    if (!started) {
      spdlog::critical("{}", started.error().message);
      (*n)->stop();
      system.await_all_actors_done();
      bridge->close();
      if (broker.listener)
        broker.listener->stop();
      return started.error().code == errc::io ? serve_unavailable : serve_bad_config;
    }
    api = std::move(*started);
  }

  auto sig = wait_for_signal(stop_signals);
  if (shutdown_requested->load())
    spdlog::info("a shutdown command came: stopping (a signal stops at once)");
  else
    spdlog::info("{}: stopping (a second signal stops at once)", strsignal(sig));
  std::thread([stop_signals] {
    auto again = wait_for_signal(stop_signals);
    spdlog::warn("{}: stopping at once", strsignal(again));
    std::_Exit(128 + again);
  }).detach();

  if (api)
    api->stop(); // its routes reach into the node
  if ((*n)->drain(cfg.shutdown_grace_period))
    spdlog::info("every running step finished");
  else
    spdlog::warn("steps still running after the grace period of {} ms go back to the broker",
                 cfg.shutdown_grace_period.count());
  (*n)->stop();
  system.await_all_actors_done();
  (*n)->flush_records();
  bridge->close();
  if (broker.listener)
    broker.listener->stop();
  spdlog::info("stopped");
  return serve_stopped;
}

int serve_broker(const config::node_config& cfg) {
  auto stop_signals = block_stop_signals();
  set_up_logging(cfg);
  if (!cfg.broker.url.empty()) {
    spdlog::critical("boad broker runs the embedded broker; broker.url ({}) names another one",
                     cfg.broker.url);
    return serve_bad_config;
  }
  if (auto usable = check_data_dir(cfg.data_dir); !usable) {
    spdlog::critical("{}", usable.error().message);
    return serve_bad_config;
  }
  auto started = start_embedded_broker(cfg);
  if (!started) {
    spdlog::critical("{}", started.error().message);
    return started.error().code == errc::io ? serve_unavailable : serve_bad_config;
  }
  auto broker = std::move(*started);
  spdlog::info("broker running: embedded AMQP 1.0 broker listening on {}, queues kept in {}",
               listening_on(cfg, broker), (cfg.data_dir / "queues.db").string());
  auto sig = wait_for_signal(stop_signals);
  spdlog::info("{}: stopping", strsignal(sig));
  broker.listener->stop();
  spdlog::info("stopped");
  return serve_stopped;
}

} // namespace boa::runtime
