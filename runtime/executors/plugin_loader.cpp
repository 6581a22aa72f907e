#include "runtime/executors/plugin_loader.hpp"

#include "runtime/executors/step_plugin.hpp"

#include <dlfcn.h>
#include <exception>
#include <filesystem>
#include <system_error>

namespace boa::runtime {

expected<void> load_step_plugin(const std::string& path, cpp_step_registry& functions) {
  const std::string what = "step plugin '" + path + "'";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return error(errc::not_found, what + ": no such file");
  // A path without '/' would be searched for in the library path; a plugin is named by its file.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void* library = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char* reason = ::dlerror();
    return error(errc::invalid_input,
                 what + ": cannot be loaded: " + (reason ? reason : "unknown dlopen error"));
  }
  ::dlerror();
  void* symbol = ::dlsym(library, register_steps_symbol);
  if (!symbol) {
    ::dlclose(library);
    return error(errc::invalid_input, what + " defines no function " + register_steps_symbol +
                                          " (declared extern \"C\", see step_plugin.hpp)");
  }
  try {
    reinterpret_cast<register_steps_function>(symbol)(functions);
  } catch (const std::exception& e) {
    return error(errc::internal, what + ": " + register_steps_symbol + " threw: " + e.what());
  } catch (...) {
    return error(errc::internal, what + ": " + register_steps_symbol + " threw");
  }
  return {};
}

} // namespace boa::runtime
