#include "runtime/run_command.hpp"

#include <CLI/CLI.hpp>

#include <spdlog/spdlog.h>

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"boad: the boa workflow runtime"};
  app.require_subcommand(1);

  boa::runtime::run_options run;
  auto* run_cmd = app.add_subcommand("run", "Run one workflow to completion in this process");
  run_cmd->add_option("file", run.file, "Workflow definition (JSON)")->required();
  run_cmd
      ->add_option("--set", run.set,
                   "Start property key=value (value parsed as JSON if it is); repeatable")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run_cmd->add_option("--workers", run.workers, "Step workers")->check(CLI::Range(1, 1024));
  run_cmd->add_option(
      "--data", run.data_dir,
      "Data directory for the job store and job folders (default: a temporary one)");
  run_cmd->add_flag(
      "--quiet", run.quiet,
      "No progress lines: only errors and the summary on stderr, the final job on stdout");
  run_cmd
      ->add_option("--plugin", run.plugins,
                   "Step plugin (shared library) whose C++ steps the workflow may run")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    auto code = app.exit(e);
    return code == 0 ? 0 : boa::runtime::run_bad_input;
  }
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ boad: %v");
  if (*run_cmd)
    return boa::runtime::run_workflow(run);
  return boa::runtime::run_bad_input;
}
