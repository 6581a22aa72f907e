#include <boost/test/unit_test.hpp>

#include "executor_test_support.hpp"
#include "runtime/executors/exec_executor.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <thread>
#include <unistd.h>
#include <vector>

using boa::runtime::exec_executor;
using boa::runtime::test::make_request;
using boa::runtime::test::temp_dir;
namespace json = boost::json;

namespace {

/// A request to run `script` with `sh -c`.
boa::protocol::step_request shell(const std::string& script) {
  auto request = make_request("exec");
  request.run.args["argv"] = json::array{"sh", "-c", script};
  return request;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Whether `pid` names no live process: none at all, or a zombie (dead, waiting for the process
/// it was orphaned to, which in a container may never reap it).
bool process_is_gone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH)
    return true;
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  return paren != std::string::npos && stat.size() > paren + 2 && stat[paren + 2] == 'Z';
}

/// Waits (boundedly) for the orphan `pid` to be killed; kills it if it is still alive, so that a
/// failing test leaves nothing behind.
bool gone_soon(pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    if (process_is_gone(pid))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  return false;
}

pid_t read_pid(const std::filesystem::path& file) {
  const std::string text = read_file(file);
  BOOST_REQUIRE_MESSAGE(!text.empty(), "the script wrote no pid to " << file);
  return static_cast<pid_t>(std::stol(text));
}

} // namespace

BOOST_AUTO_TEST_SUITE(exec)

BOOST_AUTO_TEST_CASE(exec_returns_the_json_value_the_program_prints) {
  const auto outcome = exec_executor().run(shell(R"(echo '{"answer": 42, "list": [1, "two"]}')"));
  BOOST_TEST_REQUIRE(outcome.ok, outcome.error);
  BOOST_TEST(outcome.value == json::parse(R"({"answer": 42, "list": [1, "two"]})"));
}

BOOST_AUTO_TEST_CASE(exec_of_a_program_that_prints_nothing_returns_null) {
  const auto outcome = exec_executor().run(make_request("exec", R"({"argv": ["true"]})"));
  BOOST_TEST_REQUIRE(outcome.ok, outcome.error);
  BOOST_TEST(outcome.value.is_null());
}

BOOST_AUTO_TEST_CASE(exec_gets_properties_on_stdin_identity_and_env_in_its_environment_in_job_dir) {
  temp_dir dir;
  auto request = shell(R"sh(cat > input.json
printf '{"job":"%s","step":"%s","attempt":"%s","dir":"%s","cwd":"%s","extra":"%s"}' \
  "$BOA_JOB_ID" "$BOA_STEP_ID" "$BOA_ATTEMPT" "$BOA_JOB_DIR" "$(pwd -P)" "$EXTRA")sh");
  request.run.args["env"] = json::object{{"EXTRA", "from args"}};
  request.job_id = "job-7";
  request.step_id = "resize";
  request.attempt = 3;
  request.job_dir = dir.path().string();
  request.props = json::object{{"width", 640}, {"name", "cat.png"}};

  const auto outcome = exec_executor().run(request);
  BOOST_TEST_REQUIRE(outcome.ok, outcome.error);
  const json::object expected{{"job", "job-7"},
                              {"step", "resize"},
                              {"attempt", "3"},
                              {"dir", dir.path().string()},
                              {"cwd", dir.path().string()},
                              {"extra", "from args"}};
  BOOST_TEST(outcome.value == json::value(expected));
  BOOST_TEST(json::parse(read_file(dir.path() / "input.json")) == json::value(request.props));
}

/// The environment `env` printed, one `NAME=value` a line, by name.
std::map<std::string, std::string> parse_env_output(const std::string& text) {
  std::map<std::string, std::string> env;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (auto eq = line.find('='); eq != std::string::npos)
      env.emplace(line.substr(0, eq), line.substr(eq + 1));
  return env;
}

BOOST_AUTO_TEST_CASE(exec_runs_with_a_clean_environment_not_the_nodes) {
  // What a node's environment may hold: its own settings and the secrets behind them.
  ::setenv("BOA_BROKER_PASSWORD", "node-secret", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "aws-secret", 1);
  ::setenv("LANG", "C.UTF-8", 1);
  temp_dir dir;
  // `env` (a real program, run directly) prints exactly the environment it was given.
  auto request = make_request("exec");
  request.run.args["argv"] = json::array{"sh", "-c", "exec env > env.txt"};
  request.run.args["env"] = json::object{{"API_URL", "https://example.org"}, {"LANG", "de_DE"}};
  request.job_id = "job-env";
  request.step_id = "show";
  request.attempt = 2;
  request.job_dir = dir.path().string();

  const auto outcome = exec_executor().run(request);
  ::unsetenv("BOA_BROKER_PASSWORD");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  BOOST_TEST_REQUIRE(outcome.ok, outcome.error);
  const auto printed = read_file(dir.path() / "env.txt");
  auto env = parse_env_output(printed);
  env.erase("PWD"); // the shell adds this one itself

  std::map<std::string, std::string> expected{
      {"API_URL", "https://example.org"},
      {"LANG", "de_DE"}, // the step's env wins
      {"BOA_JOB_ID", "job-env"},
      {"BOA_STEP_ID", "show"},
      {"BOA_ATTEMPT", "2"},
      {"BOA_JOB_DIR", dir.path().string()},
      {"PATH", ::getenv("PATH") ? ::getenv("PATH") : "/usr/local/bin:/usr/bin:/bin"}};
  for (const char* name : {"HOME", "LC_ALL", "TZ"})
    if (const char* value = ::getenv(name))
      expected[name] = value;
  BOOST_TEST(env == expected, "the step saw:\n" << printed);
  BOOST_TEST(printed.find("node-secret") == std::string::npos, printed);
  BOOST_TEST(printed.find("aws-secret") == std::string::npos, printed);
}

