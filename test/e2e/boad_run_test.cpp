#define BOOST_TEST_MODULE boad_run
#include <boost/test/unit_test.hpp>

#include "../support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace json = boost::json;

namespace {

struct outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
  json::object final_job() const {
    auto v = json::parse(out);
    return v.as_object();
  }
};

std::string quoted(const std::string& arg) {
  std::string q = "'";
  for (char c : arg)
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// Runs the real `boad` binary: `boad run ARGS...`, capturing stdout and stderr.
outcome boad_run(const std::vector<std::string>& args) {
  boa::test::temp_dir tmp{"boa-e2e"};
  auto err_file = tmp.path() / "stderr";
  std::string command = quoted(BOA_BOAD) + " run";
  for (const auto& a : args)
    command += " " + quoted(a);
  command += " 2>" + quoted(err_file.string());
  outcome result;
  FILE* pipe = ::popen(command.c_str(), "r");
  BOOST_REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    result.out.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  std::stringstream text;
  text << err.rdbuf();
  result.err = text.str();
  return result;
}

std::string example(const char* name) {
  return std::string(BOA_SOURCE_DIR) + "/examples/" + name;
}

int attempts_of(const json::object& job, const std::string& step) {
  int n = 0;
  for (const auto& e : job.at("history").as_array())
    if (e.as_object().at("step").as_string() == step)
      ++n;
  return n;
}

} // namespace

BOOST_AUTO_TEST_SUITE(examples)

BOOST_AUTO_TEST_CASE(order_routing_ships_a_small_domestic_order_by_standard_mail) {
  auto r = boad_run({example("order-routing.json")});
  BOOST_TEST_INFO(r.err);
  BOOST_REQUIRE_EQUAL(r.exit_code, 0);
  auto job = r.final_job();
  BOOST_TEST(job.at("state").as_string() == "finished");
  BOOST_TEST(job.at("properties").at("shipping").as_string() == "standard");
  BOOST_TEST(r.err.find("classify") != std::string::npos); // a progress line per step
}

BOOST_AUTO_TEST_CASE(set_overrides_start_properties_and_changes_the_route) {
  auto r = boad_run({example("order-routing.json"), "--set",
                     R"(order={"id": "B-7", "total": 5000, "express": false, "country": "DE"})"});
  BOOST_TEST_INFO(r.err);
  BOOST_REQUIRE_EQUAL(r.exit_code, 0);
  BOOST_TEST(r.final_job().at("properties").at("shipping").as_string() == "held");
}

BOOST_AUTO_TEST_CASE(options_may_come_before_the_file_and_quiet_prints_no_progress) {
  auto r = boad_run({"--quiet", "--set", R"(order={"id": "C", "total": 1, "express": true})",
                     "--set", "note=rush", example("order-routing.json")});
  BOOST_TEST_INFO(r.err);
  BOOST_REQUIRE_EQUAL(r.exit_code, 0);
  auto props = r.final_job().at("properties").as_object();
  BOOST_TEST(props.at("shipping").as_string() == "express");
  BOOST_TEST(props.at("note").as_string() == "rush");
  BOOST_TEST(r.err.find("attempt") == std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(fork_join_example_finishes) {
  auto r = boad_run({example("fork-join.json")});
  BOOST_TEST_INFO(r.err);
  BOOST_REQUIRE_EQUAL(r.exit_code, 0);
  BOOST_TEST(r.final_job().at("state").as_string() == "finished");
}

BOOST_AUTO_TEST_CASE(map_reduce_example_finishes) {
  auto r = boad_run({example("map-reduce.json")});
  BOOST_TEST_INFO(r.err);
  BOOST_REQUIRE_EQUAL(r.exit_code, 0);
  BOOST_TEST(r.final_job().at("state").as_string() == "finished");
}

BOOST_AUTO_TEST_CASE(retry_example_retries_then_takes_the_error_route) {
  auto r = boad_run({example("retry-then-error-route.json")});
  BOOST_TEST_INFO(r.err);
  BOOST_REQUIRE_EQUAL(r.exit_code, 0);
  auto job = r.final_job();
  BOOST_TEST(attempts_of(job, "fetch-rates") == 4);
  BOOST_TEST(job.at("properties").at("rates_source").as_string() == "stored");
}

BOOST_AUTO_TEST_CASE(a_plugin_given_with_plugin_provides_cpp_steps) {
  boa::test::temp_dir tmp;
  auto file = tmp.path() / "greet.json";
  std::ofstream(file) << R"({"name": "greet", "properties": {"name": "Ada"},
    "steps": [{"id": "hello", "run": {"kind": "cpp", "function": "plugin.greet"}}]})";
  auto r = boad_run({file.string(), "--plugin", BOA_TEST_STEP_PLUGIN});
  BOOST_TEST_INFO(r.err);
  BOOST_REQUIRE_EQUAL(r.exit_code, 0);
  BOOST_TEST(r.final_job().at("properties").at("greeting").as_string() == "hello, Ada");

  auto missing = boad_run({file.string(), "--plugin", tmp.path().string() + "/nope.so"});
  BOOST_TEST(missing.exit_code == 2);
  BOOST_TEST(missing.err.find("nope.so") != std::string::npos, missing.err);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(exit_codes)

BOOST_AUTO_TEST_CASE(a_job_that_ends_in_error_exits_1) {
  boa::test::temp_dir tmp;
  auto file = tmp.path() / "fails.json";
  std::ofstream(file) << R"({"name": "fails", "steps": [{"id": "a", "run": {"kind": "fail"}}]})";
  auto r = boad_run({file.string()});
  BOOST_TEST_INFO(r.err);
  BOOST_TEST(r.exit_code == 1);
  BOOST_TEST(r.final_job().at("state").as_string() == "error");
}

BOOST_AUTO_TEST_CASE(an_invalid_definition_exits_2_with_every_problem_and_its_path) {
  boa::test::temp_dir tmp;
  auto file = tmp.path() / "broken.json";
  std::ofstream(file) << R"({"name": "broken", "steps": [
    {"id": "a", "run": "noop", "next": [["*", "colect"]]},
    {"id": "collect", "run": {"kind": "teleport"}}]})";
  auto r = boad_run({file.string()});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err.find(file.string() + ": steps[0].next[0]") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("colect") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("steps[1].run") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("started") == std::string::npos, r.err); // nothing ran
}

