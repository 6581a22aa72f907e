#pragma once

#include "tools/boactl/console.hpp"

#include <boost/json/value.hpp>

namespace boa::boactl {

/// `repo push`: `pushed NAME@REV` and the node's warnings (to `err`); `--json`: the node's data.
void print_pushed(console& c, const boost::json::value& data);

/// `repo list`: the names, one a line; `repo list NAME`: a table of its revisions;
/// `--json`: the node's data.
void print_workflows(console& c, const boost::json::value& data);

/// `repo show`: the definition, indented (it can be pushed again as it is); `--json`: the
/// node's data (name, revision, definition).
void print_workflow(console& c, const boost::json::value& data);

} // namespace boa::boactl