BOOST_AUTO_TEST_CASE(a_non_zero_exit_fails_with_the_end_of_stderr_and_the_exit_code) {
  const auto outcome = exec_executor().run(shell("echo working >&2; echo 'disk full' >&2; exit 3"));
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(!outcome.timed_out);
  BOOST_TEST(outcome.error.find("working\ndisk full") != std::string::npos, outcome.error);
  BOOST_TEST(outcome.error.find("exit code 3") != std::string::npos, outcome.error);
}

BOOST_AUTO_TEST_CASE(a_failure_quotes_only_the_last_two_kib_of_a_long_stderr) {
  const auto outcome = exec_executor().run(
      shell("echo BEGINNING >&2; head -c 100000 /dev/zero | tr '\\0' x >&2; echo THE-END >&2; "
            "exit 1"));
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(outcome.error.find("THE-END") != std::string::npos);
  BOOST_TEST(outcome.error.find("BEGINNING") == std::string::npos);
  BOOST_TEST(outcome.error.size() < 2200u);
}

BOOST_AUTO_TEST_CASE(a_program_killed_by_a_signal_fails_naming_the_signal) {
  const auto outcome = exec_executor().run(shell("echo dying >&2; kill -TERM $$"));
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(outcome.error.find("killed by signal 15") != std::string::npos, outcome.error);
  BOOST_TEST(outcome.error.find("dying") != std::string::npos, outcome.error);
}

BOOST_AUTO_TEST_CASE(stdout_that_is_not_json_fails_quoting_its_beginning) {
  const auto outcome = exec_executor().run(shell("echo 'hello world'"));
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(outcome.error.find("not JSON") != std::string::npos, outcome.error);
  BOOST_TEST(outcome.error.find("hello world") != std::string::npos, outcome.error);
}

// Boost.JSON's own reader would take 1e999 as infinity, which goes into the job's properties and is
// written as `Infinity`, a message no node reads; and it rounds some numbers to a neighbour.
BOOST_AUTO_TEST_CASE(stdout_numbers_are_read_exactly_and_one_no_double_holds_fails_the_step) {
  const auto huge = exec_executor().run(shell(R"(echo '{"x": 1e999}')"));
  BOOST_TEST(!huge.ok);
  BOOST_TEST(huge.error.find("not JSON (invalid JSON at 1:") != std::string::npos, huge.error);
  const auto exact = exec_executor().run(shell(R"(echo '{"x": 183.24945331891402}')"));
  BOOST_TEST_REQUIRE(exact.ok, exact.error);
  BOOST_TEST(exact.value.at("x").as_double() == 183.24945331891402);
}

BOOST_AUTO_TEST_CASE(a_program_that_does_not_exist_fails_naming_it) {
  auto request = make_request("exec");
  request.run.args["argv"] = json::array{"boa-no-such-program-anywhere", "x"};
  const auto outcome = exec_executor().run(request);
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(outcome.error.find("cannot start 'boa-no-such-program-anywhere'") != std::string::npos,
             outcome.error);
}

BOOST_AUTO_TEST_CASE(a_job_dir_that_does_not_exist_fails_naming_it) {
  auto request = shell("true");
  request.job_dir = "/nonexistent/boa-job-dir";
  const auto outcome = exec_executor().run(request);
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(outcome.error.find("/nonexistent/boa-job-dir") != std::string::npos, outcome.error);
}

