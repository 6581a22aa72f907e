#include "protocol/property_settings.hpp"

#include "protocol/json_read.hpp"

#include <boost/json/string.hpp>

namespace boa::protocol {

expected<properties> parse_property_settings(const std::vector<std::string>& settings) {
  properties props;
  for (const auto& s : settings) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      return error{errc::invalid_input, "--set '" + s + "': expected key=value"};
    auto key = s.substr(0, eq);
    auto text = s.substr(eq + 1);
    // parse_json reads numbers exactly and refuses one no double holds (`1e999` stays text).
    auto value = parse_json(text);
    props.insert_or_assign(key, value ? std::move(*value) : boost::json::string(text));
  }
  return props;
}

} // namespace boa::protocol
