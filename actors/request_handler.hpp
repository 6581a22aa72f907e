#pragma once

#include "actors/cluster_view.hpp"
#include "actors/node_context.hpp"
#include "protocol/client_messages.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <functional>

namespace boa::storage {
class job_store;
class workflow_repository;
class job_archive;
} // namespace boa::storage

namespace boa::actors {

/// What a node can answer requests from; any may be null or empty (the node keeps no job store,
/// has no workflow repository, shows no cluster view): requests about it then get an error reply
/// saying so.
struct request_sources {
  storage::job_store* jobs = nullptr;
  storage::workflow_repository* workflows = nullptr;
  /// The node's cluster-state aggregator, started by the first call if it is not running yet
  /// (the node becomes cluster aware on demand). Answers cluster-nodes and cluster-jobs.
  std::function<caf::actor()> cluster_view;
  /// The node's archive of ended jobs: answers list-archived and show-archived.
  storage::job_archive* archive = nullptr;
};

/// The answer to one request: list-jobs and show-job from the job store, push-workflow,
/// list-workflows and show-workflow from the repository, list-archived and show-archived from
/// the archive. A pushed definition is checked against
/// `ctx.known_kinds` before it is stored. Never throws; every failure is an error reply. The
/// cluster views need the aggregator's answer: see `answer_cluster_request`.
protocol::client_reply answer_request(const node_context& ctx, const request_sources& sources,
                                      const protocol::client_request& request);

/// The answer to cluster-nodes or cluster-jobs from the aggregator's `snapshot`.
protocol::client_reply answer_cluster_request(const node_context& ctx,
                                              const protocol::client_request& request,
                                              const cluster_snapshot& snapshot);

/// Spawns a competing consumer of `queue:boa.requests` that answers each request to its reply-to
/// (correlation id: the request's message id) and accepts the request once the bus has confirmed
/// the reply. A request without a reply-to, or that does not decode, is rejected to the
/// dead-letter queue with the reason (one that does not decode still gets an error reply when it
/// says where to). Send it an exit message to stop: what it holds goes back to the queue.
caf::actor spawn_request_handler(caf::actor_system& system, node_context& ctx,
                                 request_sources sources);

} // namespace boa::actors
