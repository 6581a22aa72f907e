#define BOOST_TEST_MODULE cluster_aggregator
#include <boost/test/unit_test.hpp>

#include "actors/bus/local_bus.hpp"
#include "actors/cluster_aggregator.hpp"
#include "actors/messages.hpp"
#include "protocol/envelope.hpp"
#include "protocol/heartbeat.hpp"
#include "test/support/heartbeats.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using boa::actors::cluster_snapshot;
using boa::actors::node_change;
using boa::actors::node_status;
using boa::protocol::heartbeat;
using boa::protocol::running_job;
using boa::test::beat;

namespace {

/// The wall clock seam, moved by hand.
class fake_clock final : public boa::actors::wall_clock {
public:
  std::int64_t now_ms() const override { return now_.load(); }
  void set(std::int64_t ms) { now_.store(ms); }

private:
  std::atomic<std::int64_t> now_{1'000'000};
};

/// One aggregator on an in-process bus, with its timers out of the way (ticks are sent by hand)
/// and every change it reports collected.
class fixture {
public:
  fixture() : system_(config_) {
    ctx_.node_id = "observer";
    ctx_.bus = &bus_;
    ctx_.clock = &clock_;
    boa::actors::cluster_aggregator_settings settings;
    settings.check_interval = 1h;
    settings.eviction_interval = 1h;
    settings.on_change = [this](const node_change& c) {
      std::lock_guard lock{mutex_};
      changes_.push_back(std::string(boa::actors::to_string(c.what)) + " " + c.node.last.node);
    };
    aggregator_ = boa::actors::spawn_cluster_aggregator(system_, ctx_, settings);
    snapshot(); // answered once it has subscribed: no beat published from now on is missed
  }

  ~fixture() {
    caf::anon_send_exit(aggregator_, caf::exit_reason::user_shutdown);
    system_.await_all_actors_done();
  }

  void publish(const heartbeat& b) { publish_text(boa::protocol::serialize_heartbeat(b)); }

  void publish_text(std::string body) {
    boa::protocol::envelope env;
    env.address = boa::protocol::addresses::heartbeat;
    env.subject = boa::protocol::heartbeat_type;
    env.message_id = "beat-" + std::to_string(++published_);
    env.body = std::move(body);
    bus_.publish(std::move(env), caf::actor{}, 0);
  }

  cluster_snapshot snapshot() {
    caf::scoped_actor self{system_};
    cluster_snapshot out;
    self->request(aggregator_, 5s, boa::actors::cluster_view_atom::value)
        .receive([&](cluster_snapshot& s) { out = std::move(s); },
                 [&](caf::error& e) { BOOST_FAIL("no snapshot: " << system_.render(e)); });
    return out;
  }

  /// Sends `tick` and waits for the aggregator to have handled it: messages of one sender
  /// arrive in order, so the answer to a later request from the same sender comes after it.
  template <class Atom> void then_wait(Atom tick) {
    caf::scoped_actor self{system_};
    self->send(aggregator_, tick, false);
    self->request(aggregator_, 5s, boa::actors::cluster_view_atom::value)
        .receive([](cluster_snapshot&) {},
                 [&](caf::error& e) { BOOST_FAIL("no answer: " << system_.render(e)); });
  }

  /// Waits until the aggregator has taken every beat published so far (they are settled).
  bool settled() {
    return eventually([&] {
      for (const auto& name : bus_.core().queue_names())
        if (name.starts_with(boa::protocol::addresses::heartbeat))
          return false;
      return true;
    });
  }

  template <class Predicate> bool eventually(Predicate pred) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(2ms);
    }
    return true;
  }

  /// Judges the statuses now, and returns once that is done (before the clock moves on).
  void check() { then_wait(boa::actors::check_atom::value); }
  void evict() { then_wait(boa::actors::evict_atom::value); }

  std::vector<std::string> changes() {
    std::lock_guard lock{mutex_};
    return changes_;
  }

  fake_clock& clock() { return clock_; }
  boa::bus::local_bus& bus() { return bus_; }

private:
  caf::actor_system_config config_;
  caf::actor_system system_;
  boa::bus::local_bus bus_;
  fake_clock clock_;
  boa::actors::node_context ctx_;
  caf::actor aggregator_;
  std::mutex mutex_;
  std::vector<std::string> changes_;
  int published_ = 0;
};

} // namespace

BOOST_AUTO_TEST_SUITE(cluster_aggregator)

