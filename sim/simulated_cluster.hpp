#pragma once

#include "actors/bus/broker_core.hpp"
#include "actors/delivery_claims.hpp"
#include "actors/step_executor.hpp"
#include "runtime/node.hpp"
#include "sim/node_link.hpp"
#include "sim/trace.hpp"
#include "sim/virtual_clock.hpp"

#include <caf/actor_system.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace boa::sim {

/// The nodes of a run over one broker core: each with its link, its real `runtime::node`, and
/// claims and pending job commands that outlive a crash (as a data directory would). A crashed
/// node can be started again: a new incarnation with fresh actors, a new broker session, new id
/// prefixes and the same claims and pending commands.
class simulated_cluster {
public:
  struct settings {
    std::uint64_t seed = 1;
    std::size_t workers = 2;
    bool planted_early_accept = false;
    bool planted_early_confirm = false;
    /// Adds the run's own options to a node incarnation's (its clock, heartbeats...).
    std::function<void(std::size_t index, runtime::node_options&)> configure;
    /// Told of every node incarnation once it runs.
    std::function<void(std::size_t index, runtime::node&)> started;
  };

  /// Makes the step executor of a node incarnation, given its link.
  using executor_factory = std::function<actors::step_executor_ptr(node_link&)>;

  simulated_cluster(caf::actor_system& system, std::shared_ptr<bus::broker_core> core,
                    const virtual_clock& clock, executor_factory executors, trace& events,
                    settings s);
  ~simulated_cluster();

  /// Starts `count` nodes, node-1 to node-N. An error names the node that did not start.
  expected<void> start(std::size_t count);
  std::size_t size() const { return nodes_.size(); }
  static std::string name_of(std::size_t index) { return "node-" + std::to_string(index + 1); }
  /// The index of the node `name_of` names; none for any other name.
  static std::optional<std::size_t> index_of(const std::string& name);

  bool up(std::size_t index) const { return nodes_[index].node != nullptr; }
  /// The link of the node's current incarnation (it must be up).
  node_link& link(std::size_t index) { return *nodes_[index].link; }
  /// The links of the nodes that are up.
  std::vector<node_link*> live_links() const;
  caf::actor_system& system() { return system_; }

  /// Since when the longest-silent link of a node that is up has been silent (a hang or a
  /// partition), if any is.
  std::optional<std::int64_t> earliest_silence_ms() const;
  /// The broker drops the session of every link silent for `idle_timeout_ms` at `now_ms`.
  void expire_silent_links(std::int64_t now_ms, std::int64_t idle_timeout_ms);
  /// Whether node `index` (any incarnation) was running at some moment of [from_ms, to_ms] of
  /// virtual time.
  bool was_running(std::size_t index, std::int64_t from_ms, std::int64_t to_ms) const;

  /// What the faults did on every link, those of crashed incarnations included.
  link_counters counters() const;

  /// The node's process dies: its link is cut (the broker releases what it held) and its actors
  /// are told to exit. False when it was already down.
  bool crash(std::size_t index);
  /// Starts a crashed node again. False when it is up.
  expected<bool> restart(std::size_t index);
  /// Every node left running stops (its actors hand their deliveries back).
  void stop_all();

  /// Accepts early on every link (the planted bug); call after every scheduler step.
  void flush_early_accepts();
  std::uint64_t redeliveries() const;

private:
  struct member {
    std::unique_ptr<node_link> link;
    std::unique_ptr<runtime::node> node;
    std::shared_ptr<actors::delivery_claims> claims;
    std::shared_ptr<actors::job_controls> controls;
    std::size_t incarnation = 0;
    /// When each incarnation started and, but for the current one, crashed (virtual ms).
    std::vector<std::pair<std::int64_t, std::int64_t>> lives;
  };

  expected<void> launch(std::size_t index);

  caf::actor_system& system_;
  std::shared_ptr<bus::broker_core> core_;
  const virtual_clock& clock_;
  executor_factory executors_;
  trace& trace_;
  settings settings_;
  std::vector<member> nodes_;
  std::uint64_t next_session_ = 1;
  /// Crashed incarnations: their actors may still be exiting and read their node and link, so
  /// both live until the whole run is over.
  std::vector<std::unique_ptr<runtime::node>> dead_nodes_;
  std::vector<std::unique_ptr<node_link>> dead_links_;
  std::uint64_t dead_redeliveries_ = 0;
};

} // namespace boa::sim
