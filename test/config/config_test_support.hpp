#pragma once

#include "runtime/config/config_loader.hpp"
#include "test/support/temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

namespace boa::test {

/// A temporary directory to hold config files.
struct config_dir {
  temp_dir dir{"boa-config-test"};

  std::filesystem::path write(const std::string& name, std::string_view text) const {
    auto path = dir.path() / name;
    std::ofstream out(path, std::ios::binary);
    out << text;
    return path;
  }
};

/// The message of a failed load, or a note that it did not fail.
inline std::string error_of(const expected<config::node_config>& loaded) {
  return loaded ? std::string("(loaded without error)") : loaded.error().message;
}

inline expected<config::node_config> load(const std::optional<std::filesystem::path>& file,
                                          const config::environment& env = {},
                                          const config::flag_values& flags = {}) {
  return config::load_node_config(file, env, flags);
}

inline expected<config::node_config> load_env(const config::environment& env) {
  return config::load_node_config(std::nullopt, env, {});
}

} // namespace boa::test
