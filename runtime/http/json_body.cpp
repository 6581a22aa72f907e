#include "runtime/http/json_body.hpp"

#include "protocol/json_read.hpp"

namespace boa::http {

std::optional<http_reply> parse_json_body(std::string_view body, boost::json::value& into) {
  auto parsed = protocol::parse_json(body);
  if (!parsed)
    return error_reply(400, "bad_json", "the body is not JSON: " + parsed.error().message);
  into = std::move(*parsed);
  return std::nullopt;
}

} // namespace boa::http
