#pragma once

#include "protocol/expected.hpp"

#include <string>

namespace boa::test {

/// The error message of a failed decoding, or a note that it succeeded (so a check fails loudly).
template <class T> std::string why(const boa::expected<T>& decoded) {
  return decoded ? std::string("(decoded without error)") : decoded.error().message;
}

inline bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace boa::test
