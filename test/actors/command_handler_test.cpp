#define BOOST_TEST_MODULE command_handler
#include <boost/test/unit_test.hpp>

#include "engine_harness.hpp"
#include "queue_reader.hpp"
#include "test/support/decode_checks.hpp"

#include "protocol/node_command.hpp"

#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

using boa::errc;
using boa::protocol::envelope;
using boa::protocol::node_command;
using boa::protocol::node_reply;
using boa::test::engine;
using boa::test::mentions;
using boa::test::queue_reader;
namespace json = boost::json;
namespace protocol = boa::protocol;

using namespace std::chrono_literals;

namespace {

using kind = node_command::kind;

/// Sends node commands over the bus with a reply-to of its own and reads the replies and the
/// dead-letter queue.
class commander {
public:
  explicit commander(engine& e)
      : e_(e), replies_(e.bus(), reply_address), dead_(e.bus(), protocol::addresses::dead) {}

  static constexpr const char* reply_address = "queue:test.node-replies";

  /// Publishes `body` to `address` as a node command; returns its message id.
  std::string send(const std::string& address, std::string body) {
    envelope env;
    env.address = address;
    env.subject = protocol::node_command_type;
    env.message_id = "cmd-" + std::to_string(++sent_);
    env.reply_to = reply_address;
    env.body = std::move(body);
    auto id = env.message_id;
    e_.bus().publish(std::move(env), caf::actor{}, 0);
    return id;
  }

  /// The command `c` to this engine's node (or to every node), and its reply.
  node_reply ask(node_command c, bool to_all = false) {
    auto address =
        to_all ? std::string(protocol::all_nodes_address) : protocol::node_address(node_id());
    return reply_to(send(address, protocol::serialize_node_command(c)));
  }

  node_reply reply_to(const std::string& message_id) {
    auto env = replies_.wait_for([&](const envelope& m) { return m.correlation_id == message_id; });
    BOOST_TEST(env.subject == protocol::node_reply_type);
    auto reply = protocol::parse_node_reply(env.body);
    if (!reply)
      throw std::runtime_error("undecodable reply: " + reply.error().message);
    return *reply;
  }

  envelope dead_letter(const std::string& message_id) {
    return dead_.wait_for([&](const envelope& m) { return m.message_id == message_id; });
  }

  std::string node_id() { return e_.node().context().node_id; }

private:
  engine& e_;
  int sent_ = 0;
  queue_reader replies_;
  queue_reader dead_;
};

node_command command(kind what, std::string system = {}, std::int64_t count = 1) {
  node_command c;
  c.what = what;
  c.system = std::move(system);
  c.count = count;
  return c;
}

std::string describe(const node_reply& r) {
  return r.node + ": " +
         (r.reply.ok ? json::serialize(r.reply.data)
                     : std::string(protocol::wire_name(r.reply.error_code)) + ": " +
                           r.reply.error_message);
}

/// The workers system of a status reply.
const json::object& workers_of(const node_reply& r) {
  return r.reply.data.at("heartbeat").at("systems").at(0).as_object();
}

const char* nap = R"({"name": "nap-flow", "steps": [
    {"id": "nap", "run": {"kind": "sleep", "ms": 10}}]})";

} // namespace

BOOST_AUTO_TEST_SUITE(node_commands)

BOOST_AUTO_TEST_CASE(status_is_answered_by_the_named_node_and_by_every_node) {
  engine e;
  commander c(e);
  for (bool to_all : {false, true}) {
    auto r = c.ask(command(kind::status), to_all);
    BOOST_TEST_REQUIRE(r.reply.ok, describe(r));
    BOOST_TEST(r.node == c.node_id());
    BOOST_TEST(r.reply.data.at("state").as_string() == "running");
    BOOST_TEST(r.reply.data.at("heartbeat").at("node").as_string() == c.node_id());
    BOOST_TEST(workers_of(r).at("name").as_string() == "workers");
    BOOST_TEST(workers_of(r).at("total").as_int64() == 4);
    BOOST_TEST(workers_of(r).at("running").as_bool());
  }
}

