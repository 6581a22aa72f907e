#pragma once

#include "protocol/expected.hpp"
#include "runtime/http/router.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace boa::http {

/// The query parameter `name` of `req`, if given.
std::optional<std::string_view> query_param(const http_request& req, std::string_view name);

/// `name` as an integer in [min, max]; nullopt when absent; errc::invalid_input naming the
/// parameter otherwise.
expected<std::optional<std::int64_t>> integer_param(const http_request& req, std::string_view name,
                                                    std::int64_t min, std::int64_t max);

/// `name` as a moment (epoch milliseconds or ISO-8601 UTC, protocol/time_point_text.hpp);
/// nullopt when absent; errc::invalid_input naming the parameter otherwise.
expected<std::optional<std::int64_t>> time_param(const http_request& req, std::string_view name);

} // namespace boa::http
