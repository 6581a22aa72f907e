#include "runtime/executors/exec_executor.hpp"

#include "runtime/executors/detail/step_args.hpp"
#include "runtime/executors/detail/subprocess.hpp"
#include "runtime/executors/detail/utf8.hpp"

#include "protocol/json_read.hpp"

#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string_view>
#include <unistd.h>

namespace boa::runtime {

using protocol::step_outcome;

namespace {

/// How much of stdout a "not JSON" failure quotes.
constexpr std::size_t quoted_stdout_bytes = 200;
/// Longer timeouts count as none (and cannot overflow the clock).
constexpr std::int64_t max_timeout_ms = std::int64_t{1} << 40;

struct exec_args {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
};

bool has_nul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}

expected<exec_args> read_args(const protocol::run_spec& run) {
  auto invalid = [](std::string message) { return error(errc::invalid_input, std::move(message)); };
  exec_args result;
  const auto* argv = detail::find_arg(run, "argv");
  if (!argv)
    return invalid(detail::missing_arg(run, "argv", "an array of strings"));
  const auto* array = argv->if_array();
  if (!array)
    return invalid(detail::arg_error(run, "argv", "an array of strings", *argv));
  if (array->empty())
    return invalid(run.kind + ": run.argv must name a program");
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string name = "argv[" + std::to_string(i) + "]";
    const auto* s = (*array)[i].if_string();
    if (!s)
      return invalid(detail::arg_error(run, name, "a string", (*array)[i]));
    if (has_nul(*s))
      return invalid(run.kind + ": run." + name + " contains a NUL byte");
    result.argv.emplace_back(*s);
  }
  if (result.argv.front().empty())
    return invalid(run.kind + ": run.argv[0] must name a program");

  const auto* env = detail::find_arg(run, "env");
  if (!env)
    return result;
  const auto* object = env->if_object();
  if (!object)
    return invalid(detail::arg_error(run, "env", "an object of strings", *env));
  for (const auto& [key, value] : *object) {
    const std::string name(key);
    if (name.empty() || name.find('=') != std::string::npos || has_nul(name))
      return invalid(run.kind + ": run.env: '" + name + "' is not a variable name");
    const auto* s = value.if_string();
    if (!s)
      return invalid(detail::arg_error(run, "env." + name, "a string", value));
    if (has_nul(*s))
      return invalid(run.kind + ": run.env." + name + " contains a NUL byte");
    result.env[name] = std::string(*s);
  }
  return result;
}

/// Variables a step inherits from the node, because ordinary programs need them to work: where
/// programs are, the user's home, how to speak and tell time. Nothing else of the node's
/// environment reaches a step: it may hold the node's own secrets (BOA_* settings, broker and
/// database passwords).
constexpr const char* inherited_variables[] = {"PATH", "HOME", "LANG", "LC_ALL", "TZ"};

/// PATH when the node has none, so that `sh` and friends are still found.
constexpr const char* fallback_path = "/usr/local/bin:/usr/bin:/bin";

/// The step's whole environment: the inherited few, then the step's `env`, then the attempt's
/// identity (later ones win).
std::vector<std::string> child_environment(const std::map<std::string, std::string>& step_env,
                                           const protocol::step_request& request) {
  std::map<std::string, std::string> env;
  for (const char* name : inherited_variables)
    if (const char* value = ::getenv(name))
      env[name] = value;
  if (env.count("PATH") == 0)
    env["PATH"] = fallback_path;
  for (const auto& [name, value] : step_env)
    env[name] = value;
  env["BOA_JOB_ID"] = request.job_id;
  env["BOA_STEP_ID"] = request.step_id;
  env["BOA_ATTEMPT"] = std::to_string(request.attempt);
  env["BOA_JOB_DIR"] = request.job_dir;
  std::vector<std::string> result;
  result.reserve(env.size());
  for (const auto& [name, value] : env)
    result.push_back(name + "=" + value);
  return result;
}

/// The end of stderr, fit to quote in an error: valid UTF-8, without trailing blank lines.
std::string quoted_stderr(const detail::subprocess_result& result) {
  std::string tail = detail::to_valid_utf8(result.error_tail);
  const auto end = tail.find_last_not_of(" \t\r\n");
  tail.erase(end == std::string::npos ? 0 : end + 1);
  if (result.error_truncated && !tail.empty())
    tail.insert(0, "...");
  return tail;
}

/// The error of a failed run: the end of stderr, then what happened to the program.
step_outcome failed(const std::string& program, const detail::subprocess_result& result,
                    const std::string& what, bool timed_out = false) {
  std::string message = quoted_stderr(result);
  if (!message.empty())
    message += '\n';
  message += "'" + program + "': " + what;
  return step_outcome::failure(std::move(message), timed_out);
}

std::string signal_text(int signal) {
  std::string text = "killed by signal " + std::to_string(signal);
  if (const char* name = ::sigabbrev_np(signal))
    text += std::string(" (SIG") + name + ")";
  return text;
}

step_outcome parse_output(const std::string& program, const std::string& output) {
  if (output.find_first_not_of(" \t\r\n") == std::string::npos)
    return step_outcome::success(nullptr);
  // protocol's reader, as every node reads the job this output goes into: numbers read exactly,
  // and none that a double cannot hold (it would be written back as `Infinity`).
  auto value = protocol::parse_json(output);
  if (value)
    return step_outcome::success(std::move(*value));
  const auto head = std::string_view(output).substr(0, quoted_stdout_bytes);
  return step_outcome::failure("'" + program + "': stdout is not JSON (" + value.error().message +
                               "); it begins: " + detail::to_valid_utf8(head) +
                               (output.size() > head.size() ? "..." : ""));
}

} // namespace

step_outcome exec_executor::run(const protocol::step_request& request) {
  auto args = read_args(request.run);
  if (!args)
    return step_outcome::failure(args.error().message);
  if (!request.job_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(request.job_dir, ec))
      return step_outcome::failure(request.run.kind + ": job directory '" + request.job_dir +
                                   "' is not an existing directory");
  }
  const std::string program = args->argv.front();

  detail::subprocess_spec spec;
  spec.env = child_environment(args->env, request);
  spec.argv = std::move(args->argv);
  spec.dir = request.job_dir;
  spec.input = boost::json::serialize(request.props);
  if (request.timeout_ms > 0 && request.timeout_ms <= max_timeout_ms)
    spec.deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(request.timeout_ms);
  spec.max_output = limits_.max_stdout_bytes;
  spec.error_tail = limits_.stderr_tail_bytes;

  auto result = detail::run_subprocess(spec);
  if (!result)
    return step_outcome::failure(request.run.kind + ": " + result.error().message);
  switch (result->end) {
  case detail::subprocess_end::timed_out:
    return failed(program, *result,
                  "timed out after " + std::to_string(request.timeout_ms) +
                      " ms; its process group was killed",
                  true);
  case detail::subprocess_end::output_overflow:
    return failed(program, *result,
                  "stdout exceeds " + std::to_string(limits_.max_stdout_bytes) + " bytes");
  case detail::subprocess_end::signaled:
    return failed(program, *result, signal_text(result->signal));
  case detail::subprocess_end::exited:
    break;
  }
  if (result->exit_code != 0)
    return failed(program, *result, "exit code " + std::to_string(result->exit_code));
  return parse_output(program, result->output);
}

} // namespace boa::runtime
