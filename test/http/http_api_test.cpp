#include <boost/test/unit_test.hpp>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "actors/bus/local_bus.hpp"
#include "actors/messages.hpp"
#include "actors/metrics/node_metrics.hpp"
#include "protocol/job.hpp"
#include "runtime/executors/standard_executors.hpp"
#include "runtime/http/http_api.hpp"
#include "runtime/node.hpp"
#include "storage/workflow_repository.hpp"
#include "test/support/prometheus_text.hpp"
#include "test/support/temp_dir.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

struct response {
  unsigned status = 0;
  json::value body;
  bool keep_alive = false;

  std::string error_code() const {
    const auto* e = body.is_object() ? body.as_object().if_contains("error") : nullptr;
    return e ? std::string(e->at("code").as_string()) : std::string();
  }
};

/// One keep-alive connection to the API, spoken to with Beast.
class client {
public:
  explicit client(std::uint16_t port) : stream_(io_) {
    stream_.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
  }

  response send(bhttp::verb method, const std::string& target, const std::string& body = {},
                const std::string& token = {}) {
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    if (!token.empty())
      req.set(bhttp::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    bhttp::write(stream_, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream_, buffer, res);
    response out;
    out.status = res.result_int();
    out.keep_alive = res.keep_alive();
    out.body = json::parse(res.body());
    return out;
  }

  response get(const std::string& target, const std::string& token = {}) {
    return send(bhttp::verb::get, target, {}, token);
  }
  response post(const std::string& target, const std::string& body, const std::string& token = {}) {
    return send(bhttp::verb::post, target, body, token);
  }

private:
  net::io_context io_;
  beast::tcp_stream stream_;
};

/// An aggregator that takes cluster view requests and never answers them.
caf::behavior silent_view(caf::event_based_actor* self) {
  auto held = std::make_shared<std::vector<caf::response_promise>>();
  return {[self, held](boa::actors::cluster_view_atom) {
    held->push_back(self->make_response_promise());
  }};
}

struct api_node_options {
  std::string token;
  /// Answer cluster views from an aggregator that never answers.
  bool silent_cluster_view = false;
  /// How long the API waits for an actor or another node.
  std::chrono::milliseconds actor_timeout{5000};
};

/// A real node on the in-process bus with the HTTP API on a free port.
class api_node {
public:
  explicit api_node(std::string token = {}) : api_node(api_node_options{std::move(token)}) {}
  /// With `archive_postgres`, the node archives in that PostgreSQL database, not its job store.
  explicit api_node(api_node_options given, std::string archive_postgres = {}) : system_(config_) {
    bus_.meter(&metrics_);
    node_ = start_node("api-node", data_.path(), &metrics_, std::move(archive_postgres));

    boa::http::http_api_options options;
    options.token = std::move(given.token);
    options.server.body_limit = 64 * 1024;
    boa::http::api_context ctx;
    ctx.system = &system_;
    ctx.node = &node_->context();
    ctx.jobs = node_->store();
    ctx.workflows = node_->repository();
    ctx.archive = node_->archive();
    ctx.flush_records = [this] { node_->flush_records(); };
    ctx.cluster_view = [this] { return node_->cluster_view(); };
    ctx.actor_timeout = given.actor_timeout;
    ctx.running_cluster_view = [this] { return node_->running_cluster_view(); };
    if (given.silent_cluster_view) {
      silent_ = system_.spawn(silent_view);
      ctx.cluster_view = [this] { return silent_; };
      ctx.actor_timeout = 200ms;
    }
    ctx.not_ready = [this]() -> std::optional<std::string> {
      if (broker_down_)
        return "the node is not connected to its broker";
      return std::nullopt;
    };
    auto api = boa::http::http_api::start(std::move(options), std::move(ctx));
    if (!api)
      BOOST_FAIL("api: " << api.error().message);
    api_ = std::move(*api);
  }

  ~api_node() {
    api_->stop();
    if (silent_)
      caf::anon_send_exit(silent_, caf::exit_reason::user_shutdown);
    for (auto& peer : peers_)
      peer->stop();
    node_->stop();
    system_.await_all_actors_done();
  }

  std::uint16_t port() const { return api_->port(); }
  void set_broker_down(bool down) { broker_down_ = down; }

  /// Starts another node on the same bus, without an API of its own; stopped with this one.
  void start_peer(const std::string& id) {
    peer_dirs_.push_back(std::make_unique<boa::test::temp_dir>("boa-http-peer"));
    peers_.push_back(start_node(id, peer_dirs_.back()->path()));
  }

private:
  std::unique_ptr<boa::runtime::node> start_node(const std::string& id,
                                                 const std::filesystem::path& dir,
                                                 boa::metrics::node_metrics* metrics = nullptr,
                                                 std::string archive_postgres = {}) {
    auto functions = std::make_shared<boa::runtime::cpp_step_registry>();
    auto executors = std::make_shared<boa::actors::executor_registry>();
    boa::runtime::add_standard_executors(*executors, functions);
    boa::runtime::node_options opts;
    opts.node_id = id;
    opts.workers = 2;
    opts.data_dir = dir;
    opts.archive = true;
    opts.archive_postgres = std::move(archive_postgres);
    opts.repository = std::make_shared<boa::storage::workflow_repository>(dir / "repo");
    opts.heartbeat_interval = 100ms;
    opts.metrics = metrics;
    auto n = boa::runtime::node::start(system_, bus_, executors, opts);
    if (!n)
      BOOST_FAIL("node " << id << ": " << n.error().message);
    return std::move(*n);
  }

  boa::test::temp_dir data_{"boa-http-test"};
  std::vector<std::unique_ptr<boa::test::temp_dir>> peer_dirs_;
  boa::metrics::node_metrics metrics_{"test"}; ///< outlives the bus, the node and its actors
  caf::actor_system_config config_;
  caf::actor_system system_;
  boa::bus::local_bus bus_;
  std::unique_ptr<boa::runtime::node> node_;
  std::vector<std::unique_ptr<boa::runtime::node>> peers_;
  std::atomic<bool> broker_down_{false};
  caf::actor silent_;
  std::unique_ptr<boa::http::http_api> api_;
};

const std::string quick_workflow =
    R"({"name": "quick", "steps": [{"id": "a", "run": {"kind": "set", "values": {"x": 1}}}]})";

const std::string slow_workflow =
    R"({"name": "slow", "steps": [{"id": "a", "run": {"kind": "sleep", "ms": 500},
        "next": [["*", "b"]]}, {"id": "b", "run": "noop"}]})";

} // namespace

