// A step plugin for plugin_loader_test: registers `plugin.greet` and `plugin.fail`.
#include "runtime/executors/step_plugin.hpp"

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <stdexcept>

extern "C" void boa_register_steps(boa::runtime::cpp_step_registry& registry) {
  registry.add("plugin.greet", [](const boa::protocol::properties& props) -> boost::json::value {
    std::string name = "nobody";
    if (const auto* n = props.if_contains("name"); n && n->is_string())
      name = std::string(n->get_string());
    return boost::json::object{{"greeting", "hello, " + name}};
  });
  registry.add("plugin.fail", [](const boa::protocol::properties&) -> boost::json::value {
    throw std::runtime_error("failing from a plugin");
  });
}
