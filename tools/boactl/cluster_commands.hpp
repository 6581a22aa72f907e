#pragma once

#include "tools/boactl/console.hpp"
#include "tools/boactl/session.hpp"

#include <chrono>

namespace boa::boactl {

/// `cluster nodes [--listen S]`: listens to the heartbeats for `listen` and prints every node
/// heard, with its status and the age of its last beat (the view is a picture of the past).
/// Exit 3 when no node was heard.
int cluster_nodes(session& s, console& c, std::chrono::milliseconds listen);

} // namespace boa::boactl
