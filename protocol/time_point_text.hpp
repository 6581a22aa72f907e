#pragma once

#include "protocol/expected.hpp"

#include <cstdint>
#include <string_view>

namespace boa::protocol {

/// Reads a moment as clients write it: milliseconds since the epoch (`1796044653188`) or an
/// ISO-8601 UTC time (`2026-11-30T12:00:00Z`, optionally with a fraction of a second,
/// `2026-11-30T12:00:00.250Z`). Returns milliseconds since the epoch; errc::invalid_input saying
/// which forms are accepted otherwise.
expected<std::int64_t> parse_time_point_ms(std::string_view text);

} // namespace boa::protocol
