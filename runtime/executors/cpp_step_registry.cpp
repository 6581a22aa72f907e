#include "runtime/executors/cpp_step_registry.hpp"

namespace boa::runtime {

std::shared_ptr<const cpp_step_function> cpp_step_registry::find(const std::string& name) const {
  std::shared_lock lock(mutex_);
  auto i = functions_.find(name);
  return i == functions_.end() ? nullptr : i->second;
}

std::vector<std::string> cpp_step_registry::names() const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> result;
  result.reserve(functions_.size());
  for (const auto& entry : functions_)
    result.push_back(entry.first);
  return result;
}

} // namespace boa::runtime
