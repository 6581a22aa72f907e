#include "runtime/executors/standard_executors.hpp"

#include "runtime/executors/builtin_executors.hpp"
#include "runtime/executors/cpp_executor.hpp"
#include "runtime/executors/exec_executor.hpp"

namespace boa::runtime {

void add_standard_executors(actors::executor_registry& registry,
                            std::shared_ptr<cpp_step_registry> functions) {
  registry.add("noop", std::make_shared<noop_executor>());
  registry.add("sleep", std::make_shared<sleep_executor>());
  registry.add("fail", std::make_shared<fail_executor>());
  registry.add("set", std::make_shared<set_executor>());
  registry.add("exec", std::make_shared<exec_executor>());
  registry.add("cpp", std::make_shared<cpp_executor>(std::move(functions)));
}

} // namespace boa::runtime
