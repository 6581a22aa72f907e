#pragma once

#include "protocol/step_io.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

namespace boa::actors {

/// An attempt's outcome and how long after `run_timed` returned its worker is to answer with it.
struct timed_outcome {
  protocol::step_outcome outcome;
  std::chrono::milliseconds after{0};
};

/// The step-execution seam: runs one attempt of one step. `run` may block the calling worker
/// thread until the attempt ends (it is called from a step worker, never from a job actor) and must
/// be safe to call from several workers at once. It never throws: failures are outcomes.
class step_executor {
public:
  virtual ~step_executor() = default;
  virtual protocol::step_outcome run(const protocol::step_request& request) = 0;
  /// Runs the attempt and says how long its worker is to hold the outcome back. Real executors
  /// spend the attempt's time inside `run` and answer at once (the default). An executor that only
  /// models time (the simulator's) returns at once with the duration the attempt would take, and
  /// the worker answers after that long on the actor system's clock: virtual time under a test
  /// coordinator, so steps take time without blocking anything.
  virtual timed_outcome run_timed(const protocol::step_request& request) { return {run(request)}; }
  /// False for kinds that finish at once without waiting on anything (noop, set, fail): the job
  /// actor runs those itself instead of handing them to a worker thread.
  virtual bool may_block(const protocol::run_spec&) const { return true; }
};

using step_executor_ptr = std::shared_ptr<step_executor>;

/// Dispatches a request to the executor registered for its `run.kind`. Populated before the node
/// starts and read-only afterwards, so concurrent `run` calls need no lock.
class executor_registry final : public step_executor {
public:
  void add(std::string kind, step_executor_ptr executor) {
    by_kind_[std::move(kind)] = std::move(executor);
  }
  bool has(const std::string& kind) const { return by_kind_.count(kind) != 0; }
  protocol::step_outcome run(const protocol::step_request& request) override {
    auto i = by_kind_.find(request.run.kind);
    if (i == by_kind_.end())
      return protocol::step_outcome::failure("no executor for step kind '" + request.run.kind +
                                             "'");
    return i->second->run(request);
  }
  timed_outcome run_timed(const protocol::step_request& request) override {
    auto i = by_kind_.find(request.run.kind);
    if (i == by_kind_.end())
      return {run(request)};
    return i->second->run_timed(request);
  }
  bool may_block(const protocol::run_spec& run) const override {
    auto i = by_kind_.find(run.kind);
    return i == by_kind_.end() || i->second->may_block(run);
  }

private:
  std::unordered_map<std::string, step_executor_ptr> by_kind_;
};

} // namespace boa::actors
