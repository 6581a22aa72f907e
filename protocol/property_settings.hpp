#pragma once

#include "protocol/expected.hpp"
#include "protocol/workflow.hpp"

#include <string>
#include <vector>

namespace boa::protocol {

/// Start properties from `key=value` settings (the `--set` flags of `boad run` and `boactl job
/// start`): a value that parses as JSON is that JSON (`n=3`, `ok=true`, `xs=[1,2]`), any other
/// value is a string (`name=ada`). A later setting of the same key wins. `errc::invalid_input`
/// naming the setting when it has no `=` or an empty key.
expected<properties> parse_property_settings(const std::vector<std::string>& settings);

} // namespace boa::protocol
