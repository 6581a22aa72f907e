#pragma once

#include <string_view>

namespace boa::http {

/// Whether `given` equals `expected`, in a time that depends only on the length of `expected`:
/// how long a wrong guess takes tells nothing about how much of it was right.
bool same_token(std::string_view given, std::string_view expected);

/// The token of an `Authorization: Bearer <token>` header value; empty when it is not one.
std::string_view bearer_token(std::string_view authorization);

} // namespace boa::http
