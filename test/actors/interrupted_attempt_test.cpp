#define BOOST_TEST_MODULE interrupted_attempt
#include <boost/test/unit_test.hpp>

#include "engine_harness.hpp"

#include "actors/cluster_view.hpp"
#include "actors/messages.hpp"
#include "protocol/heartbeat.hpp"

#include <caf/scoped_actor.hpp>

// A job state the broker delivers again (its node died or hung) is checked against the cluster
// view of a cluster-aware node: the attempt a silent node had started stays in the history.

using boa::test::engine;

namespace {

constexpr const char* two_steps = R"({"name": "two", "steps": [
  {"id": "first", "run": {"kind": "set", "values": {"a": 1}}, "next": [["*", "second"]]},
  {"id": "second", "run": {"kind": "set", "values": {"b": 2}}}]})";

/// The job as node `gone` would have taken it: at step `second`, its state's version 3.
boa::protocol::job state_at_second(const std::string& id) {
  auto j = boa::protocol::transition::start(id, engine::workflow(two_steps), {}, 1000);
  j.state = boa::protocol::job_state::running;
  j.step = "second";
  j.version = 3;
  j.history.push_back({"first", 1, "gone", "worker-1", 1000, 1001, "", ""});
  return j;
}

/// A beat of node `gone` that shows it running step `second` of `job_id` at `version`.
void beat_running(engine& e, const std::string& job_id, std::int64_t version) {
  boa::protocol::heartbeat beat;
  beat.node = "gone";
  beat.host = "h";
  beat.pid = 7;
  beat.started_ms = 500;
  beat.sent_ms = 2000;
  beat.seq = 1;
  beat.interval_ms = 1000;
  beat.jobs.push_back({job_id, "two", "second", 1500, version, 1});
  boa::protocol::envelope env;
  env.address = boa::protocol::addresses::heartbeat;
  env.subject = boa::protocol::heartbeat_type;
  env.body = boa::protocol::serialize_heartbeat(beat);
  e.bus().publish(std::move(env), caf::actor{}, 0);
}

/// Beats as node `gone` until the node's cluster view shows `job_id` (a beat sent before the
/// aggregator subscribed is lost, as on a real topic).
bool view_shows(engine& e, const std::string& job_id, std::int64_t version) {
  return e.eventually([&] {
    beat_running(e, job_id, version);
    caf::scoped_actor self{e.system()};
    bool seen = false;
    self->request(e.node().cluster_view(), std::chrono::seconds(5),
                  boa::actors::cluster_view_atom::value)
        .receive(
            [&](boa::actors::cluster_snapshot& s) {
              for (const auto& j : s.jobs)
                seen = seen || j.job_id == job_id;
            },
            [](caf::error&) {});
    return seen;
  });
}

void redeliver(engine& e, const boa::protocol::job& j) {
  boa::protocol::envelope env;
  env.address = boa::protocol::addresses::jobs;
  env.subject = "job";
  env.message_id = "job/" + j.id + "/v3/gone.1";
  env.body = boa::protocol::serialize_job(j);
  env.delivery_count = 1; // as the broker marks a message it delivered before
  e.bus().publish(std::move(env), caf::actor{}, 0);
}

} // namespace

BOOST_AUTO_TEST_CASE(an_attempt_a_silent_node_had_started_is_kept_with_its_node) {
  engine::options opts;
  opts.cluster_aware = true;
  engine e{opts};
  BOOST_REQUIRE(view_shows(e, "j-interrupted", 3));
  redeliver(e, state_at_second("j-interrupted"));
  auto done = e.wait("j-interrupted");
  BOOST_TEST(done.state == boa::protocol::job_state::finished);
  BOOST_REQUIRE(done.history.size() == 3u);
  const auto& lost = done.history[1];
  BOOST_TEST(lost.step == "second");
  BOOST_TEST(lost.attempt == 1);
  BOOST_TEST(lost.node == "gone");
  BOOST_TEST(lost.result == "interrupted");
  BOOST_TEST(lost.start_ms == 1500);
  BOOST_TEST(lost.error.find("node gone") != std::string::npos);
  const auto& again = done.history[2];
  BOOST_TEST(again.step == "second");
  BOOST_TEST(again.attempt == 2);
  BOOST_TEST(again.node == "node-1");
}

BOOST_AUTO_TEST_CASE(a_state_the_view_never_saw_running_leaves_no_trace) {
  engine::options opts;
  opts.cluster_aware = true;
  engine e{opts};
  // An older state of the job runs there: not the one delivered again.
  BOOST_REQUIRE(view_shows(e, "j-only-held", 2));
  redeliver(e, state_at_second("j-only-held"));
  auto done = e.wait("j-only-held");
  BOOST_REQUIRE(done.history.size() == 2u);
  BOOST_TEST(done.history[1].attempt == 1);
  BOOST_TEST(done.history[1].node == "node-1");
}

BOOST_AUTO_TEST_CASE(a_node_that_is_not_cluster_aware_runs_the_step_again_as_before) {
  engine e;
  redeliver(e, state_at_second("j-unaware"));
  auto done = e.wait("j-unaware");
  BOOST_REQUIRE(done.history.size() == 2u);
  BOOST_TEST(done.history[1].attempt == 1);
}
