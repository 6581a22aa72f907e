#pragma once

#include "protocol/error.hpp"

#include <ostream>

namespace boa {

/// Lets BOOST_TEST print error codes when a comparison fails.
inline std::ostream& boost_test_print_type(std::ostream& out, errc code) {
  return out << to_string(code);
}

} // namespace boa
