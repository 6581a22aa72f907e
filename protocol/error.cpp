#include "protocol/error.hpp"

#include <ostream>

namespace boa {

const char* to_string(errc code) {
  switch (code) {
  case errc::invalid_input:
    return "invalid input";
  case errc::not_found:
    return "not found";
  case errc::io:
    return "I/O error";
  case errc::corrupt:
    return "corrupt data";
  case errc::timeout:
    return "timeout";
  case errc::canceled:
    return "canceled";
  case errc::step_failed:
    return "step failed";
  case errc::internal:
    return "internal error";
  }
  return "unknown error";
}

std::ostream& operator<<(std::ostream& out, errc code) {
  return out << to_string(code);
}

} // namespace boa