BOOST_AUTO_TEST_SUITE(http_api)

BOOST_AUTO_TEST_CASE(healthz_answers_and_the_connection_stays_open) {
  api_node n;
  client c{n.port()};
  auto first = c.get("/healthz");
  BOOST_TEST(first.status == 200u);
  BOOST_TEST(first.body.at("status").as_string() == "up");
  BOOST_TEST(first.keep_alive);
  auto second = c.get("/healthz"); // same connection
  BOOST_TEST(second.status == 200u);
}

BOOST_AUTO_TEST_CASE(readyz_says_why_the_node_is_not_ready) {
  api_node n;
  client c{n.port()};
  BOOST_TEST(c.get("/readyz").status == 200u);
  n.set_broker_down(true);
  auto down = c.get("/readyz");
  BOOST_TEST(down.status == 503u);
  BOOST_TEST(down.error_code() == "not_ready");
  BOOST_TEST(std::string(down.body.at("error").at("message").as_string()).find("broker") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_routes_are_404_and_wrong_methods_405) {
  api_node n;
  client c{n.port()};
  auto unknown = c.get("/nothing/here");
  BOOST_TEST(unknown.status == 404u);
  BOOST_TEST(unknown.error_code() == "not_found");
  auto wrong = c.post("/healthz", "{}");
  BOOST_TEST(wrong.status == 405u);
  BOOST_TEST(wrong.error_code() == "method_not_allowed");
  auto no_command = c.post("/jobs/j-0123456789abcdef/teleport", "");
  BOOST_TEST(no_command.status == 404u);
}

BOOST_AUTO_TEST_CASE(a_started_job_that_is_waited_for_comes_back_finished) {
  api_node n;
  client c{n.port()};
  auto started = c.post("/jobs", R"({"definition": )" + quick_workflow +
                                     R"(, "properties": {"who": "http"}, "wait_ms": 20000})");
  BOOST_TEST_REQUIRE(started.status == 200u, json::serialize(started.body));
  BOOST_TEST(started.body.at("state").as_string() == "finished");
  BOOST_TEST(started.body.at("properties").at("who").as_string() == "http");
  auto id = std::string(started.body.at("id").as_string());

  auto shown = c.get("/jobs/" + id);
  BOOST_TEST(shown.status == 200u);
  BOOST_TEST(shown.body.at("id").as_string() == id);

  auto listed = c.get("/jobs?state=finished&workflow=quick&limit=5");
  BOOST_TEST_REQUIRE(listed.status == 200u);
  const auto& jobs = listed.body.at("jobs").as_array();
  BOOST_TEST_REQUIRE(jobs.size() == 1u);
  BOOST_TEST(jobs[0].at("id").as_string() == id);
  BOOST_TEST(c.get("/jobs?workflow=other").body.at("jobs").as_array().empty());
}

BOOST_AUTO_TEST_CASE(job_lists_are_paged_with_the_cursor_they_answer) {
  api_node n;
  client c{n.port()};
  std::vector<std::string> ids; // oldest first
  for (int i = 0; i < 3; ++i) {
    auto started =
        c.post("/jobs", R"({"definition": )" + quick_workflow + R"(, "wait_ms": 20000})");
    BOOST_TEST_REQUIRE(started.status == 200u, json::serialize(started.body));
    ids.emplace_back(started.body.at("id").as_string());
    std::this_thread::sleep_for(5ms); // distinct update times: the cursor is one
  }
  auto first = c.get("/jobs?limit=2");
  BOOST_TEST_REQUIRE(first.status == 200u);
  const auto& page = first.body.at("jobs").as_array();
  BOOST_TEST_REQUIRE(page.size() == 2u);
  BOOST_TEST(page[0].at("id").as_string() == ids[2]);
  BOOST_TEST(page[1].at("id").as_string() == ids[1]);
  auto cursor = std::string(first.body.at("next_cursor").as_string());
  auto second = c.get("/jobs?limit=2&cursor=" + cursor);
  BOOST_TEST_REQUIRE(second.status == 200u);
  const auto& rest = second.body.at("jobs").as_array();
  BOOST_TEST_REQUIRE(rest.size() == 1u);
  BOOST_TEST(rest[0].at("id").as_string() == ids[0]);
  BOOST_TEST(!second.body.as_object().contains("next_cursor"));
  BOOST_TEST(c.get("/jobs?cursor=yesterday").status == 400u);
}

BOOST_AUTO_TEST_CASE(a_job_started_without_waiting_is_accepted_with_its_id) {
  api_node n;
  client c{n.port()};
  auto started = c.post("/jobs", R"({"definition": )" + quick_workflow + "}");
  BOOST_TEST_REQUIRE(started.status == 202u, json::serialize(started.body));
  BOOST_TEST(started.body.at("workflow").as_string() == "quick");
  BOOST_TEST(!started.body.at("job_id").as_string().empty());
}

BOOST_AUTO_TEST_CASE(bad_json_and_invalid_definitions_are_400_with_paths) {
  api_node n;
  client c{n.port()};
  auto bad = c.post("/jobs", "{not json");
  BOOST_TEST(bad.status == 400u);
  BOOST_TEST(bad.error_code() == "bad_json");
  // A number no double holds would travel on as `Infinity`, which no node could read.
  auto infinite =
      c.post("/jobs", R"({"definition": )" + quick_workflow + R"(, "properties": {"x": 1e99999}})");
  BOOST_TEST(infinite.status == 400u, json::serialize(infinite.body));
  BOOST_TEST(infinite.error_code() == "bad_json");

  auto invalid = c.post(
      "/jobs",
      R"({"definition": {"name": "w", "steps": [{"id": "a", "run": {"kind": "teleport"}}]}})");
  BOOST_TEST_REQUIRE(invalid.status == 400u, json::serialize(invalid.body));
  BOOST_TEST(invalid.error_code() == "invalid_input");
  const auto& errors = invalid.body.at("error").at("errors").as_array();
  BOOST_TEST_REQUIRE(!errors.empty());
  BOOST_TEST(errors[0].at("path").as_string() == "definition.steps[0].run.kind");

  auto misspelt = c.post("/jobs", R"({"definition": )" + quick_workflow + R"(, "propertes": {}})");
  BOOST_TEST(misspelt.status == 400u);

  auto bad_wait = c.post("/jobs", R"({"definition": )" + quick_workflow + R"(, "wait_ms": -1})");
  BOOST_TEST(bad_wait.status == 400u);

  auto bad_state = c.get("/jobs?state=sleeping");
  BOOST_TEST(bad_state.status == 400u);
}

BOOST_AUTO_TEST_CASE(an_unknown_job_or_workflow_is_404) {
  api_node n;
  client c{n.port()};
  auto unknown = c.get("/jobs/j-0123456789abcdef");
  BOOST_TEST(unknown.status == 404u);
  BOOST_TEST(unknown.error_code() == "not_found");
  auto no_workflow = c.post("/jobs", R"({"workflow": "missing"})");
  BOOST_TEST(no_workflow.status == 404u, json::serialize(no_workflow.body));
}

BOOST_AUTO_TEST_CASE(a_canceled_job_ends_canceled) {
  api_node n;
  client c{n.port()};
  auto started = c.post("/jobs", R"({"definition": )" + slow_workflow + "}");
  BOOST_TEST_REQUIRE(started.status == 202u);
  auto id = std::string(started.body.at("job_id").as_string());
  auto canceled = c.post("/jobs/" + id + "/cancel", "");
  BOOST_TEST_REQUIRE(canceled.status == 202u, json::serialize(canceled.body));
  BOOST_TEST(canceled.body.at("command").as_string() == "cancel");
  // A cancel takes effect before the job's next step: step b never runs.
  auto ended = [](const std::string& s) { return s == "canceled" || s == "finished"; };
  std::string state;
  json::value last;
  for (int i = 0; i < 500 && !ended(state); ++i) {
    auto shown = c.get("/jobs/" + id);
    last = shown.body;
    if (const auto* s = shown.body.as_object().if_contains("state"); s && shown.status == 200u)
      state = s->as_string();
    if (!ended(state))
      std::this_thread::sleep_for(20ms);
  }
  BOOST_TEST(state == "canceled", json::serialize(last));
}

BOOST_AUTO_TEST_CASE(cluster_views_show_the_node_itself) {
  api_node n;
  client c{n.port()};
  bool seen = false;
  for (int i = 0; i < 200 && !seen; ++i) {
    auto nodes = c.get("/cluster/nodes");
    BOOST_TEST_REQUIRE(nodes.status == 200u, json::serialize(nodes.body));
    for (const auto& node : nodes.body.at("nodes").as_array())
      seen = seen || node.at("node").as_string() == "api-node";
    if (!seen)
      std::this_thread::sleep_for(20ms);
  }
  BOOST_TEST(seen);
  BOOST_TEST(c.get("/cluster/jobs").status == 200u);
}

BOOST_AUTO_TEST_CASE(a_cluster_view_that_does_not_answer_in_time_is_504) {
  api_node n{api_node_options{{}, true}};
  client c{n.port()};
  auto late = c.get("/cluster/nodes");
  BOOST_TEST(late.status == 504u, json::serialize(late.body));
  BOOST_TEST(late.error_code() == "timeout");
  BOOST_TEST(c.get("/healthz").status == 200u); // the connection survives it
}

BOOST_AUTO_TEST_CASE(a_token_guards_every_route_but_healthz) {
  api_node n{"s3cret"};
  client c{n.port()};
  BOOST_TEST(c.get("/healthz").status == 200u);
  auto missing = c.get("/readyz");
  BOOST_TEST(missing.status == 401u);
  BOOST_TEST(missing.error_code() == "unauthorized");
  BOOST_TEST(c.get("/readyz", "wrong").status == 401u);
  BOOST_TEST(c.get("/jobs", "s3cre").status == 401u);
  BOOST_TEST(c.get("/readyz", "s3cret").status == 200u);
  BOOST_TEST(c.get("/jobs", "s3cret").status == 200u);
}

BOOST_AUTO_TEST_CASE(a_body_over_the_limit_is_refused) {
  api_node n;
  client c{n.port()};
  auto big = c.post("/jobs", std::string(100 * 1024, ' '));
  BOOST_TEST(big.status == 413u);
  BOOST_TEST(big.error_code() == "body_too_large");
}

BOOST_AUTO_TEST_CASE(any_node_answers_for_another_through_the_broker) {
  api_node n;
  n.start_peer("peer-1");
  client c{n.port()};
  auto status = c.get("/cluster/nodes/peer-1");
  BOOST_TEST_REQUIRE(status.status == 200u, json::serialize(status.body));
  BOOST_TEST(status.body.at("state").as_string() == "running");
  BOOST_TEST(status.body.at("heartbeat").at("node").as_string() == "peer-1");
  BOOST_TEST(c.get("/cluster/nodes/api-node").body.at("heartbeat").at("node").as_string() ==
             "api-node");

  auto grown = c.post("/cluster/nodes/peer-1/systems/workers/add?count=3", "");
  BOOST_TEST_REQUIRE(grown.status == 200u, json::serialize(grown.body));
  std::int64_t workers = 0;
  for (const auto& system : grown.body.at("heartbeat").at("systems").as_array())
    if (system.at("name").as_string() == "workers")
      workers = system.at("total").as_int64();
  BOOST_TEST(workers == 5);

  // A job the serving node ran is in its own store, not the peer's.
  auto started = c.post("/jobs", R"({"definition": )" + quick_workflow + R"(, "wait_ms": 20000})");
  BOOST_TEST_REQUIRE(started.status == 200u, json::serialize(started.body));
  auto id = std::string(started.body.at("id").as_string());
  auto own = c.get("/cluster/nodes/api-node/jobs/" + id);
  BOOST_TEST(own.status == 200u, json::serialize(own.body));
  BOOST_TEST(own.body.at("state").as_string() == "finished");
  auto listed = c.get("/cluster/nodes/api-node/jobs?state=finished&limit=5");
  BOOST_TEST_REQUIRE(listed.status == 200u, json::serialize(listed.body));
  BOOST_TEST(listed.body.at("jobs").as_array().size() == 1u);
  BOOST_TEST(c.get("/cluster/nodes/peer-1/jobs/" + id).status == 404u);

  auto drained = c.post("/cluster/nodes/peer-1/drain", "");
  BOOST_TEST_REQUIRE(drained.status == 200u, json::serialize(drained.body));
  BOOST_TEST(drained.body.at("state").as_string() == "draining");
}

BOOST_AUTO_TEST_CASE(proxied_commands_are_checked_before_they_are_sent) {
  api_node n;
  client c{n.port()};
  auto bad_id = c.get("/cluster/nodes/no%20such");
  BOOST_TEST(bad_id.status == 400u, json::serialize(bad_id.body));
  auto bad_count = c.post("/cluster/nodes/api-node/systems/workers/add?count=lots", "");
  BOOST_TEST(bad_count.status == 400u, json::serialize(bad_count.body));
  BOOST_TEST(std::string(bad_count.body.at("error").at("message").as_string()).find("count") !=
             std::string::npos);
  auto bad_state = c.get("/cluster/nodes/api-node/jobs?state=asleep");
  BOOST_TEST(bad_state.status == 400u, json::serialize(bad_state.body));
  BOOST_TEST(c.post("/cluster/nodes/api-node/systems/workers/explode", "").status == 404u);
  auto unknown_system = c.post("/cluster/nodes/api-node/systems/printers/restart", "");
  BOOST_TEST(unknown_system.status == 400u, json::serialize(unknown_system.body));
}

BOOST_AUTO_TEST_CASE(a_node_that_does_not_answer_is_504) {
  api_node_options options;
  options.actor_timeout = 300ms;
  api_node n{options};
  client c{n.port()};
  auto silent = c.get("/cluster/nodes/gone-node");
  BOOST_TEST(silent.status == 504u, json::serialize(silent.body));
  BOOST_TEST(silent.error_code() == "timeout");
  BOOST_TEST(std::string(silent.body.at("error").at("message").as_string()).find("gone-node") !=
             std::string::npos);
  // The proxy keeps working for nodes that do answer.
  BOOST_TEST(c.get("/cluster/nodes/api-node").status == 200u);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

struct text_response {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

/// A GET whose answer is not JSON (the client above parses every body as JSON).
text_response get_text(std::uint16_t port, const std::string& target,
                       const std::string& token = {}) {
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  if (!token.empty())
    req.set(bhttp::field::authorization, "Bearer " + token);
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  return {res.result_int(), std::string(res[bhttp::field::content_type]), res.body()};
}

boa::test::prometheus::exposition scrape(std::uint16_t port) {
  auto got = get_text(port, "/metrics");
  BOOST_TEST_REQUIRE(got.status == 200u, got.body);
  BOOST_TEST(got.content_type == "text/plain; version=0.0.4; charset=utf-8");
  try {
    return boa::test::prometheus::parse(got.body);
  } catch (const boa::test::prometheus::parse_error& e) {
    BOOST_FAIL("/metrics is not valid exposition text: " << e.what() << "\n" << got.body);
  }
  return {};
}

/// Three steps, the middle one failing twice (one retry), then routed on: 4 attempts, 2 failed.
const std::string metered_workflow = R"({"name": "metered", "steps": [
    {"id": "a", "run": "noop", "next": [["*", "b"]]},
    {"id": "b", "run": {"kind": "fail"}, "retry": {"max": 1, "backoff_ms": 1},
     "next": [["ok", "c"], ["error", "c"]]},
    {"id": "c", "run": {"kind": "set", "values": {"done": true}}}]})";

} // namespace

