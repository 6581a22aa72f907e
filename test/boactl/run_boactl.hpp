#pragma once

#include "tools/boactl/cli.hpp"

#include <sstream>
#include <string>
#include <vector>

namespace boa::test {

/// What one `boactl` invocation did: exit code and both outputs.
struct boactl_outcome {
  int code = -1;
  std::string out;
  std::string err;
};

/// Runs boactl's command line in-process with `args` (without the program name) against the
/// broker `connect` gives.
inline boactl_outcome run_boactl(const boactl::connect_fn& connect, std::vector<std::string> args) {
  args.insert(args.begin(), "boactl");
  std::vector<const char*> argv;
  for (const auto& a : args)
    argv.push_back(a.c_str());
  std::ostringstream out, err;
  boactl_outcome o;
  o.code = boactl::run_cli(static_cast<int>(argv.size()), argv.data(), connect, out, err);
  o.out = out.str();
  o.err = err.str();
  return o;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace boa::test
