#include "runtime/executors/cpp_executor.hpp"

#include "runtime/executors/detail/step_args.hpp"
#include "runtime/executors/detail/utf8.hpp"

#include <exception>

namespace boa::runtime {

using protocol::step_outcome;

namespace {

std::string known_names(const cpp_step_registry& functions) {
  const auto names = functions.names();
  if (names.empty())
    return "none is registered";
  std::string text = "known: ";
  for (std::size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "'" : ", '") + names[i] + "'";
  return text;
}

} // namespace

step_outcome cpp_executor::run(const protocol::step_request& request) {
  const auto* arg = detail::find_arg(request.run, "function");
  if (!arg)
    return step_outcome::failure(detail::missing_arg(request.run, "function", "a string"));
  const auto* name = arg->if_string();
  if (!name)
    return step_outcome::failure(detail::arg_error(request.run, "function", "a string", *arg));
  const std::string function_name(*name);
  const auto function = functions_->find(function_name);
  if (!function)
    return step_outcome::failure(request.run.kind + ": unknown function '" + function_name + "' (" +
                                 known_names(*functions_) + ")");
  if (!*function)
    return step_outcome::failure(request.run.kind + ": function '" + function_name +
                                 "' is registered empty");
  try {
    return step_outcome::success((*function)(request.props));
  } catch (const std::exception& e) {
    return step_outcome::failure(request.run.kind + " function '" + function_name +
                                 "' failed: " + detail::to_valid_utf8(e.what()));
  } catch (...) {
    return step_outcome::failure(request.run.kind + " function '" + function_name +
                                 "' threw something that is not a std::exception");
  }
}

} // namespace boa::runtime
