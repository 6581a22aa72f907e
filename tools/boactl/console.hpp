#pragma once

#include <iosfwd>

namespace boa::boactl {

/// Where a command writes: results to `out`, progress, warnings and errors to `err`. With
/// `json`, `out` receives exactly one JSON document (the node's answer) and nothing else.
struct console {
  std::ostream& out;
  std::ostream& err;
  bool json = false;
  /// `out` is a terminal: views shown with --watch redraw the screen instead of following on.
  bool terminal = false;
};

} // namespace boa::boactl
