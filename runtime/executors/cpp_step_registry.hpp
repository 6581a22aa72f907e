#pragma once

#include "protocol/workflow.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

namespace boa::runtime {

/// A C++ step: takes the job's properties, returns the step's value. It may throw; the exception's
/// `what()` becomes the step's error.
using cpp_step_function = std::function<boost::json::value(const protocol::properties&)>;

/// The named C++ functions that `cpp` steps run (`{"kind": "cpp", "function": "<name>"}`), added by
/// the program that embeds boa or by step plugins. Safe to use from several threads at once.
class cpp_step_registry {
public:
  /// Registers `fn` under `name`, replacing any function of that name. Defined here, not in the
  /// library, so that a step plugin calling it needs no symbol from the process that loads it.
  void add(std::string name, cpp_step_function fn) {
    auto shared = std::make_shared<const cpp_step_function>(std::move(fn));
    std::unique_lock lock(mutex_);
    functions_.insert_or_assign(std::move(name), std::move(shared));
  }

  /// The function registered under `name`, or nullptr. Callers hold it while it runs, so a
  /// concurrent `add` of the same name cannot pull it from under them.
  std::shared_ptr<const cpp_step_function> find(const std::string& name) const;

  /// Every registered name, sorted.
  std::vector<std::string> names() const;

private:
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::shared_ptr<const cpp_step_function>, std::less<>> functions_;
};

} // namespace boa::runtime
