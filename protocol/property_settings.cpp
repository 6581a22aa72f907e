#include "protocol/property_settings.hpp"

#include <boost/json/parse.hpp>
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
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec)
      value = boost::json::string(text);
    props.insert_or_assign(key, std::move(value));
  }
  return props;
}

} // namespace boa::protocol
