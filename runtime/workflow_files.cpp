#include "runtime/workflow_files.hpp"

#include "protocol/workflow_codec.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

namespace boa::runtime {

expected<protocol::workflow_ptr>
load_workflow_file(const std::filesystem::path& file,
                   const std::function<bool(const std::string&)>& known_kinds) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return error{errc::not_found, file.string() + ": cannot read workflow definition"};
  std::stringstream text;
  text << in.rdbuf();
  auto decoded = protocol::parse_workflow(text.str(), known_kinds);
  std::string errors;
  std::size_t count = 0;
  for (const auto& p : decoded.problems) {
    auto line = file.string() + ": " + protocol::to_string(p);
    if (p.warning) {
      std::cerr << line << '\n';
    } else {
      errors += (count++ ? "\n" : "") + line;
    }
  }
  if (!decoded.ok())
    return error{errc::invalid_input,
                 errors.empty() ? file.string() + ": invalid workflow definition" : errors};
  return decoded.workflow;
}

actors::workflow_resolver workflow_directory_resolver(std::filesystem::path dir) {
  return [dir = std::move(dir)](const std::string& ref) -> expected<protocol::workflow_ptr> {
    auto at = ref.find('@');
    auto name = ref.substr(0, at);
    if (name.empty() || name.find('/') != std::string::npos || name.front() == '.')
      return error{errc::invalid_input, "workflow reference '" + ref + "' is not a name"};
    auto loaded = load_workflow_file(dir / (name + ".json"));
    if (!loaded)
      return loaded.error();
    if (at != std::string::npos) {
      auto wanted = ref.substr(at + 1);
      auto have = (*loaded)->def.revision;
      if (!have || std::to_string(*have) != wanted)
        return error{errc::not_found,
                     "workflow '" + ref + "': " + (dir / (name + ".json")).string() +
                         " holds revision " + (have ? std::to_string(*have) : std::string("none"))};
    }
    return *loaded;
  };
}

} // namespace boa::runtime
