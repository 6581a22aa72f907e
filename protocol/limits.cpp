#include "protocol/limits.hpp"

#include <boost/json/serializer.hpp>

#include <array>

namespace boa::protocol {

namespace {

std::string limit_text(std::size_t limit, std::string_view setting) {
  return "the limit of " + std::to_string(limit) + " (setting " + std::string(setting) + ")";
}

/// Serializes through a small buffer that is reused: the size without the text.
template <class Json> std::size_t serialized_size(const Json& json) {
  boost::json::serializer sr;
  sr.reset(&json);
  std::array<char, 4096> buf;
  std::size_t n = 0;
  while (!sr.done())
    n += sr.read(buf.data(), buf.size()).size();
  return n;
}

} // namespace

std::size_t json_size(const boost::json::value& v) {
  return serialized_size(v);
}

std::size_t json_size(const boost::json::object& o) {
  return serialized_size(o);
}

std::optional<std::string> over_byte_limit(std::string_view what, std::size_t bytes,
                                           std::size_t limit, std::string_view setting) {
  if (limit == 0 || bytes <= limit)
    return std::nullopt;
  return std::string(what) + " is " + std::to_string(bytes) + " bytes, more than " +
         limit_text(limit, setting);
}

std::vector<problem> check_workflow_limits(const workflow& w, const engine_limits& limits) {
  std::vector<problem> problems;
  if (limits.max_steps != 0 && w.steps.size() > limits.max_steps)
    problems.push_back({"steps", std::to_string(w.steps.size()) + " steps, more than " +
                                     limit_text(limits.max_steps, limit_settings::max_steps)});
  for (std::size_t i = 0; i < w.steps.size(); ++i)
    if (auto why = fork_over_limit(w.steps[i], w.steps[i].next.size(), limits))
      problems.push_back({"steps[" + std::to_string(i) + "].next", *why});
  return problems;
}

std::optional<error> workflow_over_limits(const workflow& w, const engine_limits& limits,
                                          std::string_view subject, std::string_view prefix) {
  return every_error(check_workflow_limits(w, limits), subject, prefix);
}

std::optional<error> message_over_limit(std::string_view what, std::size_t bytes,
                                        std::size_t max_message_bytes) {
  auto why = over_byte_limit(what, bytes, max_message_bytes, limit_settings::max_message_bytes);
  if (!why)
    return std::nullopt;
  return error{errc::invalid_input, std::move(*why)};
}

std::optional<std::string> properties_over_limit(const properties& props,
                                                 const engine_limits& limits,
                                                 std::string_view where) {
  if (limits.max_properties_bytes == 0)
    return std::nullopt;
  return over_byte_limit("the JSON of the job's properties " + std::string(where), json_size(props),
                         limits.max_properties_bytes, limit_settings::max_properties_bytes);
}

std::optional<std::string> fork_over_limit(const step& s, std::size_t branches,
                                           const engine_limits& limits) {
  if (!s.parallel || limits.max_parallel_branches == 0 || branches <= limits.max_parallel_branches)
    return std::nullopt;
  return "parallel step '" + s.id + "' forks into " + std::to_string(branches) +
         " branches, more than " +
         limit_text(limits.max_parallel_branches, limit_settings::max_parallel_branches);
}

std::optional<std::string> fan_out_over_limit(const step& s, std::size_t items,
                                              const engine_limits& limits) {
  if (limits.max_map_fan_out == 0 || items <= limits.max_map_fan_out)
    return std::nullopt;
  return "map step '" + s.id + "' has " + std::to_string(items) + " items, more sub-jobs than " +
         limit_text(limits.max_map_fan_out, limit_settings::max_map_fan_out);
}

} // namespace boa::protocol
