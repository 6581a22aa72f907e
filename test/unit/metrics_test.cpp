#define BOOST_TEST_MODULE metrics
#include <boost/test/unit_test.hpp>

#include "actors/metrics/node_metrics.hpp"
#include "actors/metrics/registry.hpp"
#include "actors/metrics/text_format.hpp"
#include "test/support/prometheus_text.hpp"

#include <cmath>
#include <string>
#include <thread>
#include <vector>

namespace prom = boa::test::prometheus;
using boa::metrics::registry;
namespace text_format = boa::metrics::text_format;

namespace {

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

} // namespace

BOOST_AUTO_TEST_SUITE(metrics_registry)

BOOST_AUTO_TEST_CASE(counters_and_gauges_are_written_once_per_family_with_help_and_type) {
  registry r;
  auto& requests = r.add_counter("app_requests_total", "Requests served.", {"code"});
  requests.with({"200"}).inc(3);
  requests.with({"500"}).inc();
  r.add_gauge("app_temperature", "Degrees.").get().set(-1.5);
  auto text = r.expose();
  BOOST_TEST(occurrences(text, "# HELP app_requests_total ") == 1u);
  BOOST_TEST(occurrences(text, "# TYPE app_requests_total counter\n") == 1u);
  BOOST_TEST(occurrences(text, "# TYPE app_temperature gauge\n") == 1u);
  auto e = prom::parse(text);
  BOOST_TEST(e.value("app_requests_total", {{"code", "200"}}).value() == 3.0);
  BOOST_TEST(e.value("app_requests_total", {{"code", "500"}}).value() == 1.0);
  BOOST_TEST(e.value("app_temperature").value() == -1.5);
  BOOST_TEST(e.families.at("app_requests_total").help == "Requests served.");
}

BOOST_AUTO_TEST_CASE(label_values_and_help_are_escaped_as_the_format_requires) {
  registry r;
  r.add_counter("odd_total", "A \\ backslash\nand a newline.", {"name"})
      .with({"say \"hi\"\\\nbye"})
      .inc();
  auto text = r.expose();
  BOOST_TEST(text.find(R"(odd_total{name="say \"hi\"\\\nbye"} 1)") != std::string::npos);
  BOOST_TEST(text.find("# HELP odd_total A \\\\ backslash\\nand a newline.\n") !=
             std::string::npos);
  auto e = prom::parse(text);
  BOOST_TEST(e.value("odd_total", {{"name", "say \"hi\"\\\nbye"}}).value() == 1.0);
}

BOOST_AUTO_TEST_CASE(histogram_buckets_are_cumulative_and_end_with_inf_equal_to_count) {
  registry r;
  auto& h = r.add_histogram("op_seconds", "Op time.", {"op"}, {0.1, 1, 10}).with({"read"});
  for (double v : {0.05, 0.1, 0.5, 2.0, 100.0})
    h.observe(v);
  auto text = r.expose();
  auto e = prom::parse(text);
  auto bucket = [&](const char* le) {
    return e.value("op_seconds_bucket", {{"op", "read"}, {"le", le}}).value();
  };
  BOOST_TEST(bucket("0.1") == 2.0); // le is inclusive
  BOOST_TEST(bucket("1") == 3.0);
  BOOST_TEST(bucket("10") == 4.0);
  BOOST_TEST(bucket("+Inf") == 5.0);
  BOOST_TEST(e.value("op_seconds_count", {{"op", "read"}}).value() == 5.0);
  BOOST_TEST(e.value("op_seconds_sum", {{"op", "read"}}).value() == 102.65,
             boost::test_tools::tolerance(1e-9));
  BOOST_TEST(occurrences(text, "# TYPE op_seconds histogram\n") == 1u);
}

BOOST_AUTO_TEST_CASE(values_are_written_so_that_they_read_back) {
  BOOST_TEST(text_format::format_value(42) == "42");
  BOOST_TEST(text_format::format_value(0.25) == "0.25");
  BOOST_TEST(text_format::format_value(1e-4) == "0.0001");
  BOOST_TEST(text_format::format_value(HUGE_VAL) == "+Inf");
  BOOST_TEST(text_format::format_value(-HUGE_VAL) == "-Inf");
  BOOST_TEST(text_format::format_value(std::nan("")) == "NaN");
  BOOST_TEST(std::stod(text_format::format_value(0.1 + 0.2)) == 0.1 + 0.2);
}

