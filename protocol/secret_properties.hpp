#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace boa::protocol {

/// A property is secret when its name starts with this prefix (`secret_api_key`), at any depth
/// of a job's properties. Its value still reaches the steps (they need it); everything that
/// shows a job to people (the HTTP API and the dashboard, boactl, the final job `boad run`
/// prints, logs, events) shows `redacted_value` instead.
inline constexpr std::string_view secret_prefix = "secret_";

/// What a secret's value is shown as.
inline constexpr std::string_view redacted_value = "***";

/// Secret string values shorter than this are not searched for in texts (`redact_secret_values`):
/// blanking every "1" or "ok" of an error message would hide more than it protects.
inline constexpr std::size_t min_searched_secret_size = 4;

bool is_secret_property(std::string_view name);

/// `props` with the value of every secret property, at any depth, replaced by "***".
boost::json::object redact_secret_properties(boost::json::object props);

/// A job's wire form (or any object holding `properties`) with its secret properties redacted.
boost::json::value redact_job_view(boost::json::value job);

/// `text` with every occurrence of a secret string value of `props` replaced by "***": for texts
/// a step may have copied a secret into (its error message, the stderr it quotes).
std::string redact_secret_values(std::string text, const boost::json::object& props);

} // namespace boa::protocol
