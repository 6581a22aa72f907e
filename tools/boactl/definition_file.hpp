#pragma once

#include "protocol/expected.hpp"

#include <boost/json/object.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace boa::boactl {

/// A workflow definition read from a file and validated here, before anything is sent.
struct definition_file {
  boost::json::object definition; ///< as written in the file
  std::string name;
  std::vector<std::string> warnings; ///< `FILE: PATH: warning: REASON`, one a line
};

/// Reads and validates a definition the way a node will (except that any step kind is accepted:
/// only a node knows which it can run). errc::not_found when the file cannot be read;
/// errc::invalid_input listing every problem, one a line, as `FILE: PATH: REASON`.
expected<definition_file> read_definition_file(const std::filesystem::path& file);

/// Whether a `job start` argument names a definition file rather than a workflow of the
/// repository (`NAME` or `NAME@REV`): it ends in `.json`, holds a `/`, or is an existing file.
bool names_a_file(std::string_view argument);

} // namespace boa::boactl
