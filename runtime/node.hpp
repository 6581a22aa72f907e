#pragma once

#include "actors/bus/bus.hpp"
#include "actors/node_context.hpp"
#include "actors/step_executor.hpp"
#include "protocol/expected.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace boa::protocol {
class workflow_cache;
}
namespace boa::storage {
class job_store;
class job_folders;
} // namespace boa::storage

namespace boa::actors {
class job_recorder;
}

namespace boa::runtime {

struct node_options {
  std::string node_id = "node-1";
  std::size_t workers = 4;
  /// Job store and job folders live here; empty: no store, steps run in the current directory.
  std::filesystem::path data_dir;
  std::uint32_t max_in_flight = 0; ///< 0: derived from the worker count
  std::uint32_t reduce_checkpoint_every = 16;
  actors::workflow_resolver resolve;
};

/// One node's actors composed over a bus: worker pool, job dispatcher, job store and folders.
/// Stopping (or destroying) it hands every held delivery back to the bus.
class node {
public:
  static expected<std::unique_ptr<node>> start(caf::actor_system& system, bus::bus& bus,
                                               actors::step_executor_ptr executor,
                                               node_options options);
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  void stop();
  actors::node_context& context() { return ctx_; }
  protocol::workflow_cache& workflows() { return *workflows_; }
  /// The node's job store (null without a data directory). Call `flush_records` first to see
  /// every state published so far.
  storage::job_store* store() { return store_.get(); }
  void flush_records();

private:
  node() = default;

  actors::system_wall_clock clock_;
  actors::job_controls controls_;
  std::unique_ptr<protocol::workflow_cache> workflows_;
  std::unique_ptr<storage::job_store> store_;
  std::unique_ptr<actors::job_recorder> recorder_; ///< declared after store_: destroyed first
  std::unique_ptr<storage::job_folders> folders_;
  actors::node_context ctx_;
  caf::actor dispatcher_;
};

} // namespace boa::runtime