BOOST_AUTO_TEST_CASE(names_follow_the_format) {
  BOOST_TEST(text_format::valid_metric_name("boa_steps_started_total"));
  BOOST_TEST(text_format::valid_metric_name("ns:sub_metric"));
  BOOST_TEST(!text_format::valid_metric_name("9lives"));
  BOOST_TEST(!text_format::valid_metric_name("with-dash"));
  BOOST_TEST(!text_format::valid_metric_name(""));
  BOOST_TEST(text_format::valid_label_name("workflow"));
  BOOST_TEST(!text_format::valid_label_name("__reserved"));
  BOOST_TEST(!text_format::valid_label_name("a:b"));
}

BOOST_AUTO_TEST_CASE(a_family_past_its_series_limit_counts_the_rest_under_other) {
  registry r;
  auto& f = r.add_counter("by_user_total", "Per user.", {"user"}, 2);
  f.with({"a"}).inc();
  f.with({"b"}).inc();
  f.with({"c"}).inc();
  f.with({"d"}).inc(2);
  auto e = prom::parse(r.expose());
  BOOST_TEST(e.value("by_user_total", {{"user", "a"}}).value() == 1.0);
  BOOST_TEST(!e.value("by_user_total", {{"user", "c"}}));
  BOOST_TEST(e.value("by_user_total", {{"user", "_other"}}).value() == 3.0);
}

