#include "runtime/http/token_check.hpp"

#include <cstddef>

namespace boa::http {

bool same_token(std::string_view given, std::string_view expected) {
  // Every byte of `expected` is compared, whatever `given` holds; no early exit.
  unsigned diff = given.size() == expected.size() ? 0u : 1u;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0u;
    diff |= g ^ static_cast<unsigned char>(expected[i]);
  }
  return diff == 0;
}

std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() <= scheme.size())
    return {};
  for (std::size_t i = 0; i < scheme.size(); ++i) // the scheme is case-insensitive (RFC 7235)
    if ((authorization[i] | 0x20) != (scheme[i] | 0x20))
      return {};
  return authorization.substr(scheme.size());
}

} // namespace boa::http
