#define BOOST_TEST_MODULE heartbeat
#include <boost/test/unit_test.hpp>

#include "engine_harness.hpp"

#include "actors/heartbeat_emitter.hpp"
#include "protocol/heartbeat.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

#include <unistd.h>

using namespace std::chrono_literals;

namespace {

/// Every heartbeat published on the bus, decoded. It unsubscribes when it goes: a node that
/// stops later still publishes its last beat.
class beat_collector {
public:
  explicit beat_collector(boa::bus::broker_core& core) : core_(core) {
    auto sub =
        core.subscribe(boa::protocol::addresses::heartbeat, 1u << 20, [this](boa::bus::delivery d) {
          auto beat = boa::protocol::parse_heartbeat(d.message.body);
          std::lock_guard lock{mutex_};
          ttls_.push_back(d.message.ttl_ms);
          if (beat)
            beats_.push_back(std::move(*beat));
          else
            ++undecodable_;
        });
    BOOST_TEST_REQUIRE(sub.has_value());
    subscription_ = *sub;
  }
  /// After this no callback runs: the broker calls them under the lock `unsubscribe` takes.
  ~beat_collector() { core_.unsubscribe(subscription_); }
  beat_collector(const beat_collector&) = delete;
  beat_collector& operator=(const beat_collector&) = delete;

  std::vector<boa::protocol::heartbeat> beats() {
    std::lock_guard lock{mutex_};
    return beats_;
  }
  int undecodable() {
    std::lock_guard lock{mutex_};
    return undecodable_;
  }
  /// The ttl each beat was published with, in arrival order.
  std::vector<std::uint32_t> ttls() {
    std::lock_guard lock{mutex_};
    return ttls_;
  }

private:
  boa::bus::broker_core& core_;
  std::uint64_t subscription_ = 0;
  std::mutex mutex_;
  std::vector<boa::protocol::heartbeat> beats_;
  std::vector<std::uint32_t> ttls_;
  int undecodable_ = 0;
};

bool shows(const boa::protocol::heartbeat& b, const std::string& job, const std::string& step) {
  return std::any_of(b.jobs.begin(), b.jobs.end(), [&](const auto& r) {
    return r.job_id == job && r.step == step && r.workflow == "nap-flow";
  });
}

} // namespace

BOOST_AUTO_TEST_CASE(heartbeats_show_the_running_step_then_the_counters) {
  boa::test::engine::options opts;
  opts.workers = 2;
  opts.heartbeat_interval = 20ms;
  boa::test::engine e{opts};
  beat_collector collector{e.bus().core()};

  auto id = e.start(R"({"name": "nap-flow", "steps": [
      {"id": "nap", "run": {"kind": "sleep", "ms": 400}}]})");
  BOOST_TEST(e.eventually([&] {
    auto beats = collector.beats();
    return std::any_of(beats.begin(), beats.end(), [&](const auto& b) {
      return shows(b, id, "nap") && b.systems.size() == 1 && b.systems[0].busy == 1;
    });
  }));
  e.wait(id);
  BOOST_TEST(e.eventually([&] {
    auto beats = collector.beats();
    return !beats.empty() && beats.back().jobs.empty() && beats.back().steps_ok >= 1 &&
           beats.back().systems[0].busy == 0;
  }));

  auto beats = collector.beats();
  BOOST_TEST(collector.undecodable() == 0);
  // A beat is worth nothing after three intervals: the broker may drop it then.
  for (auto ttl : collector.ttls())
    BOOST_TEST(ttl == 60u);
  BOOST_TEST_REQUIRE(beats.size() >= 2u);
  for (std::size_t i = 0; i < beats.size(); ++i) {
    BOOST_TEST(beats[i].node == e.node().context().node_id);
    BOOST_TEST(beats[i].systems[0].total == 2);
    BOOST_TEST(beats[i].interval_ms == 20);
    if (i > 0) {
      BOOST_TEST(beats[i].seq == beats[i - 1].seq + 1);
      BOOST_TEST(beats[i].started_ms == beats[0].started_ms);
    }
  }
}

BOOST_AUTO_TEST_CASE(no_heartbeats_without_an_interval) {
  boa::test::engine e;
  beat_collector collector{e.bus().core()};
  e.run(R"({"name": "quick", "steps": [{"id": "a", "run": {"kind": "noop"}}]})");
  BOOST_TEST(collector.beats().empty());
}

namespace {

class fixed_clock final : public boa::actors::wall_clock {
public:
  std::int64_t now_ms() const override { return 1234; }
};

} // namespace

BOOST_AUTO_TEST_CASE(a_node_reports_the_host_facts_its_owner_gives) {
  fixed_clock clock;
  boa::actors::node_context ctx;
  ctx.node_id = "n1";
  ctx.clock = &clock;
  boa::actors::heartbeat_settings settings;
  int reads = 0;
  settings.facts = [&reads] {
    ++reads;
    return boa::actors::host_facts{"sim-host", 42, {0.5, 0.25, 0.125}, 1 << 20};
  };
  auto beat = boa::actors::current_state(ctx, settings, 3);
  BOOST_TEST(beat.host == "sim-host");
  BOOST_TEST(beat.pid == 42);
  BOOST_TEST(beat.load == (std::vector<double>{0.5, 0.25, 0.125}));
  BOOST_TEST(beat.rss_bytes == 1 << 20);
  BOOST_TEST(beat.sent_ms == 1234);
  // Read at every beat, not once: load and memory change.
  boa::actors::current_state(ctx, settings, 4);
  BOOST_TEST(reads == 2);
}

BOOST_AUTO_TEST_CASE(without_a_source_the_host_facts_are_the_processes_own) {
  auto facts = boa::actors::read_host_facts();
  BOOST_TEST(facts.pid == static_cast<std::int64_t>(::getpid()));
  BOOST_TEST(!facts.host.empty());
  BOOST_TEST(facts.rss_bytes > 0);
}
