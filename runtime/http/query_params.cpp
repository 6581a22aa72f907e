#include "runtime/http/query_params.hpp"

#include "protocol/time_point_text.hpp"

#include <charconv>

namespace boa::http {

std::optional<std::string_view> query_param(const http_request& req, std::string_view name) {
  auto it = req.query.find(name);
  if (it == req.query.end())
    return std::nullopt;
  return std::string_view(it->second);
}

expected<std::optional<std::int64_t>> integer_param(const http_request& req, std::string_view name,
                                                    std::int64_t min, std::int64_t max) {
  auto text = query_param(req, name);
  if (!text)
    return std::optional<std::int64_t>{};
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (text->empty() || ec != std::errc{} || end != text->data() + text->size() || n < min ||
      n > max)
    return error{errc::invalid_input, std::string(name) + ": must be an integer from " +
                                          std::to_string(min) + " to " + std::to_string(max) +
                                          ", got '" + std::string(*text) + "'"};
  return std::optional<std::int64_t>{n};
}

expected<std::optional<std::int64_t>> time_param(const http_request& req, std::string_view name) {
  auto text = query_param(req, name);
  if (!text)
    return std::optional<std::int64_t>{};
  auto ms = protocol::parse_time_point_ms(*text);
  if (!ms)
    return error{errc::invalid_input, std::string(name) + ": " + ms.error().message};
  return std::optional<std::int64_t>{*ms};
}

} // namespace boa::http