BOOST_AUTO_TEST_CASE(counting_from_many_threads_loses_nothing) {
  registry r;
  auto& c = r.add_counter("hits_total", "Hits.").get();
  auto& h = r.add_histogram("lat_seconds", "Latency.", {}, {0.5}).get();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        h.observe(i % 2 ? 1.0 : 0.0);
      }
    });
  for (auto& t : threads)
    t.join();
  auto e = prom::parse(r.expose());
  BOOST_TEST(e.value("hits_total").value() == 40000.0);
  BOOST_TEST(e.value("lat_seconds_bucket", {{"le", "0.5"}}).value() == 20000.0);
  BOOST_TEST(e.value("lat_seconds_count").value() == 40000.0);
  BOOST_TEST(e.value("lat_seconds_sum").value() == 20000.0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(node_metrics)

BOOST_AUTO_TEST_CASE(every_family_of_a_node_is_exposed_and_parses) {
  boa::metrics::node_metrics m{"1.2.3"};
  auto& steps = m.steps_of("hello");
  steps.started.inc();
  steps.ok.inc();
  steps.duration.observe(0.002);
  m.job_ended(boa::protocol::job_state::finished);
  m.deliveries_from("queue:boa.jobs").count(0);
  m.deliveries_from("queue:boa.jobs").count(2);
  m.publish_seconds().observe(0.001);
  m.cluster_nodes({{"live", 2}, {"down", 1}});
  auto e = prom::parse(m.expose());
  for (const char* family :
       {"boa_steps_started_total", "boa_steps_finished_total", "boa_step_retries_total",
        "boa_step_duration_seconds", "boa_jobs_ended_total", "boa_queue_deliveries_total",
        "boa_queue_redeliveries_total", "boa_bus_publish_seconds", "boa_workers_busy",
        "boa_workers_total", "boa_heartbeats_sent_total", "boa_heartbeats_received_total",
        "boa_cluster_nodes", "boa_build_info", "process_resident_memory_bytes",
        "process_start_time_seconds"})
    BOOST_TEST(e.families.count(family) == 1u, family);
  BOOST_TEST(e.value("boa_steps_started_total", {{"workflow", "hello"}}).value() == 1.0);
  BOOST_TEST(
      e.value("boa_steps_finished_total", {{"workflow", "hello"}, {"result", "ok"}}).value() ==
      1.0);
  BOOST_TEST(e.value("boa_step_duration_seconds_count", {{"workflow", "hello"}}).value() == 1.0);
  BOOST_TEST(e.value("boa_jobs_ended_total", {{"state", "finished"}}).value() == 1.0);
  BOOST_TEST(e.value("boa_jobs_ended_total", {{"state", "canceled"}}).value() == 0.0);
  BOOST_TEST(e.value("boa_queue_deliveries_total", {{"queue", "queue:boa.jobs"}}).value() == 2.0);
  BOOST_TEST(e.value("boa_queue_redeliveries_total", {{"queue", "queue:boa.jobs"}}).value() == 1.0);
  BOOST_TEST(e.value("boa_cluster_nodes", {{"status", "live"}}).value() == 2.0);
  BOOST_TEST(e.value("boa_cluster_nodes", {{"status", "suspect"}}).value() == 0.0);
  BOOST_TEST(e.value("boa_build_info", {{"version", "1.2.3"}}).value() == 1.0);
  BOOST_TEST(e.value("process_resident_memory_bytes").value() > 0.0);
  BOOST_TEST(e.value("process_start_time_seconds").value() > 1.5e9);
}

BOOST_AUTO_TEST_CASE(workflows_past_the_limit_share_the_other_series) {
  boa::metrics::node_metrics m{"0"};
  const auto limit = boa::metrics::node_metrics::max_workflows;
  for (std::size_t i = 0; i < limit + 5; ++i)
    m.steps_of("wf-" + std::to_string(i)).started.inc();
  m.steps_of("wf-0").started.inc(); // a known one keeps its own series
  auto e = prom::parse(m.expose());
  BOOST_TEST(e.value("boa_steps_started_total", {{"workflow", "wf-0"}}).value() == 2.0);
  BOOST_TEST(e.value("boa_steps_started_total", {{"workflow", "_other"}}).value() == 5.0);
  BOOST_TEST(!e.value("boa_steps_started_total", {{"workflow", "wf-" + std::to_string(limit)}}));
  std::size_t series = 0;
  for (const auto& s : e.samples)
    series += s.name == "boa_steps_started_total";
  BOOST_TEST(series == limit + 1);
}

BOOST_AUTO_TEST_CASE(per_job_queues_share_one_label) {
  using boa::metrics::node_metrics;
  BOOST_TEST(node_metrics::queue_label("queue:boa.join.j-1.f") == "queue:boa.join.*");
  BOOST_TEST(node_metrics::queue_label("queue:boa.reduce.j-1.k") == "queue:boa.reduce.*");
  BOOST_TEST(node_metrics::queue_label("queue:boa.suspended.j-1") == "queue:boa.suspended.*");
  BOOST_TEST(node_metrics::queue_label("queue:boa.reply.client-7") == "queue:boa.reply.*");
  BOOST_TEST(node_metrics::queue_label("topic:boa.node.n1") == "topic:boa.node.*");
  BOOST_TEST(node_metrics::queue_label("queue:boa.jobs") == "queue:boa.jobs");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(exposition_parser)

// The reader the API tests rely on must refuse what Prometheus would refuse.
BOOST_AUTO_TEST_CASE(malformed_text_is_refused) {
  const char* bad[] = {
      "9bad 1\n",                                  // name
      "m{l=\"v\" 1\n",                             // unterminated labels
      "m{l=v} 1\n",                                // unquoted value
      "m{l=\"a\\tb\"} 1\n",                        // invalid escape
      "m one\n",                                   // value
      "m 1",                                       // no final newline
      "m{l=\"a\",l=\"b\"} 1\n",                    // label twice
      "# TYPE m counter\n# TYPE m counter\nm 1\n", // TYPE twice
      "# TYPE m wobbly\nm 1\n",                    // type
      "m 1\n# TYPE m counter\n",                   // TYPE after samples
      "a 1\nb 1\na 2\n",                           // family apart
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",    // no +Inf
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n", // count
  };
  for (const char* text : bad)
    BOOST_CHECK_THROW(prom::parse(text), prom::parse_error);
}

BOOST_AUTO_TEST_CASE(valid_text_is_read) {
  auto e = prom::parse("# HELP m Some help.\n# TYPE m gauge\nm{a=\"x\",b=\"\\\"y\\\"\",} -Inf "
                       "1700000000000\n\nn NaN\no 1.5e-3\n");
  BOOST_TEST(std::isinf(e.value("m", {{"a", "x"}, {"b", "\"y\""}}).value()));
  BOOST_TEST(std::isnan(e.value("n").value()));
  BOOST_TEST(e.value("o").value() == 0.0015);
}

BOOST_AUTO_TEST_SUITE_END()