BOOST_AUTO_TEST_CASE(an_unreadable_file_or_a_bad_set_exits_2) {
  auto missing = boad_run({"/nonexistent/nothing.json"});
  BOOST_TEST(missing.exit_code == 2);
  BOOST_TEST(missing.err.find("/nonexistent/nothing.json") != std::string::npos, missing.err);

  auto bad_set = boad_run({example("order-routing.json"), "--set", "no-equals-sign"});
  BOOST_TEST(bad_set.exit_code == 2);
  BOOST_TEST(bad_set.err.find("--set") != std::string::npos, bad_set.err);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(limits)

/// A workflow whose first step makes the job's next state larger than its first: a long
/// description, then a step that adds a 200-byte property.
std::filesystem::path growing_workflow(const boa::test::temp_dir& tmp) {
  auto file = tmp.path() / "grows.json";
  std::ofstream(file) << R"({"name": "grows", "description": ")" << std::string(900, 'd')
                      << R"(", "steps": [
    {"id": "a", "run": {"kind": "set", "values": {"note": ")"
                      << std::string(200, 'n') << R"("}}, "next": [["*", "b"]]},
    {"id": "b", "run": "noop"}]})";
  return file;
}

BOOST_AUTO_TEST_CASE(a_job_whose_state_outgrows_the_message_limit_ends_in_error_naming_it) {
  boa::test::temp_dir tmp;
  // Its first state fits in 1500 bytes, the state after step a does not.
  auto r = boad_run({growing_workflow(tmp).string(), "--limits-max-message-bytes", "1500",
                     "--limits-max-properties-bytes", "1000"});
  BOOST_TEST_INFO(r.err);
  BOOST_TEST(r.exit_code == 1);
  auto job = r.final_job();
  BOOST_TEST(job.at("state").as_string() == "error");
  std::string why(job.at("error").as_string());
  BOOST_TEST(why.find("more than the limit of 1500 (setting limits.max-message-bytes)") !=
                 std::string::npos,
             why);
  // The last state the job reached: the one whose successor did not fit.
  BOOST_TEST(job.at("step").as_string() == "a");
}

BOOST_AUTO_TEST_CASE(a_job_whose_properties_outgrow_their_limit_ends_in_error_naming_it) {
  boa::test::temp_dir tmp;
  auto r = boad_run({growing_workflow(tmp).string(), "--limits-max-properties-bytes", "100"});
  BOOST_TEST_INFO(r.err);
  BOOST_TEST(r.exit_code == 1);
  auto job = r.final_job();
  BOOST_TEST(job.at("state").as_string() == "error");
  std::string why(job.at("error").as_string());
  BOOST_TEST(why.find("(setting limits.max-properties-bytes)") != std::string::npos, why);
}

BOOST_AUTO_TEST_CASE(a_first_state_over_the_message_limit_is_refused_with_exit_2) {
  boa::test::temp_dir tmp;
  auto r = boad_run({growing_workflow(tmp).string(), "--limits-max-message-bytes", "1000",
                     "--limits-max-properties-bytes", "500"});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err.find("message to queue:boa.jobs.new is ") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("more than the limit of 1000 (setting limits.max-message-bytes)") !=
                 std::string::npos,
             r.err);
}

BOOST_AUTO_TEST_SUITE_END()
