#pragma once

#include "actors/step_executor.hpp"

namespace boa::runtime {

/// Kind `noop`: does nothing and returns null.
class noop_executor final : public actors::step_executor {
public:
  protocol::step_outcome run(const protocol::step_request& request) override;
  bool may_block(const protocol::run_spec&) const override { return false; }
};

/// Kind `sleep`, args `{"ms": <non-negative integer>}`: blocks the worker for `ms` milliseconds and
/// returns null. When `ms` exceeds the request's `timeout_ms`, it sleeps only until the timeout and
/// fails with `timed_out`.
class sleep_executor final : public actors::step_executor {
public:
  protocol::step_outcome run(const protocol::step_request& request) override;
};

/// Kind `fail`, args `{"message": <string>}` (optional): always fails, with that message.
class fail_executor final : public actors::step_executor {
public:
  protocol::step_outcome run(const protocol::step_request& request) override;
  bool may_block(const protocol::run_spec&) const override { return false; }
};

/// Kind `set`, args `{"values": <object>}` (optional): returns `values`, or an empty object, so
/// that its keys are merged into the job's properties.
class set_executor final : public actors::step_executor {
public:
  protocol::step_outcome run(const protocol::step_request& request) override;
  bool may_block(const protocol::run_spec&) const override { return false; }
};

} // namespace boa::runtime
