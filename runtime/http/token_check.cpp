#include "runtime/http/token_check.hpp"

#include "protocol/constant_time.hpp"

#include <cstddef>

namespace boa::http {

bool same_token(std::string_view given, std::string_view expected) {
  return protocol::equal_in_constant_time(given, expected);
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
