#include "protocol/property_settings.hpp"

#include "protocol/json_read.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace boa::protocol {

namespace {

/// Whether `text` reads back from a JSON string: Boost.JSON writes the bytes of a string as they
/// are, but its reader (every node's) refuses invalid UTF-8, so a job whose properties held such
/// bytes would be a message no node could read. Asks the same reader.
bool survives_json(std::string_view text) {
  return parse_json(boost::json::serialize(boost::json::string_view(text.data(), text.size())))
      .has_value();
}

} // namespace

expected<properties> parse_property_settings(const std::vector<std::string>& settings) {
  properties props;
  for (const auto& s : settings) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      return error{errc::invalid_input, "--set '" + s + "': expected key=value"};
    if (!survives_json(s))
      return error{errc::invalid_input, "--set '" + s + "': is not valid UTF-8"};
    auto key = s.substr(0, eq);
    auto text = s.substr(eq + 1);
    // parse_json reads numbers exactly and refuses one no double holds (`1e999` stays text).
    auto value = parse_json(text);
    props.insert_or_assign(key, value ? std::move(*value) : boost::json::string(text));
  }
  return props;
}

} // namespace boa::protocol
