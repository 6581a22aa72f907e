#pragma once

// What a step plugin implements: a shared library, loaded with `load_step_plugin`, that defines
//
//   extern "C" void boa_register_steps(boa::runtime::cpp_step_registry& registry) {
//     registry.add("resize", [](const boa::protocol::properties& props) { ... });
//   }
//
// A plugin is built against the same boa headers and Boost version as the node and is never
// unloaded (its functions stay registered for the life of the process).

#include "runtime/executors/cpp_step_registry.hpp"

extern "C" void boa_register_steps(boa::runtime::cpp_step_registry& registry);

namespace boa::runtime {

/// The type and the symbol name of the entry point above.
using register_steps_function = void (*)(cpp_step_registry&);
inline constexpr const char* register_steps_symbol = "boa_register_steps";

} // namespace boa::runtime
