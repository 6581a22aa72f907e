#include "runtime/executors/builtin_executors.hpp"

#include "runtime/executors/detail/step_args.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>

namespace boa::runtime {

using protocol::step_outcome;

step_outcome noop_executor::run(const protocol::step_request&) {
  return step_outcome::success(nullptr);
}

namespace {

/// A JSON number that is a whole, non-negative count of milliseconds.
std::optional<std::int64_t> as_milliseconds(const boost::json::value& v) {
  if (const auto* i = v.if_int64(); i && *i >= 0)
    return *i;
  if (const auto* u = v.if_uint64(); u && *u <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(*u);
  return std::nullopt;
}

} // namespace

step_outcome sleep_executor::run(const protocol::step_request& request) {
  constexpr const char* wanted = "a non-negative integer of milliseconds";
  const auto* arg = detail::find_arg(request.run, "ms");
  if (!arg)
    return step_outcome::failure(detail::missing_arg(request.run, "ms", wanted));
  const auto ms = as_milliseconds(*arg);
  if (!ms)
    return step_outcome::failure(detail::arg_error(request.run, "ms", wanted, *arg));
  if (request.timeout_ms > 0 && *ms > request.timeout_ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(request.timeout_ms));
    return step_outcome::failure("sleep: timed out after " + std::to_string(request.timeout_ms) +
                                     " ms (asked to sleep " + std::to_string(*ms) + " ms)",
                                 true);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(*ms));
  return step_outcome::success(nullptr);
}

step_outcome fail_executor::run(const protocol::step_request& request) {
  const auto* arg = detail::find_arg(request.run, "message");
  if (!arg)
    return step_outcome::failure("failed on purpose (a fail step)");
  if (const auto* message = arg->if_string())
    return step_outcome::failure(std::string(*message));
  return step_outcome::failure(detail::arg_error(request.run, "message", "a string", *arg));
}

step_outcome set_executor::run(const protocol::step_request& request) {
  const auto* arg = detail::find_arg(request.run, "values");
  if (!arg)
    return step_outcome::success(boost::json::object());
  if (!arg->is_object())
    return step_outcome::failure(detail::arg_error(request.run, "values", "an object", *arg));
  return step_outcome::success(*arg);
}

} // namespace boa::runtime
