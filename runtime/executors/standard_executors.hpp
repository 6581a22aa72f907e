#pragma once

#include "actors/step_executor.hpp"
#include "runtime/executors/cpp_step_registry.hpp"

#include <memory>

namespace boa::runtime {

/// Registers the step kinds every node offers: noop, sleep, fail, set, exec, and cpp (which runs
/// the functions of `functions`, including those plugins add later).
void add_standard_executors(actors::executor_registry& registry,
                            std::shared_ptr<cpp_step_registry> functions);

} // namespace boa::runtime
