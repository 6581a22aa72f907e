#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace boa::boactl {

/// A duration as a person reads it: `120 ms`, `1.5 s`, `2m 05s`, `1h 02m`.
std::string format_duration(std::int64_t ms);

/// Wall-clock milliseconds since the epoch as local time, `2026-12-01 14:03:22`; `-` for 0.
std::string format_time(std::int64_t epoch_ms);

/// `text` on one line (line breaks and tabs become spaces), cut to at most `max` characters
/// with `...` at the end when it was longer; `-` when empty.
std::string excerpt(std::string_view text, std::size_t max);

/// JSON for people: the top level one member or element a line, indented by two spaces a level;
/// a nested object or array that fits on its line stays there (`"argv": ["sleep", "1"]`);
/// numbers in their shortest form (`115.74`, not `1.1574E2`).
std::string pretty_json(const boost::json::value& v);

} // namespace boa::boactl
