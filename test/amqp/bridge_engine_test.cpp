// The real engine over the real wire: a node (its dispatcher, job runners, join waiters, worker
// pool, standard executors) whose bus is the AMQP bridge, connected to an embedded broker.
#define BOOST_TEST_MODULE amqp_engine
#include <boost/test/unit_test.hpp>

#include "actors/job_observer.hpp"
#include "protocol/job_codec.hpp"
#include "protocol/transition.hpp"
#include "runtime/amqp/amqp_bridge.hpp"
#include "runtime/amqp/embedded_broker.hpp"
#include "runtime/executors/standard_executors.hpp"
#include "runtime/node.hpp"
#include "runtime/workflow_files.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

namespace {

/// The error of a failed `expected`, for a test message (empty for a value).
template <class T> std::string why(const boa::expected<T>& e) {
  return e ? std::string() : e.error().message;
}

/// A fresh directory under the system's temporary directory, removed at the end.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    auto pattern = (std::filesystem::temp_directory_path() / "boa-bridge-engine-XXXXXX").string();
    if (::mkdtemp(pattern.data()))
      path = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    if (!path.empty())
      std::filesystem::remove_all(path, ec);
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(a_fork_join_workflow_runs_to_finished_over_the_bridge) {
  auto core = std::make_shared<boa::bus::broker_core>();
  auto broker = boa::amqp::embedded_broker::start(core, "127.0.0.1", 0);
  BOOST_REQUIRE_MESSAGE(broker.has_value(), why(broker));
  boa::amqp::bridge_options options;
  options.url = "amqp://127.0.0.1:" + std::to_string((*broker)->port());
  options.container_id = "boa-engine-test";
  auto bus = boa::amqp::bridge::connect(options);
  BOOST_REQUIRE_MESSAGE(bus.has_value(), why(bus));

  caf::actor_system_config config;
  caf::actor_system system{config};
  auto executors = std::make_shared<boa::actors::executor_registry>();
  boa::runtime::add_standard_executors(*executors,
                                       std::make_shared<boa::runtime::cpp_step_registry>());
  const std::filesystem::path file = BOA_SOURCE_DIR "/examples/fork-join.json";
  auto workflow = boa::runtime::load_workflow_file(
      file, [&](const std::string& kind) { return executors->has(kind); });
  BOOST_REQUIRE_MESSAGE(workflow.has_value(), why(workflow));

  temp_dir data;
  BOOST_REQUIRE(!data.path.empty());
  boa::runtime::node_options node_options;
  node_options.node_id = "bridge-node";
  node_options.workers = 4;
  node_options.data_dir = data.path;
  node_options.resolve = boa::runtime::workflow_directory_resolver(file.parent_path());
  auto node = boa::runtime::node::start(system, **bus, executors, node_options);
  BOOST_REQUIRE_MESSAGE(node.has_value(), why(node));

  const std::string job_id = "bridge-fork-join-1";
  std::promise<boa::protocol::job> ended;
  auto reported = std::make_shared<bool>(false);
  boa::actors::job_observer_callbacks callbacks;
  callbacks.on_archived = [&ended, job_id, reported](const boa::protocol::job& j) {
    if (j.id == job_id && !std::exchange(*reported, true))
      ended.set_value(j);
  };
  auto observer = boa::actors::spawn_job_observer(system, **bus, &(*node)->workflows(), callbacks);

  auto first =
      boa::protocol::transition::start(job_id, *workflow, {}, (*node)->context().clock->now_ms());
  boa::protocol::envelope start;
  start.address = boa::protocol::addresses::new_jobs;
  start.subject = "job";
  start.message_id = job_id + "/start";
  start.body = boa::protocol::serialize_job(first);
  (*bus)->publish(std::move(start), caf::actor{}, 0);

  auto result = ended.get_future();
  const bool done = result.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  BOOST_REQUIRE_MESSAGE(done, "the job did not end within 60 s");
  auto job = result.get();
  BOOST_TEST(boa::protocol::to_string(job.state) == std::string("finished"), job.error);
  BOOST_TEST(job.props.contains("decision"));
  if (job.props.contains("decision"))
    BOOST_TEST(job.props.at("decision").as_string() == "accepted");
  BOOST_TEST(job.props.contains("stock_ok"));
  BOOST_TEST(job.props.contains("credit_ok"));
  BOOST_TEST(job.props.contains("fraud_score"));

  (*node)->stop();
  caf::anon_send_exit(observer, caf::exit_reason::user_shutdown);
  system.await_all_actors_done();
  node->reset();
  (*bus)->close();
  // Nothing was left behind: every delivery was settled over the wire.
  for (const auto& name : core->queue_names())
    BOOST_TEST(core->stats(name).unsettled == 0u, name);
}
