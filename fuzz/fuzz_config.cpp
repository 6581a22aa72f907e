// The node's configuration from all three sources at once. The input is the config file (JSON)
// up to the first NUL byte, then NUL-separated entries: `BOA_NAME=value` ones are environment
// variables, the others command-line arguments (`--workers`, `4`, `--http=127.0.0.1:0`...).
// Loading never throws, and a refusal is `invalid_input` with one problem on each line.

#include "fuzz/fuzz_check.hpp"
#include "runtime/config/config_loader.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

/// The config file the loader reads, rewritten for every input; removed when the fuzzer exits.
struct scratch_file {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("boa-fuzz-config-" + std::to_string(::getpid()) + ".json");
  ~scratch_file() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace boa::config;
  const auto text = boa::fuzz::as_text(data, size);
  const auto file_end = std::min(text.find('\0'), text.size());

  static const scratch_file scratch;
  const auto& file = scratch.path;
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(file_end));
  }

  environment env;
  std::vector<std::string> args{"boad"};
  for (std::size_t start = file_end + 1; start <= text.size();) {
    auto end = std::min(text.find('\0', start), text.size());
    std::string entry(text.substr(start, end - start));
    start = end + 1;
    if (auto eq = entry.find('='); entry.starts_with("BOA_") && eq != std::string::npos)
      env.insert_or_assign(entry.substr(0, eq), entry.substr(eq + 1));
    else
      args.push_back(std::move(entry));
  }

  flag_values flags;
  CLI::App app;
  add_node_flags(app, flags);
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
    return 0; // refused by the command-line parser, which boad reports as usage
  }
  // The fuzzed file is the only one read: a --config from the input could name any file.
  flags.config.reset();

  auto config = load_node_config(file, env, flags);
  if (!config) {
    boa::fuzz::check_input_error(config.error(), text);
    std::size_t start = 0;
    const auto& message = config.error().message;
    while (start <= message.size()) {
      auto end = std::min(message.find('\n', start), message.size());
      BOA_FUZZ_CHECK(end > start, "an empty problem line in:\n" + message);
      start = end + 1;
    }
  }
  return 0;
}
