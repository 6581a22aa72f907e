#pragma once

#include "actors/bus/bus.hpp"
#include "actors/job_controls.hpp"
#include "actors/step_executor.hpp"
#include "protocol/expected.hpp"
#include "protocol/job_id.hpp"
#include "protocol/limits.hpp"
#include "protocol/workflow.hpp"
#include "protocol/workflow_codec.hpp"

#include <caf/actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boa::protocol {
class workflow_cache;
}
namespace boa::storage {
class job_store;
class job_folders;
class job_archive;
} // namespace boa::storage

namespace boa::metrics {
class node_metrics;
}

namespace boa::actors {

class job_recorder;
class delivery_claims;
class message_id_suffixes;
class node_activity;

/// The time seam for timestamps that go on the wire (delays use the actor clock).
class wall_clock {
public:
  virtual ~wall_clock() = default;
  virtual std::int64_t now_ms() const = 0;
};

class system_wall_clock final : public wall_clock {
public:
  std::int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

/// Looks a workflow up by `name` or `name@revision` (map steps that name their sub-workflow).
using workflow_resolver = std::function<expected<protocol::workflow_ptr>(const std::string& ref)>;

/// Services one node's actors share. Everything here is thread-safe or read-only once the node
/// runs; actors keep their own state to themselves.
struct node_context {
  std::string node_id;
  bus::bus* bus = nullptr;
  caf::actor worker_pool;
  /// The executors the pool's workers use; job actors run non-blocking kinds with it directly.
  step_executor_ptr executor;
  protocol::workflow_cache* workflows = nullptr;
  job_recorder* recorder = nullptr; ///< may be null: no job metadata kept
  /// Where the archiver stores ended jobs (may be null: they are only logged). Shared: the
  /// archiver keeps it until it exits, which may be after the node is gone.
  std::shared_ptr<storage::job_archive> archive;
  /// How long the archiver waits before it hands back an ended job it could not store.
  std::chrono::milliseconds archive_retry_delay{1000};
  storage::job_folders* folders = nullptr; ///< may be null: steps run in the current directory
  workflow_resolver resolve;               ///< may be empty: only inline sub-workflows
  /// The step kinds the executor knows: definitions a client sends are checked against it before
  /// a job starts or a revision is stored. Empty: every kind is accepted.
  protocol::step_kind_filter known_kinds;
  /// Makes the ids of jobs started without one (the randomness seam: seeded in the simulator).
  protocol::job_id_generator* job_ids = nullptr;
  /// Ends the ids of published job messages (may be null: a random prefix per process).
  message_id_suffixes* message_ids = nullptr;
  const wall_clock* clock = nullptr;
  job_controls* controls = nullptr; ///< pending cancel/suspend requests
  /// Which copy of a job state runs when a crash made two (may be null: every copy runs).
  delivery_claims* claims = nullptr;
  /// Steps running and counters, for heartbeats (may be null).
  node_activity* activity = nullptr;
  /// What `/metrics` exposes (may be null: nothing is counted; the simulator leaves it so).
  metrics::node_metrics* metrics = nullptr;
  /// The node's cluster-state aggregator when it runs from the start (`cluster-aware`): a job
  /// state the broker delivers again is checked against it, so that the attempt a silent node
  /// had started is kept in the history with that node (may be null).
  caf::actor cluster_view;
  /// A reduce checkpoints its progress after folding this many sub-jobs.
  std::uint32_t reduce_checkpoint_every = 16;
  /// Deliveries the dispatcher holds at once (running or waiting for a worker).
  std::uint32_t max_in_flight = 64;
  /// What a definition, a start request and a running job may hold; over a limit, a request is
  /// refused and a running job ends in error.
  protocol::engine_limits limits;
  /// Spawn the actors that may block (step workers, archiver, request and command handlers) on
  /// threads of their own. The simulator turns it off so that its scheduler runs every actor.
  bool detach_blocking_actors = true;
};

} // namespace boa::actors
