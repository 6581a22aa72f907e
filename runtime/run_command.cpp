#include "runtime/run_command.hpp"
#include "protocol/secret_properties.hpp"

#include "actors/bus/local_bus.hpp"
#include "actors/bus/publish_limit.hpp"
#include "actors/job_observer.hpp"
#include "actors/step_executor.hpp"
#include "protocol/job_codec.hpp"
#include "protocol/property_settings.hpp"
#include "protocol/transition.hpp"
#include "protocol/workflow_codec.hpp"
#include "runtime/executors/plugin_loader.hpp"
#include "runtime/executors/standard_executors.hpp"
#include "runtime/node.hpp"
#include "runtime/workflow_files.hpp"

#include <boost/json/serialize.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <fmt/core.h>

#include <chrono>
#include <future>
#include <iostream>
#include <set>
#include <utility>

namespace boa::runtime {

namespace {

void print_event(const protocol::job_event& e, const std::string& root_id) {
  auto who = e.job_id == root_id ? std::string{} : "[" + e.job_id + "] ";
  if (e.type == protocol::job_event::kind::job_ended) {
    if (e.job_id != root_id)
      std::cerr << fmt::format("  {}ended {}{}\n", who, protocol::to_string(e.state),
                               e.error.empty() ? "" : ": " + e.error);
    return;
  }
  auto result = e.result.empty() ? std::string("-") : "\"" + e.result + "\"";
  auto line = fmt::format("  {}{:<16} attempt {}  result {:<12} {:>6} ms", who, e.step, e.attempt,
                          result, e.duration_ms);
  if (!e.error.empty())
    line += "  " + e.error;
  if (e.will_retry)
    line += "  (will retry)";
  std::cerr << line << '\n';
}

/// A temporary data directory, removed when the run ends.
struct scratch_dir {
  std::filesystem::path path;
  ~scratch_dir() {
    if (!path.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  }
};

} // namespace

int run_workflow(const run_options& options) {
  auto functions = std::make_shared<cpp_step_registry>();
  auto executors = std::make_shared<actors::executor_registry>();
  add_standard_executors(*executors, functions);
  for (const auto& plugin : options.plugins)
    if (auto loaded = load_step_plugin(plugin, *functions); !loaded) {
      std::cerr << "boad run: --plugin " << plugin << ": " << loaded.error().message << '\n';
      return run_bad_input;
    }

  auto loaded = load_workflow_file(options.file,
                                   [&](const std::string& kind) { return executors->has(kind); });
  if (!loaded) {
    std::cerr << loaded.error().message << '\n';
    return run_bad_input;
  }
  auto props = protocol::parse_property_settings(options.set);
  if (!props) {
    std::cerr << "boad run: " << props.error().message << '\n';
    return run_bad_input;
  }

  scratch_dir scratch;
  auto data_dir = options.data_dir;
  if (data_dir.empty()) {
    auto base = std::filesystem::temp_directory_path() / "boa-run-XXXXXX";
    std::string templ = base.string();
    if (!::mkdtemp(templ.data())) {
      std::cerr << "boad run: cannot create a temporary data directory in " << base.parent_path()
                << '\n';
      return run_bad_input;
    }
    data_dir = scratch.path = templ;
  }

  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  bus::local_bus bus{std::make_shared<bus::broker_core>(), options.limits.max_message_bytes};

  node_options node_opts;
  node_opts.limits = options.limits;
  node_opts.workers = options.workers;
  node_opts.data_dir = data_dir;
  node_opts.resolve = workflow_directory_resolver(options.file.parent_path());
  auto n = node::start(system, bus, executors, node_opts);
  if (!n) {
    std::cerr << "boad run: " << n.error().message << '\n';
    return run_bad_input;
  }

  const auto job_id = (*n)->context().job_ids->next();
  auto first =
      protocol::transition::start(job_id, *loaded, *props, (*n)->context().clock->now_ms());
  protocol::envelope env;
  env.address = protocol::addresses::new_jobs;
  env.subject = "job";
  env.message_id = job_id + "/start";
  env.body = protocol::serialize_job(first);
  // The bus would refuse it without a word (nobody waits for this publish's confirmation).
  if (auto too_large = bus::publish_over_limit(env, options.limits.max_message_bytes)) {
    (*n)->stop();
    system.await_all_actors_done();
    std::cerr << "boad run: job " << job_id << ": " << *too_large << '\n';
    return run_bad_input;
  }

  std::promise<protocol::job> ended;
  actors::job_observer_callbacks callbacks;
  if (!options.quiet)
    callbacks.on_event = [job_id](const protocol::job_event& e) { print_event(e, job_id); };
  auto reported = std::make_shared<bool>(false); // only the observer's thread touches it
  callbacks.on_archived = [&ended, job_id, reported](const protocol::job& j) {
    if (j.id == job_id && !std::exchange(*reported, true))
      ended.set_value(j); // a second archived copy (at-least-once) is not a second result
  };
  // A state of the job refused as too large is dead-lettered and never archived: without this,
  // the run would wait for its end for ever. It ends as the job's error, in the state refused
  // (the last the job reached), or in its first one should that not decode.
  callbacks.on_dead = [&ended, job_id, reported, first, &n](const protocol::envelope& dead) {
    if (!dead.message_id.starts_with(job_id + "/") || std::exchange(*reported, true))
      return;
    auto refused = protocol::parse_job(dead.body, &(*n)->workflows());
    auto last = refused ? std::move(*refused) : first;
    last.state = protocol::job_state::error;
    last.error = dead.dead_letter_reason;
    last.ended_ms = (*n)->context().clock->now_ms();
    ended.set_value(std::move(last));
  };
  auto observer = actors::spawn_job_observer(system, bus, &(*n)->workflows(), callbacks);

  if (!options.quiet)
    std::cerr << fmt::format("job {} ({}) started\n", job_id, (*loaded)->def.name);
  bus.publish(std::move(env), caf::actor{}, 0);

  auto final_job = ended.get_future().get();
  (*n)->stop();
  caf::anon_send_exit(observer, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();

  std::cerr << fmt::format("job {} {} in {} ms{}\n", job_id, protocol::to_string(final_job.state),
                           final_job.ended_ms - final_job.created_ms,
                           final_job.error.empty() ? "" : ": " + final_job.error);
  auto json = protocol::redact_job_view(protocol::encode_job(final_job));
  std::cout << boost::json::serialize(json) << std::endl;
  return final_job.state == protocol::job_state::finished ? run_finished : run_failed;
}

} // namespace boa::runtime
