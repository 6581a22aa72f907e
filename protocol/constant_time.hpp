#pragma once

#include <cstddef>
#include <string_view>

namespace boa::protocol {

/// Whether `given` equals `expected`, in a time that depends only on the length of `expected`:
/// how long a wrong guess takes tells nothing about how much of it was right. For secrets a
/// client presents (HTTP tokens, broker passwords).
inline bool equal_in_constant_time(std::string_view given, std::string_view expected) {
  // Every byte of `expected` is compared, whatever `given` holds; no early exit.
  unsigned diff = given.size() == expected.size() ? 0u : 1u;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0u;
    diff |= g ^ static_cast<unsigned char>(expected[i]);
  }
  return diff == 0;
}

} // namespace boa::protocol
