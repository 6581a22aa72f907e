#pragma once

#include "tools/boactl/console.hpp"
#include "tools/boactl/session.hpp"

#include <cstddef>

namespace boa::boactl {

/// `dead list [--limit N]`: up to `limit` messages of `queue:boa.dead`, which stay there.
int dead_list(session& s, console& c, std::size_t limit);

} // namespace boa::boactl
