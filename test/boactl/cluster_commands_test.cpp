#include <boost/test/unit_test.hpp>

#include "fake_cluster.hpp"
#include "run_boactl.hpp"

#include "actors/cluster_snapshot_codec.hpp"
#include "protocol/heartbeat.hpp"
#include "tools/boactl/cli.hpp"
#include "tools/boactl/exit_codes.hpp"

#include <boost/json/parse.hpp>

#include <atomic>
#include <chrono>
#include <sstream>
#include <thread>

using namespace boa;
using boa::test::fake_cluster;

namespace {

using outcome = boa::test::boactl_outcome;
using boa::test::contains;

outcome run(const boactl::connect_fn& connect, std::vector<std::string> args) {
  return boa::test::run_boactl(connect, std::move(args));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

/// Nodes beating on the fake cluster's bus every 50 ms while it lives.
class beating_nodes {
public:
  beating_nodes(fake_cluster& cluster, std::vector<protocol::heartbeat> beats)
      : thread_([this, bus = cluster.bus(), beats = std::move(beats)]() mutable {
          while (!stop_) {
            for (auto& b : beats) {
              ++b.seq;
              protocol::envelope env;
              env.address = protocol::addresses::heartbeat;
              env.subject = protocol::heartbeat_type;
              env.body = protocol::serialize_heartbeat(b);
              bus->publish(std::move(env), caf::actor{}, 0);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
        }) {}
  ~beating_nodes() {
    stop_ = true;
    thread_.join();
  }

private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

protocol::heartbeat beat(std::string node, std::vector<protocol::running_job> jobs) {
  protocol::heartbeat b;
  b.node = std::move(node);
  b.host = "h";
  b.pid = 7;
  b.started_ms = 1'700'000'000'000;
  b.sent_ms = b.started_ms;
  b.interval_ms = 100;
  b.systems = {{"workers", 4, static_cast<std::int64_t>(jobs.size()), true}};
  b.jobs = std::move(jobs);
  return b;
}

/// A node whose aggregator has listened for 5 s and sees one job on n2.
fake_cluster::script node_with_a_view() {
  return [](const protocol::envelope& in) -> std::vector<protocol::envelope> {
    actors::cluster_snapshot view;
    view.taken_ms = 1'700'000'005'000;
    view.listening_ms = 5000;
    actors::node_view n;
    n.last = beat("n2", {{"j-7", "greet", "render", 1'700'000'004'000, 3, 2}});
    n.last.seq = 9;
    n.age_ms = 250;
    view.nodes = {n};
    actors::job_view j;
    static_cast<protocol::running_job&>(j) = n.last.jobs[0];
    j.node = "n2";
    j.age_ms = 250;
    view.jobs = {j};
    if (in.subject == "cluster-nodes")
      return {boa::test::ok_answer(in, actors::encode_cluster_nodes(view, "n1"))};
    if (in.subject == "cluster-jobs")
      return {boa::test::ok_answer(in, actors::encode_cluster_jobs(view, "n1"))};
    return {};
  };
}

} // namespace

BOOST_AUTO_TEST_SUITE(boactl_cluster)

BOOST_AUTO_TEST_CASE(cluster_jobs_merges_what_every_node_reports_the_most_advanced_winning) {
  fake_cluster cluster;
  beating_nodes nodes(cluster, {beat("n1", {{"j-1", "greet", "fetch", 1000, 1, 1},
                                            {"j-2", "sum", "add", 2000, 4, 3}}),
                                beat("n2", {{"j-1", "greet", "render", 900, 2, 2}})});
  auto o = run(cluster.connect(), {"cluster", "jobs", "--listen", "0.4", "--json"});
  BOOST_TEST_REQUIRE(o.code == 0, o.err);
  auto data = boost::json::parse(o.out).as_object();
  BOOST_TEST(data.at("observer").as_string() == "boactl");
  BOOST_TEST(data.at("listening_ms").as_int64() >= 400);
  const auto& jobs = data.at("jobs").as_array();
  BOOST_TEST_REQUIRE(jobs.size() == 2u);
  BOOST_TEST(jobs[0].as_object().at("job_id").as_string() == "j-1");
  BOOST_TEST(jobs[0].as_object().at("step").as_string() == "render");
  BOOST_TEST(jobs[0].as_object().at("node").as_string() == "n2");
  BOOST_TEST(jobs[1].as_object().at("node").as_string() == "n1");

  auto table = run(cluster.connect(), {"cluster", "jobs", "--listen", "0.3"});
  BOOST_TEST_REQUIRE(table.code == 0, table.err);
  auto rows = lines_of(table.out);
  BOOST_TEST_REQUIRE(rows.size() == 3u, table.out);
  BOOST_TEST(contains(rows[0], "JOB"));
  BOOST_TEST(contains(rows[0], "LAST BEAT"));
  BOOST_TEST(contains(rows[1], "j-1"));
  BOOST_TEST(contains(rows[1], "render"));
  BOOST_TEST(contains(rows[1], "n2"));
  BOOST_TEST(contains(rows[1], " ago"), rows[1]);
}

BOOST_AUTO_TEST_CASE(cluster_nodes_shows_each_node_with_the_age_of_its_last_beat) {
  fake_cluster cluster;
  beating_nodes nodes(cluster, {beat("n1", {}), beat("n2", {{"j-1", "w", "s", 1, 1, 0}})});
  auto o = run(cluster.connect(), {"cluster", "nodes", "--listen", "0.3"});
  BOOST_TEST_REQUIRE(o.code == 0, o.err);
  auto rows = lines_of(o.out);
  BOOST_TEST_REQUIRE(rows.size() == 3u, o.out);
  BOOST_TEST(contains(rows[0], "LAST BEAT"));
  BOOST_TEST(contains(rows[1], "n1"));
  BOOST_TEST(contains(rows[1], "live"));
  BOOST_TEST(contains(rows[1], " ago"));
  BOOST_TEST(contains(rows[2], "1/4 busy"), rows[2]);
}

BOOST_AUTO_TEST_CASE(nobody_heard_exits_3_saying_so) {
  fake_cluster cluster;
  auto o = run(cluster.connect(), {"cluster", "jobs", "--listen", "0.2"});
  BOOST_TEST(o.code == boactl::exit_unreachable);
  BOOST_TEST(contains(o.err, "no node heartbeat within"), o.err);
}

BOOST_AUTO_TEST_CASE(from_node_asks_a_node_and_shows_how_long_it_has_listened) {
  fake_cluster cluster;
  cluster.answer_with(node_with_a_view());
  auto o = run(cluster.connect(), {"cluster", "nodes", "--from-node", "--json"});
  BOOST_TEST_REQUIRE(o.code == 0, o.err);
  auto in = cluster.received();
  BOOST_TEST_REQUIRE(in.size() == 1u);
  BOOST_TEST(in[0].subject == "cluster-nodes");
  auto data = boost::json::parse(o.out).as_object();
  BOOST_TEST(data.at("observer").as_string() == "n1");
  BOOST_TEST(data.at("listening_ms").as_int64() == 5000);
  BOOST_TEST(data.at("nodes").as_array().at(0).as_object().at("age_ms").as_int64() == 250);

  auto jobs = run(cluster.connect(), {"cluster", "jobs", "--from-node"});
  BOOST_TEST_REQUIRE(jobs.code == 0, jobs.err);
  BOOST_TEST(contains(jobs.out, "j-7"));
  BOOST_TEST(contains(jobs.out, "250 ms ago"), jobs.out);
  BOOST_TEST(contains(jobs.out, "as n1 has heard it over 5.00 s"), jobs.out);
  BOOST_TEST(jobs.err.empty(), jobs.err);
}

BOOST_AUTO_TEST_CASE(a_view_from_a_node_that_has_just_started_listening_says_so) {
  fake_cluster cluster;
  cluster.answer_with([](const protocol::envelope& in) -> std::vector<protocol::envelope> {
    actors::cluster_snapshot fresh;
    fresh.taken_ms = 1'700'000'000'000;
    fresh.listening_ms = 3;
    return {boa::test::ok_answer(in, actors::encode_cluster_nodes(fresh, "n1"))};
  });
  auto o = run(cluster.connect(), {"cluster", "nodes", "--from-node"});
  BOOST_TEST_REQUIRE(o.code == 0, o.err);
  BOOST_TEST(contains(o.out, "as n1 has heard it over 3 ms"), o.out);
  BOOST_TEST(contains(o.err, "n1 has listened to the heartbeats for only 3 ms"), o.err);
}

BOOST_AUTO_TEST_CASE(watch_for_prints_a_view_per_refresh_then_stops) {
  fake_cluster cluster;
  cluster.answer_with(node_with_a_view());
  // The node beats every 100 ms: about one document per 100 ms for 0.5 s.
  auto o = run(cluster.connect(),
               {"cluster", "nodes", "--from-node", "--watch", "--watch-for", "0.5", "--json"});
  BOOST_TEST_REQUIRE(o.code == 0, o.err);
  auto docs = lines_of(o.out);
  BOOST_TEST(docs.size() >= 3u, o.out);
  BOOST_TEST(docs.size() <= 7u, o.out);
  for (const auto& d : docs)
    BOOST_TEST(boost::json::parse(d).as_object().at("nodes").as_array().size() == 1u);
  BOOST_TEST(cluster.received().size() == docs.size());

  auto text =
      run(cluster.connect(), {"cluster", "jobs", "--from-node", "--watch", "--watch-for", "0.25"});
  BOOST_TEST_REQUIRE(text.code == 0, text.err);
  auto lines = lines_of(text.out);
  // Each table: a header naming who listened and how long, the column titles, one job; then a
  // blank line before the next (stdout is no terminal here: nothing is cleared).
  BOOST_TEST_REQUIRE(lines.size() >= 7u, text.out);
  BOOST_TEST(contains(lines[0], "as n1 has heard it over 5.00 s"), lines[0]);
  BOOST_TEST(contains(lines[1], "JOB"));
  BOOST_TEST(contains(lines[2], "j-7"));
  BOOST_TEST(lines[3].empty());
  BOOST_TEST(contains(lines[4], "as n1 has heard it"));
  BOOST_TEST(!contains(text.out, "\033["));
}

BOOST_AUTO_TEST_CASE(watch_for_needs_watch) {
  fake_cluster cluster;
  auto o = run(cluster.connect(), {"cluster", "jobs", "--watch-for", "1"});
  BOOST_TEST(o.code == boactl::exit_bad_input);
  BOOST_TEST(cluster.connects() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