BOOST_AUTO_TEST_SUITE(http_metrics)

BOOST_AUTO_TEST_CASE(metrics_move_by_exactly_the_steps_and_jobs_that_ran) {
  api_node n;
  client c{n.port()};
  auto before = scrape(n.port());
  BOOST_TEST(before.families.at("boa_steps_started_total").type == "counter");
  BOOST_TEST(before.families.at("boa_step_duration_seconds").type == "histogram");
  BOOST_TEST(before.value("boa_workers_total").value() == 2.0);

  auto started =
      c.post("/jobs", R"({"definition": )" + metered_workflow + R"(, "wait_ms": 20000})");
  BOOST_TEST_REQUIRE(started.status == 200u, json::serialize(started.body));
  BOOST_TEST_REQUIRE(started.body.at("state").as_string() == "finished");
  // The wait ends when the node records the end it publishes; the archiver, which counts the
  // end, takes it from the archive queue just after. Wait for it, do not time it.
  boa::test::prometheus::exposition after;
  auto moved = [&](const std::string& name, const std::map<std::string, std::string>& labels) {
    return after.value_or_zero(name, labels) - before.value_or_zero(name, labels);
  };
  for (int i = 0; i < 400; ++i) {
    after = scrape(n.port());
    if (moved("boa_jobs_ended_total", {{"state", "finished"}}) > 0)
      break;
    std::this_thread::sleep_for(25ms);
  }
  const std::map<std::string, std::string> wf{{"workflow", "metered"}};
  BOOST_TEST(moved("boa_steps_started_total", wf) == 4.0);
  BOOST_TEST(moved("boa_steps_finished_total", {{"workflow", "metered"}, {"result", "ok"}}) == 2.0);
  BOOST_TEST(moved("boa_steps_finished_total", {{"workflow", "metered"}, {"result", "failed"}}) ==
             2.0);
  BOOST_TEST(moved("boa_step_retries_total", wf) == 1.0);
  BOOST_TEST(moved("boa_step_duration_seconds_count", wf) == 4.0);
  BOOST_TEST(moved("boa_step_duration_seconds_bucket", {{"workflow", "metered"}, {"le", "+Inf"}}) ==
             4.0);
  BOOST_TEST(moved("boa_jobs_ended_total", {{"state", "finished"}}) == 1.0);
  BOOST_TEST(moved("boa_jobs_ended_total", {{"state", "error"}}) == 0.0);
  // The start request, then two job states, then the end for the archive, each delivered once
  // first. A runner busy with one queue's message hands back what the other queue gives it at
  // the same moment: that delivery comes again, counted as a redelivery.
  auto first_deliveries = [&](const std::string& queue) {
    return moved("boa_queue_deliveries_total", {{"queue", queue}}) -
           moved("boa_queue_redeliveries_total", {{"queue", queue}});
  };
  BOOST_TEST(first_deliveries("queue:boa.jobs.new") == 1.0);
  BOOST_TEST(first_deliveries("queue:boa.jobs") == 2.0);
  BOOST_TEST(first_deliveries("queue:boa.archive") == 1.0);
  // The states after a and b were confirmed before the next step ran; the end's confirmation may
  // come just after the job is found archived.
  BOOST_TEST(moved("boa_bus_publish_seconds_count", {}) >= 2.0);
  BOOST_TEST(after.value("boa_heartbeats_sent_total").value() > 0.0);
}