BOOST_AUTO_TEST_CASE(a_silent_node_goes_live_suspect_down_and_is_evicted_on_the_fake_clock) {
  fixture f;
  f.publish(beat("n1", 100, 1));
  BOOST_TEST_REQUIRE(f.eventually([&] { return f.snapshot().nodes.size() == 1u; }));
  auto snap = f.snapshot();
  BOOST_TEST((snap.nodes[0].status == node_status::live));
  BOOST_TEST(snap.nodes[0].age_ms == 0);

  f.clock().set(1'003'500);
  snap = f.snapshot();
  BOOST_TEST((snap.nodes[0].status == node_status::suspect));
  BOOST_TEST(snap.nodes[0].age_ms == 3500);
  BOOST_TEST(snap.listening_ms == 3500);
  f.check();

  f.clock().set(1'010'500);
  BOOST_TEST((f.snapshot().nodes[0].status == node_status::down));
  f.check();

  f.clock().set(1'029'000);
  f.evict();
  BOOST_TEST(f.snapshot().nodes.size() == 1u); // not yet older than the 30 s eviction age
  f.clock().set(1'030'001);
  f.evict();
  BOOST_TEST(f.eventually([&] { return f.snapshot().nodes.empty(); }));
  BOOST_TEST(f.eventually([&] { return f.changes().size() == 4u; }));
  BOOST_TEST((f.changes() ==
              std::vector<std::string>{"joined n1", "suspect n1", "down n1", "evicted n1"}));
}

BOOST_AUTO_TEST_CASE(a_node_heard_again_is_live_again_and_a_restart_is_recognised) {
  fixture f;
  f.publish(beat("n1", 100, 1));
  BOOST_TEST_REQUIRE(f.settled());
  f.clock().set(1'015'000);
  f.check();
  f.publish(beat("n1", 100, 2));
  BOOST_TEST_REQUIRE(f.settled());
  f.publish(beat("n1", 20'000, 1)); // same id, new process
  BOOST_TEST_REQUIRE(f.settled());
  auto snap = f.snapshot();
  BOOST_TEST_REQUIRE(snap.nodes.size() == 1u);
  BOOST_TEST(snap.nodes[0].restarts == 1);
  BOOST_TEST(snap.nodes[0].last.started_ms == 20'000);
  BOOST_TEST((snap.nodes[0].status == node_status::live));
  BOOST_TEST((f.changes() ==
              std::vector<std::string>{"joined n1", "down n1", "live again n1", "restarted n1"}));
}

BOOST_AUTO_TEST_CASE(jobs_reported_by_several_nodes_are_merged_most_advanced_first) {
  fixture f;
  f.publish(beat("n1", 100, 1, {{"j-1", "w", "b", 500, 2, 1}, {"j-2", "w", "x", 400, 1, 0}}));
  f.publish(beat("n2", 100, 1, {{"j-1", "w", "c", 450, 3, 2}}));
  BOOST_TEST_REQUIRE(f.settled());
  BOOST_TEST_REQUIRE(f.eventually([&] { return f.snapshot().nodes.size() == 2u; }));
  f.clock().set(1'000'700);
  auto jobs = f.snapshot().jobs;
  BOOST_TEST_REQUIRE(jobs.size() == 2u);
  BOOST_TEST(jobs[0].job_id == "j-1");
  BOOST_TEST(jobs[0].step == "c");
  BOOST_TEST(jobs[0].node == "n2");
  BOOST_TEST(jobs[0].age_ms == 700);
  BOOST_TEST(jobs[1].job_id == "j-2");
  BOOST_TEST(jobs[1].node == "n1");
}

BOOST_AUTO_TEST_CASE(a_beat_that_does_not_decode_is_dead_lettered_with_the_reason) {
  fixture f;
  f.publish_text(R"({"v": 1, "type": "heartbeat", "node": ""})");
  f.publish(beat("n1", 100, 1));
  BOOST_TEST_REQUIRE(f.settled());
  BOOST_TEST_REQUIRE(f.eventually([&] { return f.snapshot().nodes.size() == 1u; }));
  std::mutex mutex;
  std::vector<std::string> reasons;
  auto sub =
      f.bus().core().subscribe(boa::protocol::addresses::dead, 10, [&](boa::bus::delivery d) {
        std::lock_guard lock{mutex};
        reasons.push_back(d.message.dead_letter_reason);
      });
  BOOST_TEST_REQUIRE(sub.has_value());
  BOOST_TEST_REQUIRE(f.eventually([&] {
    std::lock_guard lock{mutex};
    return !reasons.empty();
  }));
  f.bus().core().unsubscribe(*sub); // before `reasons` and `mutex` go
  std::lock_guard lock{mutex};
  BOOST_TEST(reasons.size() == 1u);
  BOOST_TEST(reasons[0].starts_with("cannot decode heartbeat: heartbeat: "), reasons[0]);
  BOOST_TEST(reasons[0].find("node") != std::string::npos, reasons[0]);
}

BOOST_AUTO_TEST_SUITE_END()
