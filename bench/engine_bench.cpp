// Engine throughput: J jobs of S no-op steps through the in-process bus and the real actors,
// printed beside references measured in the same run (the bus core alone, and bare CAF
// request/response), so that the ratios hold on a noisy machine.
#include "actors/bus/local_bus.hpp"
#include "actors/job_observer.hpp"
#include "actors/messages.hpp"
#include "protocol/job_codec.hpp"
#include "protocol/transition.hpp"
#include "protocol/workflow_codec.hpp"
#include "runtime/executors/standard_executors.hpp"
#include "runtime/node.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct options {
  int jobs = 2000;
  int steps = 10;
  int workers = 2;
  int concurrency = 64;
  bool store = true;
};

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

std::string workflow_json(int steps) {
  std::string s = R"({"name": "bench", "steps": [)";
  for (int i = 0; i < steps; ++i) {
    if (i)
      s += ",";
    s += fmt::format(R"({{"id": "s{}", "run": "noop"{}}})", i,
                     i + 1 < steps ? fmt::format(R"(, "next": [["*", "s{}"]])", i + 1) : "");
  }
  return s + "]}";
}

struct engine_figures {
  double steps_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

engine_figures run_engine(const options& opt) {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  boa::bus::local_bus bus;
  auto executors = std::make_shared<boa::actors::executor_registry>();
  boa::runtime::add_standard_executors(*executors,
                                       std::make_shared<boa::runtime::cpp_step_registry>());
  auto data = std::filesystem::temp_directory_path() / fmt::format("boa-bench-{}", ::getpid());
  boa::runtime::node_options node_opts;
  node_opts.workers = static_cast<std::size_t>(opt.workers);
  if (opt.store)
    node_opts.data_dir = data;
  auto node = boa::runtime::node::start(system, bus, executors, node_opts);
  if (!node)
    throw std::runtime_error(node.error().message);
  auto workflow = boa::protocol::parse_workflow(workflow_json(opt.steps)).workflow;

  std::mutex mutex;
  std::condition_variable all_done;
  std::unordered_map<std::string, clock_type::time_point> started;
  std::vector<double> latencies_ms;
  int next = 0;
  auto start_one = [&](int i) {
    auto id = fmt::format("bench-{}", i);
    auto j = boa::protocol::transition::start(id, workflow, {}, 0);
    boa::protocol::envelope env;
    env.address = boa::protocol::addresses::new_jobs;
    env.subject = "job";
    env.body = boa::protocol::serialize_job(j);
    started.emplace(id, clock_type::now());
    bus.publish(std::move(env), caf::actor{}, 0);
  };
  boa::actors::job_observer_callbacks callbacks;
  callbacks.on_archived = [&](const boa::protocol::job& j) {
    std::lock_guard guard{mutex};
    auto i = started.find(j.id);
    latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(clock_type::now() - i->second).count());
    started.erase(i);
    if (next < opt.jobs)
      start_one(next++);
    if (static_cast<int>(latencies_ms.size()) == opt.jobs)
      all_done.notify_all();
  };
  auto observer = boa::actors::spawn_job_observer(system, bus, &(*node)->workflows(), callbacks);

  auto t0 = clock_type::now();
  {
    std::unique_lock lock{mutex};
    while (next < std::min(opt.concurrency, opt.jobs))
      start_one(next++);
    all_done.wait(lock, [&] { return static_cast<int>(latencies_ms.size()) == opt.jobs; });
  }
  auto elapsed = seconds_since(t0);
  (*node)->stop();
  caf::anon_send_exit(observer, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();
  node->reset();
  std::filesystem::remove_all(data);

  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    return latencies_ms[static_cast<std::size_t>(p * (latencies_ms.size() - 1))];
  };
  return {static_cast<double>(opt.jobs) * opt.steps / elapsed, pct(0.50), pct(0.99)};
}

/// The bus core alone: publish, deliver, accept, one message at a time per consumer credit.
double run_bus_core(int messages) {
  boa::bus::broker_core core;
  std::vector<std::uint64_t> tags;
  tags.reserve(64);
  auto sub =
      core.subscribe("queue:bench", 64, [&](boa::bus::delivery d) { tags.push_back(d.tag); });
  boa::protocol::envelope env;
  env.address = "queue:bench";
  env.body = std::string(300, 'x');
  auto t0 = clock_type::now();
  for (int i = 0; i < messages; ++i) {
    (void)core.publish(env);
    for (auto t : tags)
      core.settle(t, boa::bus::settlement::accept);
    if (!tags.empty())
      core.add_credit(*sub, static_cast<std::uint32_t>(tags.size()));
    tags.clear();
  }
  return messages / seconds_since(t0);
}

/// Bare CAF: request/response round trips from `clients` concurrent actors to one server actor.
double run_caf_round_trips(int total, int clients) {
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  auto server = system.spawn([]() -> caf::behavior { return {[](int x) { return x + 1; }}; });
  std::mutex mutex;
  std::condition_variable finished;
  int done = 0;
  const int per_client = total / clients;
  auto t0 = clock_type::now();
  for (int c = 0; c < clients; ++c)
    system.spawn([&, server, per_client](caf::event_based_actor* self) {
      auto left = std::make_shared<int>(per_client);
      auto ask = std::make_shared<std::function<void()>>();
      *ask = [self, server, left, ask, &done, &mutex, &finished] {
        if ((*left)-- == 0) {
          std::lock_guard guard{mutex};
          ++done;
          finished.notify_all();
          self->quit();
          *ask = nullptr; // break the self-reference
          return;
        }
        self->request(server, caf::infinite, 1).then([ask](int) { (*ask)(); });
      };
      (*ask)();
    });
  {
    std::unique_lock lock{mutex};
    finished.wait(lock, [&] { return done == clients; });
  }
  auto elapsed = seconds_since(t0);
  caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
  return per_client * clients / elapsed;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"boa engine benchmark"};
  app.add_option("--jobs", opt.jobs, "Jobs to run")->check(CLI::PositiveNumber);
  app.add_option("--steps", opt.steps, "No-op steps per job")->check(CLI::PositiveNumber);
  app.add_option("--workers", opt.workers, "Step workers")->check(CLI::PositiveNumber);
  app.add_option("--concurrency", opt.concurrency, "Jobs in flight at once")
      ->check(CLI::PositiveNumber);
  app.add_flag("!--no-store", opt.store, "Do not keep job metadata in RocksDB");
  CLI11_PARSE(app, argc, argv);

  fmt::print("boa engine bench: {} jobs x {} no-op steps, {} workers, {} jobs in flight, job store "
             "{}\n",
             opt.jobs, opt.steps, opt.workers, opt.concurrency, opt.store ? "on" : "off");
  auto bus = run_bus_core(200000);
  auto caf_rt = run_caf_round_trips(200000, 8);
  auto engine = run_engine(opt);
  fmt::print("  engine                      {:>10.0f} steps/s   job latency p50 {:.2f} ms, p99 "
             "{:.2f} ms\n",
             engine.steps_per_s, engine.p50_ms, engine.p99_ms);
  fmt::print("  reference: bus core alone   {:>10.0f} msg/s     (publish + deliver + accept)\n",
             bus);
  fmt::print("  reference: CAF round trips  {:>10.0f} req/s     (request/response, 8 clients)\n",
             caf_rt);
  fmt::print(
      "  ratios: engine steps / bus messages {:.3f}, engine steps / CAF round trips {:.3f}\n",
      engine.steps_per_s / bus, engine.steps_per_s / caf_rt);
  return 0;
}