BOOST_AUTO_TEST_CASE(metrics_count_the_cluster_view_once_it_runs) {
  api_node n;
  client c{n.port()};
  BOOST_TEST(!scrape(n.port()).value("boa_cluster_nodes", {{"status", "live"}}));
  BOOST_TEST_REQUIRE(c.get("/cluster/nodes").status == 200u); // starts the view
  // The view hears the node's own beat within an interval (100 ms); wait for it, do not time it.
  boa::test::prometheus::exposition seen;
  for (int i = 0; i < 200; ++i) {
    seen = scrape(n.port());
    if (seen.value_or_zero("boa_cluster_nodes", {{"status", "live"}}) == 1.0)
      break;
    std::this_thread::sleep_for(50ms);
  }
  BOOST_TEST(seen.value_or_zero("boa_cluster_nodes", {{"status", "live"}}) == 1.0);
  BOOST_TEST(seen.value_or_zero("boa_cluster_nodes", {{"status", "down"}}) == 0.0);
  BOOST_TEST(seen.value_or_zero("boa_heartbeats_received_total") >= 1.0);
  BOOST_TEST(seen.value_or_zero("boa_queue_deliveries_total", {{"queue", "topic:boa.heartbeat"}}) >=
             1.0);
}

BOOST_AUTO_TEST_CASE(metrics_need_the_token_like_every_route_but_healthz) {
  api_node n{"s3cret"};
  BOOST_TEST(get_text(n.port(), "/metrics").status == 401u);
  BOOST_TEST(get_text(n.port(), "/metrics", "wrong").status == 401u);
  auto ok = get_text(n.port(), "/metrics", "s3cret");
  BOOST_TEST(ok.status == 200u);
  BOOST_CHECK_NO_THROW(boa::test::prometheus::parse(ok.body));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(http_api_repository)

BOOST_AUTO_TEST_CASE(a_pushed_workflow_is_listed_shown_and_started_by_name) {
  api_node n;
  client c{n.port()};
  BOOST_TEST(c.get("/workflows").body.at("names").as_array().empty());
  auto first = c.post("/workflows", R"({"definition": )" + quick_workflow +
                                        R"(, "notes": "first", "pushed_by": "ops"})");
  BOOST_TEST_REQUIRE(first.status == 201u, json::serialize(first.body));
  BOOST_TEST(first.body.at("name").as_string() == "quick");
  BOOST_TEST(first.body.at("revision").as_int64() == 1);
  BOOST_TEST(first.body.at("warnings").is_array());
  auto second = c.post("/workflows", R"({"definition": )" + quick_workflow + "}");
  BOOST_TEST_REQUIRE(second.status == 201u, json::serialize(second.body));
  BOOST_TEST(second.body.at("revision").as_int64() == 2);

  auto names = c.get("/workflows");
  BOOST_TEST_REQUIRE(names.status == 200u);
  BOOST_TEST(names.body.at("names") == json::parse(R"(["quick"])"));

  auto revisions = c.get("/workflows/quick");
  BOOST_TEST_REQUIRE(revisions.status == 200u, json::serialize(revisions.body));
  BOOST_TEST(revisions.body.at("name").as_string() == "quick");
  const auto& list = revisions.body.at("revisions").as_array();
  BOOST_TEST_REQUIRE(list.size() == 2u);
  BOOST_TEST(list[0].at("revision").as_int64() == 1);
  BOOST_TEST(list[0].at("notes").as_string() == "first");
  BOOST_TEST(list[0].at("pushed_by").as_string() == "ops");
  BOOST_TEST(list[0].at("pushed_ms").is_int64());

  auto one = c.get("/workflows/quick/1");
  BOOST_TEST_REQUIRE(one.status == 200u, json::serialize(one.body));
  BOOST_TEST(one.body.at("revision").as_int64() == 1);
  BOOST_TEST(one.body.at("definition").at("name").as_string() == "quick");
  auto latest = c.get("/workflows/quick/latest");
  BOOST_TEST_REQUIRE(latest.status == 200u);
  BOOST_TEST(latest.body.at("revision").as_int64() == 2);

  auto started = c.post("/jobs", R"({"workflow": "quick@1", "wait_ms": 20000})");
  BOOST_TEST_REQUIRE(started.status == 200u, json::serialize(started.body));
  BOOST_TEST(started.body.at("state").as_string() == "finished");
}

BOOST_AUTO_TEST_CASE(unknown_workflows_and_revisions_are_404_and_bad_ones_400) {
  api_node n;
  client c{n.port()};
  BOOST_TEST_REQUIRE(c.post("/workflows", R"({"definition": )" + quick_workflow + "}").status ==
                     201u);
  auto no_name = c.get("/workflows/missing");
  BOOST_TEST(no_name.status == 404u, json::serialize(no_name.body));
  BOOST_TEST(no_name.error_code() == "not_found");
  BOOST_TEST(c.get("/workflows/missing/latest").status == 404u);
  BOOST_TEST(c.get("/workflows/quick/7").status == 404u);
  auto bad_revision = c.get("/workflows/quick/seven");
  BOOST_TEST(bad_revision.status == 400u);
  BOOST_TEST(bad_revision.body.at("error").at("errors").at(0).at("path").as_string() == "revision");
  BOOST_TEST(c.get("/workflows/quick/0").status == 400u);
  auto bad_name = c.get("/workflows/qu@ick");
  BOOST_TEST(bad_name.status == 400u, json::serialize(bad_name.body));
  BOOST_TEST(bad_name.body.at("error").at("errors").at(0).at("path").as_string() == "name");
}

BOOST_AUTO_TEST_CASE(an_invalid_push_is_400_with_the_paths_of_its_errors) {
  api_node n;
  client c{n.port()};
  auto bad = c.post("/workflows", "{not json");
  BOOST_TEST(bad.status == 400u);
  BOOST_TEST(bad.error_code() == "bad_json");

  auto invalid = c.post(
      "/workflows",
      R"({"definition": {"name": "w", "steps": [{"id": "a", "run": {"kind": "teleport"}}]}})");
  BOOST_TEST_REQUIRE(invalid.status == 400u, json::serialize(invalid.body));
  BOOST_TEST(invalid.error_code() == "invalid_input");
  const auto& errors = invalid.body.at("error").at("errors").as_array();
  BOOST_TEST_REQUIRE(!errors.empty());
  BOOST_TEST(errors[0].at("path").as_string() == "definition.steps[0].run.kind");

  auto no_definition = c.post("/workflows", R"({"notes": "nothing"})");
  BOOST_TEST_REQUIRE(no_definition.status == 400u, json::serialize(no_definition.body));
  BOOST_TEST(no_definition.body.at("error").at("errors").at(0).at("path").as_string() ==
             "definition");
  auto misspelt = c.post("/workflows", R"({"definition": )" + quick_workflow + R"(, "note": ""})");
  BOOST_TEST(misspelt.status == 400u, json::serialize(misspelt.body));
  BOOST_TEST(c.get("/workflows").body.at("names").as_array().empty()); // nothing was stored
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

const std::string failing_workflow =
    R"({"name": "failing", "steps": [{"id": "boom", "run": {"kind": "fail", "message": "no luck"}}]})";

/// Asks `target` until it answers 200 (the archive stores a job a moment after it ended).
response eventually_found(client& c, const std::string& target) {
  response r;
  for (int i = 0; i < 500; ++i) {
    r = c.get(target);
    if (r.status == 200u)
      break;
    std::this_thread::sleep_for(20ms);
  }
  return r;
}

/// Starts `definition` and returns the job's id once the archive has it.
std::string run_to_archive(client& c, const std::string& definition,
                           const std::string& extra = {}) {
  auto started = c.post("/jobs", R"({"definition": )" + definition + extra + "}");
  BOOST_TEST_REQUIRE(started.status == 202u, json::serialize(started.body));
  auto id = std::string(started.body.at("job_id").as_string());
  auto archived = eventually_found(c, "/archive/jobs/" + id);
  BOOST_TEST_REQUIRE(archived.status == 200u, json::serialize(archived.body));
  return id;
}

std::vector<std::string> ids_of(const response& r) {
  std::vector<std::string> ids;
  for (const auto& j : r.body.at("jobs").as_array())
    ids.emplace_back(j.at("id").as_string());
  return ids;
}

/// What every archive answers the same way: a job run is found in the list and by id, filters
/// and pages hold, and bad parameters are 400 naming the parameter. Workflow names are made
/// unique with `tag`: a PostgreSQL archive may hold the jobs of earlier runs.
void check_archive_round_trip(client& c, const std::string& tag) {
  auto quick = quick_workflow;
  quick.replace(quick.find("quick"), 5, "quick-" + tag);
  auto failing = failing_workflow;
  failing.replace(failing.find("failing"), 7, "failing-" + tag);
  auto ok_id = run_to_archive(c, quick, R"(, "properties": {"who": "archive"})");
  std::this_thread::sleep_for(5ms); // distinct end times: the order is one
  auto failed_id = run_to_archive(c, failing);

  auto shown = c.get("/archive/jobs/" + ok_id);
  BOOST_TEST(shown.body.at("id").as_string() == ok_id);
  BOOST_TEST(shown.body.at("state").as_string() == "finished");
  BOOST_TEST(shown.body.at("properties").at("who").as_string() == "archive");

  auto mine = [&](const std::string& query) {
    auto quick_jobs = c.get("/archive/jobs?workflow=quick-" + tag + query);
    auto failing_jobs = c.get("/archive/jobs?workflow=failing-" + tag + query);
    BOOST_TEST_REQUIRE(quick_jobs.status == 200u, json::serialize(quick_jobs.body));
    BOOST_TEST_REQUIRE(failing_jobs.status == 200u, json::serialize(failing_jobs.body));
    auto ids = ids_of(quick_jobs);
    for (auto& id : ids_of(failing_jobs))
      ids.push_back(id);
    return ids;
  };
  BOOST_TEST(mine("") == (std::vector<std::string>{ok_id, failed_id}));
  BOOST_TEST(mine("&state=error") == std::vector<std::string>{failed_id});
  BOOST_TEST(mine("&since=4102444800000").empty()); // 2100: nothing ended since
  BOOST_TEST(mine("&since=2020-01-01T00:00:00Z").size() == 2u);

  auto listed = c.get("/archive/jobs?workflow=failing-" + tag);
  const auto& entry = listed.body.at("jobs").at(0).as_object();
  BOOST_TEST(entry.at("state").as_string() == "error");
  BOOST_TEST(entry.at("revision").is_null()); // an inline definition
  BOOST_TEST(entry.at("node").as_string() == "api-node");
  BOOST_TEST(entry.at("parent").is_null());
  BOOST_TEST(entry.at("started_ms").as_int64() >= entry.at("created_ms").as_int64());
  BOOST_TEST(entry.at("ended_ms").as_int64() >= entry.at("started_ms").as_int64());
  BOOST_TEST(entry.at("duration_ms").as_int64() ==
             entry.at("ended_ms").as_int64() - entry.at("created_ms").as_int64());
  BOOST_TEST(listed.body.at("next_cursor").is_null());

  // Newest ended first, one a page: the failing job, then the quick one, then no more of ours.
  auto first = c.get("/archive/jobs?limit=1");
  BOOST_TEST_REQUIRE(first.status == 200u);
  BOOST_TEST(ids_of(first) == std::vector<std::string>{failed_id});
  auto cursor = std::string(first.body.at("next_cursor").as_string());
  auto second = c.get("/archive/jobs?limit=1&cursor=" + cursor);
  BOOST_TEST_REQUIRE(second.status == 200u, json::serialize(second.body));
  BOOST_TEST(ids_of(second) == std::vector<std::string>{ok_id});

  auto unknown = c.get("/archive/jobs/j-0123456789abcdef");
  BOOST_TEST(unknown.status == 404u);
  BOOST_TEST(unknown.error_code() == "not_found");
  auto path_of = [](const response& r) {
    return std::string(r.body.at("error").at("errors").at(0).at("path").as_string());
  };
  for (const auto& [query, parameter] :
       std::vector<std::pair<std::string, std::string>>{{"state=running", "state"},
                                                        {"since=yesterday", "since"},
                                                        {"since=2026-13-01T00:00:00Z", "since"},
                                                        {"limit=0", "limit"},
                                                        {"cursor=nowhere", "cursor"}}) {
    auto bad = c.get("/archive/jobs?" + query);
    BOOST_TEST(bad.status == 400u, query);
    BOOST_TEST(path_of(bad) == parameter, query);
  }
}

/// A database of its own on the test server, so that other suites emptying theirs do not empty
/// this one; dropped when it goes. `url` is empty when no server is configured.
struct scratch_database {
  std::string server; ///< the server's URL, its own database last
  std::string name;
  std::string url;

  scratch_database() {
    const char* given = std::getenv("BOA_TEST_POSTGRES_URL");
    if (!given || !*given)
      return;
    server = given;
    name = "boa_http_" + std::to_string(::getpid());
    BOOST_TEST_REQUIRE(psql("DROP DATABASE IF EXISTS " + name) == 0);
    BOOST_TEST_REQUIRE(psql("CREATE DATABASE " + name) == 0);
    url = server.substr(0, server.rfind('/') + 1) + name;
  }
  ~scratch_database() {
    if (!url.empty())
      psql("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }
  int psql(const std::string& statement) const {
    return std::system(("psql -q -c '" + statement + "' '" + server + "' >/dev/null 2>&1").c_str());
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(http_api_archive)

BOOST_AUTO_TEST_CASE(the_job_store_archive_lists_and_shows_ended_jobs_only) {
  api_node n;
  client c{n.port()};
  check_archive_round_trip(c, "rocksdb");
  // A job that has not ended is in the store but not in its archive.
  auto slow = c.post("/jobs", R"({"definition": )" + slow_workflow + "}");
  BOOST_TEST_REQUIRE(slow.status == 202u);
  auto id = std::string(slow.body.at("job_id").as_string());
  BOOST_TEST_REQUIRE(eventually_found(c, "/jobs/" + id).status == 200u);
  BOOST_TEST(c.get("/archive/jobs/" + id).status == 404u);
  auto all = ids_of(c.get("/archive/jobs"));
  BOOST_TEST((std::find(all.begin(), all.end(), id) == all.end()));
}

BOOST_AUTO_TEST_CASE(the_postgres_archive_answers_as_the_job_store_does) {
  scratch_database database;
  if (database.url.empty()) {
    BOOST_TEST_MESSAGE("SKIPPED: BOA_TEST_POSTGRES_URL is not set (tools/run-tests sets it when "
                       "the postgresql server is installed)");
    return;
  }
  api_node n{api_node_options{}, database.url};
  client c{n.port()};
  check_archive_round_trip(c, "postgres");
  // A start that waits sees the end however the node archives.
  auto waited = c.post("/jobs", R"({"definition": )" + failing_workflow + R"(, "wait_ms": 20000})");
  BOOST_TEST_REQUIRE(waited.status == 200u, json::serialize(waited.body));
  BOOST_TEST(waited.body.at("state").as_string() == "error");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(http_api_hooks)

BOOST_AUTO_TEST_CASE(a_hook_starts_a_stored_workflow_with_its_query_as_properties) {
  api_node n;
  client c{n.port()};
  BOOST_TEST_REQUIRE(c.post("/workflows", R"({"definition": )" + quick_workflow + "}").status ==
                     201u);
  BOOST_TEST_REQUIRE(c.post("/workflows", R"({"definition": )" + quick_workflow + "}").status ==
                     201u);
  // The query wins over the body; every query value is a string.
  auto posted = c.post("/hooks/quick@1?who=hook&n=3&city=S%C3%A3o+Paulo",
                       R"({"who": "body", "extra": [1, 2]})");
  BOOST_TEST_REQUIRE(posted.status == 202u, json::serialize(posted.body));
  BOOST_TEST(posted.body.at("workflow").as_string() == "quick");
  BOOST_TEST(posted.body.at("revision").as_int64() == 1);
  auto id = std::string(posted.body.at("job_id").as_string());
  auto shown = eventually_found(c, "/archive/jobs/" + id);
  BOOST_TEST_REQUIRE(shown.status == 200u, json::serialize(shown.body));
  const auto& props = shown.body.at("properties");
  BOOST_TEST(props.at("who").as_string() == "hook");
  BOOST_TEST(props.at("n").as_string() == "3");
  BOOST_TEST(props.at("city").as_string() == "São Paulo");
  BOOST_TEST(props.at("extra") == json::parse("[1, 2]"));

  auto got = c.get("/hooks/quick?ticket=T-1");
  BOOST_TEST_REQUIRE(got.status == 202u, json::serialize(got.body));
  BOOST_TEST(got.body.at("revision").as_int64() == 2); // the latest
  auto got_job =
      eventually_found(c, "/archive/jobs/" + std::string(got.body.at("job_id").as_string()));
  BOOST_TEST(got_job.body.at("properties").at("ticket").as_string() == "T-1");
}

BOOST_AUTO_TEST_CASE(a_hook_to_an_unknown_workflow_is_404_and_bad_input_400) {
  api_node n;
  client c{n.port()};
  BOOST_TEST_REQUIRE(c.post("/workflows", R"({"definition": )" + quick_workflow + "}").status ==
                     201u);
  auto unknown = c.post("/hooks/missing?x=1", "");
  BOOST_TEST(unknown.status == 404u, json::serialize(unknown.body));
  BOOST_TEST(unknown.error_code() == "not_found");
  BOOST_TEST(c.get("/hooks/quick@9").status == 404u);

  auto path_of = [](const response& r) {
    return std::string(r.body.at("error").at("errors").at(0).at("path").as_string());
  };
  auto bad_name = c.get("/hooks/quick?a%20b=1");
  BOOST_TEST_REQUIRE(bad_name.status == 400u, json::serialize(bad_name.body));
  BOOST_TEST(bad_name.error_code() == "invalid_input");
  BOOST_TEST(path_of(bad_name) == "a b");
  BOOST_TEST(path_of(c.get("/hooks/quick?items%5B0%5D=1")) == "items[0]");
  auto bad_ref = c.get("/hooks/quick@latest");
  BOOST_TEST(bad_ref.status == 400u);
  BOOST_TEST(path_of(bad_ref) == "workflow");
  BOOST_TEST(c.post("/hooks/quick", "{not json").error_code() == "bad_json");
  auto not_object = c.post("/hooks/quick", "[1]");
  BOOST_TEST(not_object.status == 400u);
  BOOST_TEST(not_object.error_code() == "invalid_input");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(http_api_job_filters)

BOOST_AUTO_TEST_CASE(since_keeps_the_jobs_updated_at_or_after_it) {
  api_node n;
  client c{n.port()};
  auto started = c.post("/jobs", R"({"definition": )" + quick_workflow + R"(, "wait_ms": 20000})");
  BOOST_TEST_REQUIRE(started.status == 200u, json::serialize(started.body));
  const auto updated = started.body.at("updated_ms").as_int64();
  auto count = [&](const std::string& query) {
    auto listed = c.get("/jobs?" + query);
    BOOST_TEST_REQUIRE(listed.status == 200u, json::serialize(listed.body));
    return listed.body.at("jobs").as_array().size();
  };
  BOOST_TEST(count("since=" + std::to_string(updated)) == 1u);
  BOOST_TEST(count("since=" + std::to_string(updated + 1)) == 0u);
  BOOST_TEST(count("since=2020-01-01T00:00:00Z") == 1u);
  BOOST_TEST(count("since=2100-01-01T00:00:00.000Z") == 0u);
  auto bad = c.get("/jobs?since=last+week");
  BOOST_TEST(bad.status == 400u);
  BOOST_TEST(bad.body.at("error").at("errors").at(0).at("path").as_string() == "since");
  auto bad_cursor = c.get("/jobs?cursor=5");
  BOOST_TEST(bad_cursor.status == 400u);
  BOOST_TEST(bad_cursor.body.at("error").at("errors").at(0).at("path").as_string() == "cursor");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(http_api_waits)

BOOST_AUTO_TEST_CASE(a_start_whose_job_outlasts_the_wait_is_accepted_and_the_job_runs_on) {
  api_node n;
  client c{n.port()};
  // The job sleeps 500 ms; the wait is a tenth of that.
  auto started = c.post("/jobs", R"({"definition": )" + slow_workflow + R"(, "wait_ms": 50})");
  BOOST_TEST_REQUIRE(started.status == 202u, json::serialize(started.body));
  auto id = std::string(started.body.at("job_id").as_string());
  auto ended = eventually_found(c, "/archive/jobs/" + id);
  BOOST_TEST_REQUIRE(ended.status == 200u, json::serialize(ended.body));
  BOOST_TEST(ended.body.at("state").as_string() == "finished");
}

BOOST_AUTO_TEST_CASE(many_starts_wait_at_once_and_each_gets_its_own_job) {
  api_node n;
  std::vector<std::thread> threads;
  std::vector<std::string> states(6), ids(6), asked(6);
  for (std::size_t i = 0; i < states.size(); ++i)
    threads.emplace_back([&, i] {
      client c{n.port()};
      asked[i] = "j-00000000000000a" + std::to_string(i);
      auto started = c.post("/jobs", R"({"definition": )" + quick_workflow + R"(, "job_id": ")" +
                                         asked[i] + R"(", "wait_ms": 20000})");
      if (started.status == 200u) {
        states[i] = started.body.at("state").as_string();
        ids[i] = started.body.at("id").as_string();
      }
    });
  for (auto& t : threads)
    t.join();
  for (std::size_t i = 0; i < states.size(); ++i) {
    BOOST_TEST(states[i] == "finished");
    BOOST_TEST(ids[i] == asked[i]);
  }
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// A job whose first step proves it was given the secret property (it returns its length) and
/// whose second step fails quoting it on stderr, as a careless program would. Neither names the
/// secret's value: it comes from the properties on stdin.
const std::string secret_workflow = R"json({"name": "secretive", "steps": [
    {"id": "check", "run": {"kind": "exec", "argv": ["sh", "-c",
       "printf '{\"password_length\": %d}' $(sed -n 's/.*\"secret_password\":\"\\([^\"]*\\)\".*/\\1/p' | tr -d '\\n' | wc -c)"]},
     "next": [["*", "leak"]]},
    {"id": "leak", "run": {"kind": "exec", "argv": ["sh", "-c",
       "sed -n 's/.*\"secret_password\":\"\\([^\"]*\\)\".*/cannot log in with \\1/p' >&2; exit 1"]}}]})json";

/// Everything the default logger writes while it lives.
class captured_log {
public:
  captured_log() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(text_)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~captured_log() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  std::string text() {
    spdlog::default_logger()->flush();
    return text_.str();
  }

private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

} // namespace

BOOST_AUTO_TEST_SUITE(http_api_secrets)

BOOST_AUTO_TEST_CASE(secret_properties_reach_steps_but_no_view_log_or_error_shows_them) {
  captured_log log;
  std::string id;
  {
    api_node n;
    client c{n.port()};
    auto started = c.post("/jobs", R"({"definition": )" + secret_workflow +
                                       R"(, "properties": {"user": "ada",
                                          "secret_password": "hunter2-s3cret",
                                          "nested": {"secret_key": ["hunter2-s3cret"]}},
                                          "wait_ms": 20000})");
    BOOST_TEST_REQUIRE(started.status == 200u, json::serialize(started.body));
    id = std::string(started.body.at("id").as_string());
    for (const auto& view : {started, c.get("/jobs/" + id)}) {
      BOOST_TEST_REQUIRE(view.status == 200u);
      const auto text = json::serialize(view.body);
      BOOST_TEST(text.find("hunter2-s3cret") == std::string::npos, text);
      BOOST_TEST(view.body.at("state").as_string() == "error");
      const auto& props = view.body.at("properties");
      BOOST_TEST(props.at("secret_password").as_string() == "***");
      BOOST_TEST(props.at("nested").at("secret_key").as_string() == "***");
      BOOST_TEST(props.at("user").as_string() == "ada");
      BOOST_TEST(props.at("password_length") == json::value(14)); // the step did get the secret
      // The failing step's quoted stderr is in the history (and so in the job's events), blanked.
      BOOST_TEST(text.find("cannot log in with ***") != std::string::npos, text);
    }
  }
  const auto logged = log.text();
  BOOST_TEST(logged.find(id) != std::string::npos);                       // the job was logged...
  BOOST_TEST(logged.find("hunter2-s3cret") == std::string::npos, logged); // ...not its secret
}

BOOST_AUTO_TEST_SUITE_END()
