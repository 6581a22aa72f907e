#pragma once

#include "runtime/config/config_loader.hpp"
#include "runtime/config/detail/setting_values.hpp"
#include "runtime/config/node_config.hpp"
#include "runtime/config/settings.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boa::config::detail {

/// One setting with the code that reads its value into a `node_config`. Each `apply_*` stores
/// the value and returns nothing, or returns what is wrong and leaves the config as it was.
struct setting {
  setting_info info;
  bool is_bool = false; ///< a bare flag means true
  /// Where its flag is stored: one of the two is set.
  std::optional<std::string> flag_values::*flag_text = nullptr;
  std::optional<std::vector<std::string>> flag_values::*flag_list = nullptr;

  std::function<std::optional<value_error>(node_config&, const boost::json::value&,
                                           const value_context&)>
      apply_json;
  /// From a variable (a list is split on ':') or a single flag.
  std::function<std::optional<value_error>(node_config&, std::string_view, const value_context&)>
      apply_text;
  /// From a repeated flag (lists only).
  std::function<std::optional<value_error>(node_config&, const std::vector<std::string>&,
                                           const value_context&)>
      apply_texts;
};

/// Every setting, in reference order.
const std::vector<setting>& setting_table();

} // namespace boa::config::detail