BOOST_AUTO_TEST_CASE(malformed_args_fail_with_a_message_naming_the_argument) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({})", "exec: run.argv"},
      {R"({"argv": "ls"})", "exec: run.argv must be an array of strings, got string"},
      {R"({"argv": []})", "exec: run.argv must name a program"},
      {R"({"argv": ["ls", 1]})", "exec: run.argv[1] must be a string, got int64"},
      {R"({"argv": ["ls"], "env": ["A=1"]})", "exec: run.env must be an object of strings"},
      {R"({"argv": ["ls"], "env": {"A": 1}})", "exec: run.env.A must be a string"},
      {R"({"argv": ["ls"], "env": {"A=B": "1"}})", "is not a variable name"},
  };
  for (const auto& [args, message] : cases) {
    BOOST_TEST_CONTEXT("args " << args) {
      const auto outcome = exec_executor().run(make_request("exec", args));
      BOOST_TEST(!outcome.ok);
      BOOST_TEST(outcome.error.find(message) != std::string::npos, outcome.error);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_timeout_kills_the_whole_process_tree) {
  temp_dir dir;
  auto request = shell("sleep 100 & echo $! > child.pid; sleep 100");
  request.job_dir = dir.path().string();
  request.timeout_ms = 2000; // ample time to start the background sleep and write its pid
  const auto outcome = exec_executor().run(request);
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(outcome.timed_out);
  BOOST_TEST(outcome.error.find("timed out") != std::string::npos, outcome.error);
  BOOST_TEST(gone_soon(read_pid(dir.path() / "child.pid")));
}

BOOST_AUTO_TEST_CASE(processes_left_running_by_a_program_that_exited_are_killed) {
  // The background sleep keeps stdout open: without the kill the step would never end.
  temp_dir dir;
  auto request = shell("sleep 100 & echo $! > child.pid; echo 7");
  request.job_dir = dir.path().string();
  request.timeout_ms = 60000;
  const auto outcome = exec_executor().run(request);
  BOOST_TEST_REQUIRE(outcome.ok, outcome.error);
  BOOST_TEST(outcome.value == json::value(7));
  BOOST_TEST(gone_soon(read_pid(dir.path() / "child.pid")));
}

BOOST_AUTO_TEST_CASE(large_stdin_stdout_and_stderr_are_served_together_without_deadlock) {
  // 1 MiB in each direction, stderr first and stdin only then: a runner that wrote all of stdin
  // before reading, or read stdout before stderr, would stall until the timeout.
  auto request = shell("head -c 1048576 /dev/zero >&2; cat");
  request.timeout_ms = 120000;
  const std::string big(1 << 20, 'a');
  request.props = json::object{{"big", big}};
  const auto outcome = exec_executor().run(request);
  BOOST_TEST_REQUIRE(outcome.ok, outcome.error);
  BOOST_TEST(outcome.value == json::value(request.props));
}

BOOST_AUTO_TEST_CASE(a_program_that_ignores_its_stdin_does_not_break_the_runner) {
  // Writing to a pipe nobody reads raises SIGPIPE, which must not end the test process.
  auto request = make_request("exec", R"({"argv": ["true"]})");
  request.props = json::object{{"big", std::string(4 << 20, 'b')}};
  const auto outcome = exec_executor().run(request);
  BOOST_TEST_REQUIRE(outcome.ok, outcome.error);
  BOOST_TEST(outcome.value.is_null());
}

BOOST_AUTO_TEST_CASE(stdout_beyond_the_limit_fails_the_step) {
  const auto outcome =
      exec_executor({.max_stdout_bytes = 1024}).run(shell("head -c 100000 /dev/zero | tr '\\0' 1"));
  BOOST_TEST(!outcome.ok);
  BOOST_TEST(outcome.error.find("stdout exceeds 1024 bytes") != std::string::npos, outcome.error);
}

BOOST_AUTO_TEST_CASE(a_program_inherits_no_descriptor_beyond_stdin_stdout_and_stderr) {
  // Opened without O_CLOEXEC, as a careless library of the node might; numbered high so that it
  // cannot be confused with the descriptor ls opens to list the directory.
  const int opened = ::open("/dev/null", O_RDONLY);
  BOOST_TEST_REQUIRE(opened >= 0);
  const int stray = ::fcntl(opened, F_DUPFD, 100);
  ::close(opened);
  BOOST_TEST_REQUIRE(stray >= 100);
  const auto outcome =
      exec_executor().run(shell(R"sh(printf '"%s"' "$(ls /proc/self/fd | tr '\n' ,)")sh"));
  ::close(stray);
  BOOST_TEST_REQUIRE(outcome.ok, outcome.error);
  const std::string listed = "," + std::string(outcome.value.as_string());
  for (const char* standard : {",0,", ",1,", ",2,"})
    BOOST_TEST(listed.find(standard) != std::string::npos, listed);
  BOOST_TEST(listed.find("," + std::to_string(stray) + ",") == std::string::npos, listed);
}

BOOST_AUTO_TEST_CASE(concurrent_runs_from_several_threads_all_succeed) {
  exec_executor executor;
  constexpr int threads = 8;
  constexpr int runs = 10;
  std::vector<std::vector<boa::protocol::step_outcome>> outcomes(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int r = 0; r < runs; ++r) {
        auto request = shell("cat");
        request.props = json::object{{"thread", t}, {"run", r}};
        outcomes[t].push_back(executor.run(request));
      }
    });
  }
  for (auto& worker : workers)
    worker.join();
  for (int t = 0; t < threads; ++t) {
    BOOST_TEST_REQUIRE(outcomes[t].size() == std::size_t(runs));
    for (int r = 0; r < runs; ++r) {
      BOOST_TEST_CONTEXT("thread " << t << " run " << r) {
        BOOST_TEST(outcomes[t][r].ok, outcomes[t][r].error);
        BOOST_TEST(outcomes[t][r].value == json::value(json::object{{"thread", t}, {"run", r}}));
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
