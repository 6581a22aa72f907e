#include "tools/boactl/definition_file.hpp"

#include "protocol/workflow_codec.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

namespace boa::boactl {

expected<definition_file> read_definition_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::error_code ec;
    auto why = std::filesystem::exists(file, ec) ? "cannot be read" : "no such file";
    return error{errc::not_found, file.string() + ": " + why};
  }
  std::stringstream text;
  text << in.rdbuf();
  auto decoded = protocol::parse_workflow(text.str());
  definition_file out;
  std::string errors;
  for (const auto& p : decoded.problems) {
    auto line = file.string() + ": " + protocol::to_string(p);
    if (p.warning)
      out.warnings.push_back(std::move(line));
    else
      errors += (errors.empty() ? "" : "\n") + line;
  }
  if (!decoded.ok())
    return error{errc::invalid_input,
                 errors.empty() ? file.string() + ": invalid workflow definition" : errors};
  out.definition = decoded.workflow->source;
  out.name = decoded.workflow->def.name;
  return out;
}

bool names_a_file(std::string_view argument) {
  if (argument.size() > 5 && argument.substr(argument.size() - 5) == ".json")
    return true;
  if (argument.find('/') != std::string_view::npos)
    return true;
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::path(argument), ec);
}

} // namespace boa::boactl