BOOST_AUTO_TEST_CASE(a_command_to_another_node_is_not_answered_by_this_one) {
  engine e;
  commander c(e);
  auto other = c.send(protocol::node_address("someone-else"),
                      protocol::serialize_node_command(command(kind::drain)));
  // The command after it is answered; the one before never is, and this node did not drain.
  auto r = c.ask(command(kind::status));
  BOOST_TEST_REQUIRE(r.reply.ok, describe(r));
  BOOST_TEST(r.reply.data.at("state").as_string() == "running");
  BOOST_TEST(!other.empty());
}

BOOST_AUTO_TEST_CASE(workers_grow_and_shrink_but_never_below_one) {
  engine e;
  commander c(e);
  auto grown = c.ask(command(kind::workers_add, "workers", 2));
  BOOST_TEST_REQUIRE(grown.reply.ok, describe(grown));
  BOOST_TEST(workers_of(grown).at("total").as_int64() == 6);

  auto shrunk = c.ask(command(kind::workers_remove, "workers", 5));
  BOOST_TEST_REQUIRE(shrunk.reply.ok, describe(shrunk));
  BOOST_TEST(workers_of(shrunk).at("total").as_int64() == 1);

  auto refused = c.ask(command(kind::workers_remove, "workers", 1));
  BOOST_TEST_REQUIRE(!refused.reply.ok, describe(refused));
  BOOST_TEST(refused.reply.error_code == errc::invalid_input);
  BOOST_TEST(mentions(refused.reply.error_message, "at least 1 must stay"),
             refused.reply.error_message);

  // The one worker left still runs steps.
  auto done = e.run(nap);
  BOOST_TEST(done.state == protocol::job_state::finished);
}

BOOST_AUTO_TEST_CASE(a_busy_worker_removed_finishes_its_step_first) {
  engine::options opts;
  opts.workers = 2;
  engine e(opts);
  commander c(e);
  const char* long_nap = R"({"name": "long-nap", "steps": [
      {"id": "nap", "run": {"kind": "sleep", "ms": 300}}]})";
  auto first = e.start(long_nap);
  auto second = e.start(long_nap);
  BOOST_TEST(e.eventually([&] {
    auto r = c.ask(command(kind::status));
    return r.reply.ok && workers_of(r).at("busy").as_int64() == 2;
  }));
  auto shrunk = c.ask(command(kind::workers_remove, "workers", 1));
  BOOST_TEST_REQUIRE(shrunk.reply.ok, describe(shrunk));
  BOOST_TEST(workers_of(shrunk).at("total").as_int64() == 1);
  // Both steps run to their end; the one worker left takes the next job.
  BOOST_TEST(e.wait(first).state == protocol::job_state::finished);
  BOOST_TEST(e.wait(second).state == protocol::job_state::finished);
  BOOST_TEST(e.run(nap).state == protocol::job_state::finished);
  auto status = c.ask(command(kind::status));
  BOOST_TEST(workers_of(status).at("total").as_int64() == 1);
}

BOOST_AUTO_TEST_CASE(an_unknown_system_is_refused_naming_the_known_ones) {
  engine e;
  commander c(e);
  auto r = c.ask(command(kind::system_stop, "scheduler"));
  BOOST_TEST_REQUIRE(!r.reply.ok, describe(r));
  BOOST_TEST(r.reply.error_code == errc::invalid_input);
  BOOST_TEST(mentions(r.reply.error_message, "no system 'scheduler' (known: workers)"),
             r.reply.error_message);
}

BOOST_AUTO_TEST_CASE(a_command_that_does_not_decode_is_answered_and_dead_lettered_never_run) {
  engine e;
  commander c(e);
  auto id = c.send(protocol::node_address(c.node_id()),
                   R"x({"v": 1, "type": "node-command", "command": "(System/exit 0)"})x");
  auto r = c.reply_to(id);
  BOOST_TEST_REQUIRE(!r.reply.ok, describe(r));
  BOOST_TEST(r.node == c.node_id());
  BOOST_TEST(mentions(r.reply.error_message, "unknown command '(System/exit 0)' (known: status"),
             r.reply.error_message);
  auto dead = c.dead_letter(id);
  BOOST_TEST(mentions(dead.dead_letter_reason, "cannot decode node command"),
             dead.dead_letter_reason);
  auto still = c.ask(command(kind::status));
  BOOST_TEST(still.reply.ok, describe(still));
}

