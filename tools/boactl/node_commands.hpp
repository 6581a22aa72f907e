#pragma once

#include "protocol/node_command.hpp"
#include "tools/boactl/console.hpp"
#include "tools/boactl/session.hpp"

#include <string>

namespace boa::boactl {

struct node_args {
  std::string node; ///< a node id, or "all"
  protocol::node_command command;
};

/// `node ID status|drain|shutdown`, `node ID workers add|remove SYSTEM N`,
/// `node ID system start|stop|restart SYSTEM`: sends the command and prints one row per node that
/// answered (its state and workers after the command, or its error); for `all`, also the nodes
/// the heartbeats show live that did not answer. Exit 0 when every node did what was asked; 2 or 1
/// when one refused or failed (as for requests); 3 when the named node, or any live node, did not
/// answer within the timeout.
int node_command(session& s, console& c, const node_args& args);

} // namespace boa::boactl
