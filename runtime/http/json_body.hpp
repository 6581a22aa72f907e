#pragma once

#include "runtime/http/http_reply.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <string_view>

namespace boa::http {

/// Parses a request body as the protocol's decoders parse messages (`protocol::parse_json`: exact
/// numbers, no infinities) into `into`; the 400 `bad_json` reply, saying where, when it is not
/// JSON.
std::optional<http_reply> parse_json_body(std::string_view body, boost::json::value& into);

} // namespace boa::http
