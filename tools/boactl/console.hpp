#pragma once

#include <iosfwd>

namespace boa::boactl {

/// Where a command writes: results to `out`, progress, warnings and errors to `err`. With
/// `json`, `out` receives exactly one JSON document (the node's answer) and nothing else.
struct console {
  std::ostream& out;
  std::ostream& err;
  bool json = false;
};

} // namespace boa::boactl
