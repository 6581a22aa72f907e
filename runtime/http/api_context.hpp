#pragma once

#include "actors/node_context.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace boa::storage {
class job_store;
class job_archive;
class workflow_repository;
} // namespace boa::storage

namespace boa::http {

class node_proxy;
class job_end_watch;

/// What the routes answer from: the node's actors, store and bus. Routes run on the HTTP
/// server's threads and reach actors only by request with `actor_timeout`.
struct api_context {
  caf::actor_system* system = nullptr;
  actors::node_context* node = nullptr;
  /// The node's job store; null when the node keeps none.
  storage::job_store* jobs = nullptr;
  /// The node's workflow repository; null when it has none (the repository routes answer 404).
  storage::workflow_repository* workflows = nullptr;
  /// The node's archive of ended jobs (PostgreSQL or its job store); null when it keeps none.
  storage::job_archive* archive = nullptr;
  /// Makes the store show every job state the node published so far (may be empty).
  std::function<void()> flush_records;
  /// The node's cluster-state aggregator, started on first use; null once the node stopped.
  std::function<caf::actor()> cluster_view;
  /// The aggregator if it runs already, never started for the asking (may be empty): `/metrics`
  /// reads the cluster's nodes from it.
  std::function<caf::actor()> running_cluster_view;
  /// Why the node cannot serve yet (`broker not connected`); nullopt when it can.
  std::function<std::optional<std::string>()> not_ready;
  /// Sends node commands to other nodes over the bus; set by `http_api` when the node has a bus.
  node_proxy* proxy = nullptr;
  /// How long an actor or the bus may take to answer before the request gets 504.
  std::chrono::milliseconds actor_timeout{5000};
  /// The longest `wait_ms` a start request may ask for.
  std::chrono::milliseconds max_wait{60000};
  /// Set when the API stops: a request waiting for a job answers at once. Set by `http_api`.
  const std::atomic<bool>* stopping = nullptr;
  /// Wakes a start request that waits when its job ends. Set by `http_api`; null: no waiting.
  job_end_watch* job_ends = nullptr;
};

} // namespace boa::http
