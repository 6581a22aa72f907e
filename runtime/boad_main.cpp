#include "runtime/config/config_loader.hpp"
#include "runtime/run_command.hpp"
#include "runtime/serve_command.hpp"

#include <CLI/CLI.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

namespace {

void add_run_command(CLI::App& app, boa::runtime::run_options& run) {
  auto* cmd = app.add_subcommand("run", "Run one workflow to completion in this process (held to "
                                        "the limits.* settings, which may follow the file)");
  cmd->fallthrough(); // `boad run FILE --limits-max-message-bytes N`
  cmd->add_option("file", run.file, "Workflow definition (JSON)")->required();
  cmd->add_option("--set", run.set,
                  "Start property key=value (value parsed as JSON if it is); repeatable")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--workers", run.workers, "Step workers")->check(CLI::Range(1, 1024));
  cmd->add_option("--data", run.data_dir,
                  "Data directory for the job store and job folders (default: a temporary one)");
  cmd->add_flag(
      "--quiet", run.quiet,
      "No progress lines: only errors and the summary on stderr, the final job on stdout");
  cmd->add_option("--plugin", run.plugins,
                  "Step plugin (shared library) whose C++ steps the workflow may run")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "boad: the boa workflow runtime.\n\n"
      "Without a command, runs a node until SIGTERM or SIGINT: with no --broker it starts\n"
      "the embedded AMQP 1.0 broker on --listen (default 127.0.0.1:5672) and keeps its\n"
      "queues in --data, so that a restarted node finishes every job that was in flight.\n"
      "Settings come from defaults, --config FILE (JSON), BOA_* variables and flags, each\n"
      "overriding the one before."};
  app.require_subcommand(0, 1);
  boa::config::flag_values flags;
  boa::config::add_node_flags(app, flags);
  boa::runtime::run_options run;
  add_run_command(app, run);
  auto* broker_only =
      app.add_subcommand("broker", "Run only the embedded AMQP 1.0 broker (on --listen, queues "
                                   "kept in --data) for nodes that join it with --broker");
  broker_only->fallthrough();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    auto code = app.exit(e);
    return code == 0 ? 0 : boa::runtime::run_bad_input;
  }
  auto env = boa::config::process_environment();
  auto config = boa::config::load_node_config(boa::config::config_file(flags, env), env, flags);
  if (!config) {
    std::cerr << "boad: " << config.error().message << '\n';
    return boa::runtime::serve_bad_config;
  }
  if (app.got_subcommand("run")) {
    // The limits bind a job wherever it runs; the other node settings have no use here.
    run.limits = config->limits;
    // stdout carries the final job alone, as JSON: log lines go to stderr with the progress.
    spdlog::set_default_logger(spdlog::stderr_color_mt("boad"));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ boad: %v");
    return boa::runtime::run_workflow(run);
  }
  if (app.got_subcommand(broker_only))
    return boa::runtime::serve_broker(*config);
  return boa::runtime::serve(*config);
}
