#pragma once

#include "actors/bus/bus.hpp"
#include "actors/cluster_aggregator.hpp"
#include "actors/heartbeat_emitter.hpp"
#include "actors/node_context.hpp"
#include "actors/step_executor.hpp"
#include "protocol/expected.hpp"
#include "protocol/job_id.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace boa::protocol {
class workflow_cache;
}
namespace boa::storage {
class job_store;
class job_folders;
class job_archive;
class workflow_repository;
} // namespace boa::storage

namespace boa::actors {
class job_recorder;
class message_id_suffixes;
class delivery_claims;
class node_activity;
} // namespace boa::actors
namespace boa::storage {
class claim_store;
}
namespace boa::metrics {
class node_metrics;
}

namespace boa::runtime {

struct node_options {
  std::string node_id = "node-1";
  std::size_t workers = 4;
  /// Job store and job folders live here; empty: no store, steps run in the current directory.
  std::filesystem::path data_dir;
  std::uint32_t max_in_flight = 0; ///< 0: derived from the worker count
  std::uint32_t reduce_checkpoint_every = 16;
  /// Message size, properties, steps, branches and fan-out a job may reach (`limits.*`).
  protocol::engine_limits limits;
  /// Looks up the workflows start-job requests and map steps name; empty: the repository's
  /// `resolve` when there is a repository, else only inline definitions.
  actors::workflow_resolver resolve;
  /// The workflow repository this node answers push/list/show-workflow requests from (may be null).
  std::shared_ptr<storage::workflow_repository> repository;
  /// Answer client requests on `queue:boa.requests` (a competing consumer, like every node that
  /// does).
  bool serve_requests = false;
  /// Seeds the ids made for jobs started without one; 0: seeded from the operating system.
  std::uint64_t job_id_seed = 0;
  /// The prefix of the node's job message ids (actors/message_ids.hpp); 0: from the operating
  /// system.
  std::uint64_t message_id_prefix = 0;
  /// Take ended jobs from `queue:boa.archive` into the job store (actors/archiver.hpp). Off when
  /// someone else consumes the archive (`boad run` waits for its job there).
  bool archive = false;
  /// With `archive`: a libpq connection string of the PostgreSQL database to archive in (the
  /// schema is created there if needed); empty: the archive is the job store.
  std::string archive_postgres;
  /// Root of the job folders; empty: `<data_dir>/jobs`.
  std::filesystem::path job_folders;
  /// Publish the node's state on `topic:boa.heartbeat` this often; 0: no heartbeats.
  std::chrono::milliseconds heartbeat_interval{0};
  /// Host, pid, load and memory as heartbeats and `status` report them; empty: read from the
  /// operating system (`actors::read_host_facts`).
  actors::host_facts_source host_facts;
  /// The broker URL the heartbeats name (how others may reach this node's broker).
  std::string broker_url;
  /// Run the cluster-state aggregator from the start (otherwise from the first cluster view a
  /// client asks for).
  bool cluster_aware = false;
  /// Statuses and eviction of the aggregator's view.
  actors::cluster_view_options cluster;
  std::chrono::milliseconds cluster_eviction_interval{5000};
  /// Told of every node status change the aggregator sees; empty: each is logged at info level.
  std::function<void(const actors::node_change&)> on_cluster_change;
  /// Called (from an actor's thread) when a `shutdown` node command came: the owner of the node
  /// drains and stops it as on SIGTERM. Empty: the node refuses `shutdown` commands.
  std::function<void()> on_shutdown_requested;
  /// Where the node's wire timestamps come from; null: the system clock. Must outlive the node.
  const actors::wall_clock* clock = nullptr;
  /// Where the node counts what `/metrics` shows (null: nothing is counted). Must outlive the
  /// node; the bus counts its deliveries there only if it was given the same.
  metrics::node_metrics* metrics = nullptr;
  /// Spawn the step workers, archiver and command and request handlers on threads of their own
  /// (their work may block). Off only with executors that never block, as in the simulator, where
  /// one scheduler must run every actor.
  bool detach_blocking_actors = true;
  /// The claims the node keeps of the job states it ran (actors/delivery_claims.hpp), owned by the
  /// caller so that they outlive the node: a node started again with the same claims behaves as
  /// one restarted on the same data directory. Null: the node's own, in its claim store when it
  /// has a data directory, else in memory.
  std::shared_ptr<actors::delivery_claims> claims;
  /// The cancels and suspends the node heard and has not applied yet (actors/job_controls.hpp),
  /// owned by the caller like `claims` and for the same reason. Null: the node's own, in its
  /// claim store when it has a data directory, else in memory.
  std::shared_ptr<actors::job_controls> controls;
};

/// One node's actors composed over a bus: worker pool, job dispatcher, job store and folders, the
/// command handler (node commands on `topic:boa.node.<id>` and `topic:boa.node.all`), and (with
/// `serve_requests`) the request handler. The step kinds start-job and push-workflow
/// requests may use are those of `executor` when it is an `executor_registry` (any otherwise).
/// Stopping (or destroying) it hands every held delivery back to the bus.
class node {
public:
  static expected<std::unique_ptr<node>> start(caf::actor_system& system, bus::bus& bus,
                                               actors::step_executor_ptr executor,
                                               node_options options);
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Graceful shutdown, first half: stops taking deliveries, hands back what join and reduce
  /// waiters hold, and waits up to `grace` for running steps to finish and publish. Returns
  /// whether every runner finished in time; `stop` then hands back whatever is still held.
  bool drain(std::chrono::milliseconds grace);
  void stop();
  actors::node_context& context() { return ctx_; }
  protocol::workflow_cache& workflows() { return *workflows_; }
  /// The node's job store (null without a data directory). Call `flush_records` first to see
  /// every state published so far.
  storage::job_store* store() { return store_.get(); }
  void flush_records();
  /// The repository the node answers workflow requests from (null without one).
  storage::workflow_repository* repository() { return repository_.get(); }
  /// Where the node archives ended jobs (null when it keeps no archive).
  storage::job_archive* archive() { return ctx_.archive.get(); }
  /// The node's cluster-state aggregator, started now if it is not running yet; null once the
  /// node has stopped. Thread-safe.
  caf::actor cluster_view();
  /// The cluster-state aggregator if it runs, without starting it; null otherwise. Thread-safe.
  caf::actor running_cluster_view();

private:
  node() = default;

