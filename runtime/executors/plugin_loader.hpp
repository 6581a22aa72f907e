#pragma once

#include "protocol/expected.hpp"
#include "runtime/executors/cpp_step_registry.hpp"

#include <string>

namespace boa::runtime {

/// Loads the step plugin at `path` (a shared library, see step_plugin.hpp) and lets it add its
/// functions to `functions`. Errors: `not_found` for a missing file, `invalid_input` for a file
/// that is not a loadable library or has no `boa_register_steps`, `internal` when registration
/// throws. A loaded plugin stays loaded.
expected<void> load_step_plugin(const std::string& path, cpp_step_registry& functions);

} // namespace boa::runtime
