#pragma once

#include "actors/node_context.hpp"
#include "protocol/expected.hpp"
#include "protocol/workflow.hpp"

#include <filesystem>
#include <functional>
#include <string>

namespace boa::runtime {

/// Reads and validates a workflow definition file. Warnings go to stderr; on failure the error
/// lists every problem, one per line, each as `FILE: PATH: REASON`.
expected<protocol::workflow_ptr>
load_workflow_file(const std::filesystem::path& file,
                   const std::function<bool(const std::string&)>& known_kinds = {});

/// Resolves `name` or `name@revision` to `<dir>/<name>.json` (map steps that name their
/// sub-workflow, run from a file); a revision must match the file's own.
actors::workflow_resolver workflow_directory_resolver(std::filesystem::path dir);

} // namespace boa::runtime
