#include "runtime/executors/detail/step_args.hpp"

#include <boost/json/kind.hpp>

namespace boa::runtime::detail {

const boost::json::value* find_arg(const protocol::run_spec& run, std::string_view name) {
  return run.args.if_contains(name);
}

std::string arg_error(const protocol::run_spec& run, std::string_view name, std::string_view wanted,
                      const boost::json::value& got) {
  std::string message = run.kind;
  message += ": run.";
  message += name;
  message += " must be ";
  message += wanted;
  message += ", got ";
  message += boost::json::to_string(got.kind());
  return message;
}

std::string missing_arg(const protocol::run_spec& run, std::string_view name,
                        std::string_view wanted) {
  std::string message = run.kind;
  message += ": run.";
  message += name;
  message += " (";
  message += wanted;
  message += ") is required";
  return message;
}

} // namespace boa::runtime::detail
