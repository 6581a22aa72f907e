#include "runtime/node.hpp"

#include "actors/archiver.hpp"
#include "actors/command_handler.hpp"
#include "actors/delivery_claims.hpp"
#include "actors/heartbeat_emitter.hpp"
#include "actors/job_dispatcher.hpp"
#include "actors/job_records.hpp"
#include "actors/job_store_archive.hpp"
#include "actors/message_ids.hpp"
#include "actors/messages.hpp"
#include "actors/node_activity.hpp"
#include "actors/request_handler.hpp"
#include "actors/worker_pool.hpp"
#include "protocol/job_codec.hpp"
#include "storage/claim_store.hpp"
#include "storage/job_folders.hpp"
#include "storage/job_store.hpp"
#include "storage/postgres_archive.hpp"
#include "storage/workflow_repository.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <random>

namespace boa::runtime {

namespace {

/// One line per change, for an operator following the log.
void log_cluster_change(const actors::node_change& change) {
  using kind = actors::node_change::kind;
  const auto& n = change.node;
  const auto& id = n.last.node;
  const auto seconds = static_cast<double>(n.age_ms) / 1000.0;
  switch (change.what) {
  case kind::joined:
    spdlog::info("cluster: node {} joined (host {}, pid {}, heartbeat every {} ms)", id,
                 n.last.host, n.last.pid, n.last.interval_ms);
    break;
  case kind::restarted:
    spdlog::info("cluster: node {} restarted (host {}, pid {})", id, n.last.host, n.last.pid);
    break;
  case kind::suspect:
    spdlog::info("cluster: node {} is suspect: no heartbeat for {:.1f} s", id, seconds);
    break;
  case kind::down:
    spdlog::info("cluster: node {} is down: no heartbeat for {:.1f} s", id, seconds);
    break;
  case kind::live_again:
    spdlog::info("cluster: node {} is live again", id);
    break;
  case kind::evicted:
    spdlog::info("cluster: node {} evicted: no heartbeat for {:.1f} s", id, seconds);
    break;
  case kind::left:
    spdlog::info("cluster: node {} left (it said it was shutting down)", id);
    break;
  }
}

} // namespace

expected<std::unique_ptr<node>> node::start(caf::actor_system& system, bus::bus& bus,
                                            actors::step_executor_ptr executor,
                                            node_options options) {
  std::unique_ptr<node> n{new node};
  n->workflows_ = std::make_unique<protocol::workflow_cache>();
  if (!options.data_dir.empty()) {
    auto store = storage::job_store::open(options.data_dir / "jobs.db");
    if (!store)
      return store.error();
    n->store_ = std::move(*store);
    n->recorder_ = std::make_unique<actors::job_recorder>(*n->store_);
    n->folders_ = std::make_unique<storage::job_folders>(
        options.job_folders.empty() ? options.data_dir / "jobs" : options.job_folders);
    auto claims = storage::claim_store::open(options.data_dir / "claims.db");
    if (!claims)
      return claims.error();
    n->claim_store_ = std::move(*claims);
  }
  n->claims_ = options.claims ? std::move(options.claims)
                              : std::make_shared<actors::delivery_claims>(n->claim_store_.get());
  n->controls_ = options.controls ? std::move(options.controls)
                                  : std::make_shared<actors::job_controls>(n->claim_store_.get());
  n->system_ = &system;
  n->repository_ = std::move(options.repository);
  auto seed = options.job_id_seed;
  if (seed == 0) {
    std::random_device os;
    seed = (static_cast<std::uint64_t>(os()) << 32) ^ os();
  }
  n->job_ids_ = std::make_unique<protocol::job_id_generator>(seed);
  auto prefix = options.message_id_prefix;
  if (prefix == 0) {
    std::random_device os;
    prefix = (static_cast<std::uint64_t>(os()) << 32) ^ os();
  }
  n->message_ids_ = std::make_unique<actors::message_id_suffixes>(prefix);
  auto& ctx = n->ctx_;
  ctx.node_id = options.node_id;
  ctx.bus = &bus;
  ctx.workflows = n->workflows_.get();
  ctx.recorder = n->recorder_.get();
  if (options.archive && !options.archive_postgres.empty()) {
    auto archive = storage::postgres_archive::open(options.archive_postgres);
    if (!archive)
      return error{archive.error().code, "archive.postgres: " + archive.error().message};
    ctx.archive = std::move(*archive);
  } else if (n->recorder_) {
    ctx.archive = std::make_shared<actors::job_store_archive>(*n->recorder_, *n->store_);
  }
  ctx.folders = n->folders_.get();
  ctx.resolve = std::move(options.resolve);
  if (!ctx.resolve && n->repository_)
    ctx.resolve = [repository = n->repository_](const std::string& ref) {
      return repository->resolve(ref);
    };
  if (auto registry = std::dynamic_pointer_cast<actors::executor_registry>(executor))
    ctx.known_kinds = [registry](const std::string& kind) { return registry->has(kind); };
  ctx.job_ids = n->job_ids_.get();
  ctx.message_ids = n->message_ids_.get();
  ctx.clock = options.clock ? options.clock : &n->clock_;
  ctx.detach_blocking_actors = options.detach_blocking_actors;
  ctx.controls = n->controls_.get();
  ctx.claims = n->claims_.get();
  n->activity_ = std::make_unique<actors::node_activity>();
  ctx.activity = n->activity_.get();
  ctx.metrics = options.metrics;
  ctx.reduce_checkpoint_every = std::max<std::uint32_t>(1, options.reduce_checkpoint_every);
  ctx.limits = options.limits;
  auto workers = std::max<std::size_t>(1, options.workers);
  ctx.max_in_flight = options.max_in_flight != 0
                          ? options.max_in_flight
                          : static_cast<std::uint32_t>(std::max<std::size_t>(16, workers * 4));
  auto& cluster = n->cluster_settings_;
  cluster.view = options.cluster;
  cluster.check_interval =
      options.heartbeat_interval.count() > 0 ? options.heartbeat_interval : std::chrono::seconds(1);
  cluster.eviction_interval = options.cluster_eviction_interval;
  cluster.on_change =
      options.on_cluster_change ? std::move(options.on_cluster_change) : log_cluster_change;
  // Before the runners start, which read ctx.cluster_view.
  if (options.cluster_aware)
    ctx.cluster_view = n->cluster_view();
  ctx.executor = executor;
  ctx.worker_pool =
      actors::spawn_worker_pool(system, std::move(executor), workers, n->activity_.get(),
                                options.detach_blocking_actors, options.metrics);
  n->dispatcher_ = actors::spawn_job_dispatcher(system, ctx);
  if (options.archive)
    n->archiver_ = actors::spawn_archiver(system, ctx);
  actors::heartbeat_settings beat;
  beat.interval = options.heartbeat_interval;
  beat.facts = std::move(options.host_facts);
  beat.broker = options.broker_url;
  beat.started_ms = ctx.clock->now_ms();
  beat.workers = static_cast<std::int64_t>(workers);
  if (options.heartbeat_interval.count() > 0)
    n->heartbeat_ = actors::spawn_heartbeat_emitter(system, ctx, beat);
  n->commands_ =
      actors::spawn_command_handler(system, ctx,
                                    {n->dispatcher_,
                                     {n->store_.get(), n->repository_.get(), {}, ctx.archive.get()},
                                     std::move(beat),
                                     std::move(options.on_shutdown_requested)});
  if (options.serve_requests)
    n->requests_ = actors::spawn_request_handler(system, ctx,
                                                 {n->store_.get(), n->repository_.get(),
                                                  [raw = n.get()] { return raw->cluster_view(); },
                                                  ctx.archive.get()});
  return n;
}

caf::actor node::cluster_view() {
  std::lock_guard lock{cluster_mutex_};
  if (!cluster_ && !stopped_ && system_) {
    cluster_ = actors::spawn_cluster_aggregator(*system_, ctx_, cluster_settings_);
    spdlog::info("following the cluster's heartbeats (suspect after {} missed intervals, down "
                 "after {}, evicted after {} ms)",
                 cluster_settings_.view.suspect_after, cluster_settings_.view.down_after,
                 cluster_settings_.view.eviction_age_ms);
  }
  return cluster_;
}

caf::actor node::running_cluster_view() {
  std::lock_guard lock{cluster_mutex_};
  return cluster_;
}

bool node::drain(std::chrono::milliseconds grace) {
  if (requests_) {
    caf::anon_send_exit(requests_, caf::exit_reason::user_shutdown);
    requests_ = nullptr;
  }
  if (!dispatcher_ || !system_)
    return true;
  caf::scoped_actor self{*system_};
  bool drained = false;
  self->request(dispatcher_, grace, actors::drain_atom::value)
      .receive([&] { drained = true; }, [&](caf::error&) { drained = false; });
  return drained;
}

void node::stop() {
  {
    std::lock_guard lock{cluster_mutex_};
    stopped_ = true;
    if (cluster_) {
      caf::anon_send_exit(cluster_, caf::exit_reason::user_shutdown);
      cluster_ = nullptr;
    }
  }
  if (commands_) {
    caf::anon_send_exit(commands_, caf::exit_reason::user_shutdown);
    commands_ = nullptr;
  }
  if (heartbeat_) {
    // The last beat says the node is leaving; the emitter stops after it.
    caf::anon_send(heartbeat_, actors::leaving_atom::value);
    heartbeat_ = nullptr;
  }
  if (archiver_) {
    caf::anon_send_exit(archiver_, caf::exit_reason::user_shutdown);
    archiver_ = nullptr;
  }
  if (requests_) {
    caf::anon_send_exit(requests_, caf::exit_reason::user_shutdown);
    requests_ = nullptr;
  }
  if (dispatcher_) {
    caf::anon_send_exit(dispatcher_, caf::exit_reason::user_shutdown);
    dispatcher_ = nullptr;
  }
  if (ctx_.worker_pool) {
    caf::anon_send_exit(ctx_.worker_pool, caf::exit_reason::user_shutdown);
    ctx_.worker_pool = nullptr;
  }
}

void node::flush_records() {
  if (recorder_)
    recorder_->flush();
}

node::~node() {
  stop();
}

} // namespace boa::runtime