BOOST_AUTO_TEST_CASE(a_stopped_workers_system_takes_no_job_until_it_is_started) {
  engine e;
  commander c(e);
  auto stopped = c.ask(command(kind::system_stop, "workers"));
  BOOST_TEST_REQUIRE(stopped.reply.ok, describe(stopped));
  BOOST_TEST(!workers_of(stopped).at("running").as_bool());

  auto id = e.start(nap);
  // Nothing can run it: the node holds no delivery, so the job waits in the broker.
  std::this_thread::sleep_for(200ms);
  BOOST_TEST(e.archived_count() == 0u);

  auto started = c.ask(command(kind::system_start, "workers"));
  BOOST_TEST_REQUIRE(started.reply.ok, describe(started));
  BOOST_TEST(workers_of(started).at("running").as_bool());
  BOOST_TEST(e.wait(id).state == protocol::job_state::finished);

  auto restarted = c.ask(command(kind::system_restart, "workers"));
  BOOST_TEST_REQUIRE(restarted.reply.ok, describe(restarted));
  BOOST_TEST(workers_of(restarted).at("running").as_bool());
  BOOST_TEST(e.run(nap).state == protocol::job_state::finished);
}

BOOST_AUTO_TEST_CASE(a_draining_node_stays_up_takes_no_new_job_and_cannot_be_started) {
  engine e;
  commander c(e);
  auto drained = c.ask(command(kind::drain));
  BOOST_TEST_REQUIRE(drained.reply.ok, describe(drained));
  BOOST_TEST(drained.reply.data.at("state").as_string() == "draining");

  e.start(nap);
  std::this_thread::sleep_for(200ms);
  BOOST_TEST(e.archived_count() == 0u);

  auto refused = c.ask(command(kind::system_start, "workers"));
  BOOST_TEST_REQUIRE(!refused.reply.ok, describe(refused));
  BOOST_TEST(mentions(refused.reply.error_message, "draining"), refused.reply.error_message);
  auto status = c.ask(command(kind::status));
  BOOST_TEST_REQUIRE(status.reply.ok, describe(status));
  BOOST_TEST(status.reply.data.at("state").as_string() == "draining");
}

BOOST_AUTO_TEST_CASE(shutdown_is_answered_before_the_node_is_asked_to_stop) {
  auto asked = std::make_shared<std::atomic<int>>(0);
  engine::options opts;
  opts.on_shutdown_requested = [asked] { ++*asked; };
  engine e(opts);
  commander c(e);
  auto r = c.ask(command(kind::shutdown));
  BOOST_TEST_REQUIRE(r.reply.ok, describe(r));
  BOOST_TEST(e.eventually([&] { return asked->load() == 1; }));
  // A second one is answered but does not ask again.
  auto again = c.ask(command(kind::shutdown));
  BOOST_TEST(again.reply.ok, describe(again));
  BOOST_TEST(asked->load() == 1);
}

BOOST_AUTO_TEST_CASE(a_node_without_a_shutdown_hook_refuses_shutdown) {
  engine e;
  commander c(e);
  auto r = c.ask(command(kind::shutdown));
  BOOST_TEST_REQUIRE(!r.reply.ok, describe(r));
  BOOST_TEST(mentions(r.reply.error_message, "cannot be shut down"), r.reply.error_message);
}

BOOST_AUTO_TEST_CASE(list_jobs_and_show_job_answer_from_the_node_store) {
  engine e;
  commander c(e);
  auto done = e.run(nap);
  e.node().flush_records();
  node_command list;
  list.what = kind::list_jobs;
  auto listed = c.ask(list, true);
  BOOST_TEST_REQUIRE(listed.reply.ok, describe(listed));
  const auto& jobs = listed.reply.data.at("jobs").as_array();
  BOOST_TEST_REQUIRE(jobs.size() == 1u);
  BOOST_TEST(jobs[0].at("id").as_string() == done.id);

  node_command show;
  show.what = kind::show_job;
  show.query.job_id = done.id;
  auto shown = c.ask(show, true);
  BOOST_TEST_REQUIRE(shown.reply.ok, describe(shown));
  BOOST_TEST(shown.reply.data.at("state").as_string() == "finished");
}

BOOST_AUTO_TEST_SUITE_END()
