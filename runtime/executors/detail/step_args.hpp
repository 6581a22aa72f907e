#pragma once

#include "protocol/workflow.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace boa::runtime::detail {

/// The argument `name` of a step's `run` object, or nullptr when it is absent.
const boost::json::value* find_arg(const protocol::run_spec& run, std::string_view name);

/// The message for an argument of the wrong shape, e.g.
/// "sleep: run.ms must be a non-negative integer, got string".
std::string arg_error(const protocol::run_spec& run, std::string_view name, std::string_view wanted,
                      const boost::json::value& got);

/// The message for a required argument that is absent, e.g. "cpp: run.function is required".
std::string missing_arg(const protocol::run_spec& run, std::string_view name,
                        std::string_view wanted);

} // namespace boa::runtime::detail
