#pragma once

#include "actors/step_executor.hpp"
#include "runtime/executors/cpp_step_registry.hpp"

#include <memory>

namespace boa::runtime {

/// Kind `cpp`, args `{"function": <name>}`: calls the function registered under that name with the
/// job's properties and returns its value; an exception it throws fails the step with its
/// `what()`. The function runs on the worker thread to its end: `timeout_ms` cannot interrupt it.
class cpp_executor final : public actors::step_executor {
public:
  explicit cpp_executor(std::shared_ptr<const cpp_step_registry> functions)
      : functions_(functions ? std::move(functions) : std::make_shared<cpp_step_registry>()) {}

  protocol::step_outcome run(const protocol::step_request& request) override;

private:
  std::shared_ptr<const cpp_step_registry> functions_;
};

} // namespace boa::runtime
