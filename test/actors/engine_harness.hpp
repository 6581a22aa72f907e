#pragma once

#include "../support/temp_dir.hpp"

#include "actors/bus/local_bus.hpp"
#include "actors/job_observer.hpp"
#include "protocol/job_codec.hpp"
#include "protocol/job_command.hpp"
#include "protocol/transition.hpp"
#include "protocol/workflow_codec.hpp"
#include "runtime/executors/standard_executors.hpp"
#include "runtime/node.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace boa::test {

/// One node on an in-process bus with the standard step kinds, a data directory of its own, and an
/// observer that collects every event and archived job.
class engine {
public:
  struct options {
    std::size_t workers = 4;
    std::uint32_t reduce_checkpoint_every = 16;
    actors::workflow_resolver resolve;
    std::shared_ptr<storage::workflow_repository> repository;
    bool serve_requests = false;
    std::chrono::milliseconds heartbeat_interval{0};
    bool cluster_aware = false;
    std::function<void()> on_shutdown_requested;
    protocol::engine_limits limits;
  };

  engine() : engine(options{}) {}
  explicit engine(options opts)
      : system_(config_), functions_(std::make_shared<runtime::cpp_step_registry>()) {
    executors_ = std::make_shared<actors::executor_registry>();
    runtime::add_standard_executors(*executors_, functions_);
    runtime::node_options node_opts;
    node_opts.workers = opts.workers;
    node_opts.data_dir = data_.path();
    node_opts.reduce_checkpoint_every = opts.reduce_checkpoint_every;
    node_opts.resolve = std::move(opts.resolve);
    node_opts.repository = std::move(opts.repository);
    node_opts.serve_requests = opts.serve_requests;
    node_opts.heartbeat_interval = opts.heartbeat_interval;
    node_opts.cluster_aware = opts.cluster_aware;
    node_opts.on_shutdown_requested = std::move(opts.on_shutdown_requested);
    node_opts.limits = opts.limits;
    node_opts_ = node_opts;
    node_ = start_node(node_opts_);
    actors::job_observer_callbacks callbacks;
    callbacks.on_event = [this](const protocol::job_event& e) {
      std::lock_guard guard{mutex_};
      events_.push_back(e);
      changed_.notify_all();
    };
    callbacks.on_archived = [this](const protocol::job& j) {
      std::lock_guard guard{mutex_};
      archived_.insert_or_assign(j.id, j);
      changed_.notify_all();
    };
    observer_ = actors::spawn_job_observer(system_, bus_, &node_->workflows(), callbacks);
  }

  ~engine() {
    for (auto& old : stopped_)
      old->stop();
    node_->stop();
    caf::anon_send_exit(observer_, caf::exit_reason::user_shutdown);
    system_.await_all_actors_done();
  }

  static protocol::workflow_ptr workflow(const std::string& json) {
    auto decoded = protocol::parse_workflow(json);
    if (!decoded.ok()) {
      std::string all;
      for (const auto& p : decoded.problems)
        all += protocol::to_string(p) + "\n";
      throw std::runtime_error("test workflow is invalid:\n" + all);
    }
    return decoded.workflow;
  }

  /// Publishes a new job to `queue:boa.jobs.new`; returns its id.
  std::string start(const std::string& workflow_json, protocol::properties props = {},
                    std::string id = {}) {
    if (id.empty())
      id = "job-" + std::to_string(++started_);
    auto j = protocol::transition::start(id, workflow(workflow_json), props, clock_.now_ms());
    publish_job(protocol::addresses::new_jobs, j);
    return id;
  }

  void publish_job(const std::string& address, const protocol::job& j) {
    protocol::envelope env;
    env.address = address;
    env.subject = "job";
    env.body = protocol::serialize_job(j);
    bus_.publish(std::move(env), caf::actor{}, 0);
  }

  /// Publishes a job command as a client would, by default unstamped and broadcast only.
  void command(const std::string& job_id, protocol::job_command::action what,
               std::int64_t issued_ms = 0,
               const std::string& address = protocol::addresses::commands) {
    protocol::envelope env;
    env.address = address;
    env.subject = "job-command";
    env.body = protocol::serialize_command({job_id, what, issued_ms});
    bus_.publish(std::move(env), caf::actor{}, 0);
  }

  /// Waits (up to a generous bound, so that a hang fails instead of blocking CI) for the job to be
  /// archived.
  protocol::job wait(const std::string& id, std::chrono::seconds bound = std::chrono::seconds(60)) {
    std::unique_lock lock{mutex_};
    if (!changed_.wait_for(lock, bound, [&] { return archived_.count(id) != 0; }))
      throw std::runtime_error("job " + id + " did not end within " +
                               std::to_string(bound.count()) + " s");
    return archived_.at(id);
  }

  protocol::job run(const std::string& workflow_json, protocol::properties props = {}) {
    return wait(start(workflow_json, std::move(props)));
  }

  /// Waits until `pred()` holds, checking every 10 ms, within a bound so that a hang fails.
  template <class Predicate>
  bool eventually(Predicate pred, std::chrono::seconds bound = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  std::vector<protocol::job_event> events() {
    std::lock_guard guard{mutex_};
    return events_;
  }
  std::size_t archived_count() {
    std::lock_guard guard{mutex_};
    return archived_.size();
  }

  /// Stops the node (as a graceful shutdown would: what it holds goes back to the bus) and starts
  /// a fresh one with another id on the same bus.
  void replace_node() {
    node_->stop();
    stopped_.push_back(std::move(node_));
    auto opts = node_opts_;
    opts.node_id = "node-" + std::to_string(stopped_.size() + 1);
    opts.data_dir = data_.path() / opts.node_id;
    node_ = start_node(opts);
  }

  runtime::cpp_step_registry& functions() { return *functions_; }
  bus::local_bus& bus() { return bus_; }
  caf::actor_system& system() { return system_; }
  runtime::node& node() { return *node_; }
  const std::filesystem::path& data_dir() const { return data_.path(); }

private:
  std::unique_ptr<runtime::node> start_node(const runtime::node_options& opts) {
    auto n = runtime::node::start(system_, bus_, executors_, opts);
    if (!n)
      throw std::runtime_error(n.error().message);
    return std::move(*n);
  }

  temp_dir data_{"boa-engine"};
  caf::actor_system_config config_;
  caf::actor_system system_;
  bus::local_bus bus_;
  std::shared_ptr<runtime::cpp_step_registry> functions_;
  std::shared_ptr<actors::executor_registry> executors_;
  runtime::node_options node_opts_;
  std::unique_ptr<runtime::node> node_;
  std::vector<std::unique_ptr<runtime::node>> stopped_; ///< kept until their actors are gone
  caf::actor observer_;
  actors::system_wall_clock clock_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<protocol::job_event> events_;
  std::map<std::string, protocol::job> archived_;
  int started_ = 0;
};

} // namespace boa::test