  actors::system_wall_clock clock_;
  std::unique_ptr<protocol::workflow_cache> workflows_;
  std::unique_ptr<storage::job_store> store_;
  std::unique_ptr<actors::job_recorder> recorder_; ///< declared after store_: destroyed first
  std::unique_ptr<storage::job_folders> folders_;
  std::unique_ptr<storage::claim_store> claim_store_;
  std::shared_ptr<actors::delivery_claims> claims_; ///< declared after claim_store_
  std::shared_ptr<actors::job_controls> controls_;  ///< declared after claim_store_
  std::shared_ptr<storage::workflow_repository> repository_;
  std::unique_ptr<protocol::job_id_generator> job_ids_;
  std::unique_ptr<actors::message_id_suffixes> message_ids_;
  actors::node_context ctx_;
  caf::actor dispatcher_;
  caf::actor requests_;
  caf::actor commands_;
  caf::actor archiver_;
  caf::actor heartbeat_;
  std::mutex cluster_mutex_;
  caf::actor cluster_;   ///< guarded by cluster_mutex_
  bool stopped_ = false; ///< guarded by cluster_mutex_
  actors::cluster_aggregator_settings cluster_settings_;
  std::unique_ptr<actors::node_activity> activity_;
  caf::actor_system* system_ = nullptr;
};

} // namespace boa::runtime
