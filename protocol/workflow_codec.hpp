#pragma once

#include "protocol/json_read.hpp"
#include "protocol/workflow.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace boa::protocol {

/// Says whether a step kind (the `kind` of a `run`) is one this process can execute.
/// Empty: every kind is accepted.
using step_kind_filter = std::function<bool(const std::string&)>;

/// The result of decoding a definition: the workflow when it is valid, and every problem found
/// (warnings, such as unreachable steps, do not prevent the workflow).
struct workflow_decoding {
  workflow_ptr workflow;
  std::vector<problem> problems;

  /// True when there is a workflow, i.e. no problem that is not a warning.
  bool ok() const noexcept { return workflow != nullptr; }
};

/// Validates a definition (every member, the run arguments of the built-in kinds, the graph rules)
/// and builds the workflow; its `source` is `json` as given.
workflow_decoding decode_workflow(const boost::json::value& json,
                                  const step_kind_filter& known_kinds = {});

/// `decode_workflow` of JSON text; a syntax error is one problem whose message says line:column.
workflow_decoding parse_workflow(std::string_view text, const step_kind_filter& known_kinds = {});

/// The canonical definition of `w` (without descriptions, which live only in a source);
/// `decode_workflow` of it gives back an equal workflow.
boost::json::object encode_workflow(const workflow& w);

} // namespace boa::protocol
