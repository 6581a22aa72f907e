#include <boost/test/unit_test.hpp>

#include "test/support/decode_checks.hpp"

#include "protocol/heartbeat.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>

using namespace boa::protocol;
namespace json = boost::json;
using boa::test::mentions;
using boa::test::why;

namespace {

heartbeat full_beat() {
  heartbeat beat;
  beat.node = "n1";
  beat.host = "h\"1";
  beat.pid = 42;
  beat.broker = "amqp://127.0.0.1:5672";
  beat.started_ms = 1'700'000'000'000;
  beat.sent_ms = 1'700'000'017'000;
  beat.seq = 17;
  beat.interval_ms = 1000;
  beat.systems = {{"workers", 4, 1, true}, {"io", 2, 0, false}};
  beat.jobs = {{"j-1", "greet", "hello", 1'700'000'016'500, 7, 5}};
  beat.load = {0.5, 0.25, 1.75};
  beat.rss_bytes = 123456;
  beat.steps_ok = 10;
  beat.steps_failed = 1;
  beat.jobs_finished = 3;
  return beat;
}

/// The serialized full beat with `edit` applied to its JSON object.
template <class Edit> std::string edited(Edit edit) {
  auto o = json::parse(serialize_heartbeat(full_beat())).as_object();
  edit(o);
  return json::serialize(o);
}

/// The error of decoding `text`, which must fail.
std::string refusal(const std::string& text) {
  auto decoded = parse_heartbeat(text);
  BOOST_TEST_REQUIRE(!decoded.has_value(), "decoded without error: " << text);
  BOOST_TEST((decoded.error().code == boa::errc::invalid_input));
  return decoded.error().message;
}

} // namespace

BOOST_AUTO_TEST_SUITE(heartbeat_messages)

BOOST_AUTO_TEST_CASE(a_full_heartbeat_survives_a_round_trip) {
  const auto beat = full_beat();
  auto decoded = parse_heartbeat(serialize_heartbeat(beat));
  BOOST_TEST_REQUIRE(decoded.has_value(), why(decoded));
  BOOST_TEST((*decoded == beat));
}

BOOST_AUTO_TEST_CASE(a_heartbeat_without_systems_jobs_or_load_survives_a_round_trip) {
  heartbeat beat;
  beat.node = "n2";
  beat.started_ms = 5;
  beat.sent_ms = 6;
  beat.seq = 1;
  auto decoded = parse_heartbeat(serialize_heartbeat(beat));
  BOOST_TEST_REQUIRE(decoded.has_value(), why(decoded));
  BOOST_TEST((*decoded == beat));
}

BOOST_AUTO_TEST_CASE(the_wire_format_carries_the_message_header_and_documented_members) {
  auto o = json::parse(serialize_heartbeat(full_beat())).as_object();
  BOOST_TEST(o.at("v").as_int64() == 1);
  BOOST_TEST(o.at("type").as_string() == "heartbeat");
  BOOST_TEST(o.at("systems").as_array().at(0).as_object().at("busy").as_int64() == 1);
  BOOST_TEST(o.at("jobs").as_array().at(0).as_object().at("job_id").as_string() == "j-1");
  BOOST_TEST(o.at("jobs").as_array().at(0).as_object().at("version").as_int64() == 7);
  BOOST_TEST(o.at("jobs").as_array().at(0).as_object().at("history_length").as_int64() == 5);
  BOOST_TEST(o.at("counters").as_object().at("jobs_finished").as_int64() == 3);
}

BOOST_AUTO_TEST_CASE(optional_members_may_be_absent) {
  auto decoded = parse_heartbeat(
      R"({"v": 1, "type": "heartbeat", "node": "n1", "started_ms": 1, "sent_ms": 2, "seq": 1,
          "interval_ms": 500})");
  BOOST_TEST_REQUIRE(decoded.has_value(), why(decoded));
  BOOST_TEST(decoded->node == "n1");
  BOOST_TEST(decoded->interval_ms == 500);
  BOOST_TEST(decoded->systems.empty());
  BOOST_TEST(decoded->load.empty());
}

BOOST_AUTO_TEST_CASE(a_job_without_version_or_history_length_reads_as_zero) {
  auto decoded = parse_heartbeat(edited([](auto& o) {
    auto& job = o["jobs"].as_array()[0].as_object();
    job.erase("version");
    job.erase("history_length");
  }));
  BOOST_TEST_REQUIRE(decoded.has_value(), why(decoded));
  BOOST_TEST(decoded->jobs.at(0).version == 0);
  BOOST_TEST(decoded->jobs.at(0).history_length == 0);
  BOOST_TEST(decoded->jobs.at(0).since_ms == 1'700'000'016'500);
}

BOOST_AUTO_TEST_CASE(a_negative_or_fractional_job_version_is_refused_at_its_path) {
  auto negative =
      refusal(edited([](auto& o) { o["jobs"].as_array()[0].as_object()["version"] = -1; }));
  BOOST_TEST(mentions(negative, "heartbeat: jobs[0].version: "), negative);
  auto fraction =
      refusal(edited([](auto& o) { o["jobs"].as_array()[0].as_object()["history_length"] = 1.5; }));
  BOOST_TEST(mentions(fraction, "heartbeat: jobs[0].history_length: "), fraction);
}

BOOST_AUTO_TEST_CASE(malformed_json_is_refused_with_its_position) {
  BOOST_TEST(mentions(refusal("{\"v\": 1,"), "heartbeat: invalid JSON at 1:"));
}

BOOST_AUTO_TEST_CASE(a_wrong_header_names_its_member) {
  BOOST_TEST(mentions(refusal(edited([](auto& o) { o["type"] = "job-command"; })), "type"));
  BOOST_TEST(mentions(refusal(edited([](auto& o) { o["v"] = 2; })), "v"));
}

BOOST_AUTO_TEST_CASE(an_empty_or_missing_node_id_is_refused_at_node) {
  auto empty = refusal(edited([](auto& o) { o["node"] = ""; }));
  BOOST_TEST(mentions(empty, "heartbeat: node: "), empty);
  BOOST_TEST(mentions(empty, "empty"), empty);
  auto missing = refusal(edited([](auto& o) { o.erase("node"); }));
  BOOST_TEST(mentions(missing, "heartbeat: node: "), missing);
}

BOOST_AUTO_TEST_CASE(a_sequence_number_below_one_is_refused_at_seq) {
  auto message = refusal(edited([](auto& o) { o["seq"] = 0; }));
  BOOST_TEST(mentions(message, "heartbeat: seq: "), message);
}

BOOST_AUTO_TEST_CASE(a_last_beat_says_the_node_is_leaving_and_others_do_not_say_so) {
  auto last = full_beat();
  last.leaving = true;
  auto o = json::parse(serialize_heartbeat(last)).as_object();
  BOOST_TEST(o.at("leaving").as_bool());
  auto decoded = parse_heartbeat(serialize_heartbeat(last));
  BOOST_TEST_REQUIRE(decoded.has_value(), why(decoded));
  BOOST_TEST((*decoded == last));
  BOOST_TEST(!json::parse(serialize_heartbeat(full_beat())).as_object().contains("leaving"));
}

BOOST_AUTO_TEST_CASE(a_leaving_member_that_is_not_a_boolean_is_refused_at_its_path) {
  auto message = refusal(edited([](auto& o) { o["leaving"] = "yes"; }));
  BOOST_TEST(mentions(message, "heartbeat: leaving: "), message);
}

BOOST_AUTO_TEST_CASE(a_non_positive_interval_is_refused_at_interval_ms) {
  auto message = refusal(edited([](auto& o) { o["interval_ms"] = 0; }));
  BOOST_TEST(mentions(message, "heartbeat: interval_ms: "), message);
}

BOOST_AUTO_TEST_CASE(negative_counts_are_refused_at_their_paths) {
  auto total =
      refusal(edited([](auto& o) { o["systems"].as_array()[1].as_object()["total"] = -1; }));
  BOOST_TEST(mentions(total, "heartbeat: systems[1].total: "), total);
  auto rss = refusal(edited([](auto& o) { o["rss_bytes"] = -5; }));
  BOOST_TEST(mentions(rss, "heartbeat: rss_bytes: "), rss);
  auto failed = refusal(edited([](auto& o) { o["counters"].as_object()["steps_failed"] = -1; }));
  BOOST_TEST(mentions(failed, "heartbeat: counters.steps_failed: "), failed);
  auto pid = refusal(edited([](auto& o) { o["pid"] = -1; }));
  BOOST_TEST(mentions(pid, "heartbeat: pid: "), pid);
}

BOOST_AUTO_TEST_CASE(more_busy_than_total_workers_is_refused_at_busy) {
  auto message =
      refusal(edited([](auto& o) { o["systems"].as_array()[0].as_object()["busy"] = 5; }));
  BOOST_TEST(mentions(message, "heartbeat: systems[0].busy: busy (5) exceeds total (4)"), message);
}

BOOST_AUTO_TEST_CASE(a_system_without_a_name_is_refused_at_its_name) {
  auto message =
      refusal(edited([](auto& o) { o["systems"].as_array()[1].as_object()["name"] = ""; }));
  BOOST_TEST(mentions(message, "heartbeat: systems[1].name: "), message);
}

BOOST_AUTO_TEST_CASE(a_job_without_an_id_is_refused_at_its_job_id) {
  auto message =
      refusal(edited([](auto& o) { o["jobs"].as_array()[0].as_object().erase("job_id"); }));
  BOOST_TEST(mentions(message, "heartbeat: jobs[0].job_id: "), message);
}

BOOST_AUTO_TEST_CASE(load_with_neither_zero_nor_three_numbers_is_refused_at_load) {
  auto two = refusal(edited([](auto& o) { o["load"] = json::array{0.1, 0.2}; }));
  BOOST_TEST(mentions(two, "heartbeat: load: expected 0 or 3 load averages"), two);
  auto text = refusal(edited([](auto& o) { o["load"] = json::array{0.1, "x", 0.3}; }));
  BOOST_TEST(mentions(text, "heartbeat: load[1]: "), text);
  auto negative = refusal(edited([](auto& o) { o["load"] = json::array{0.1, 0.2, -0.3}; }));
  BOOST_TEST(mentions(negative, "heartbeat: load[2]: "), negative);
}

BOOST_AUTO_TEST_CASE(a_wrong_type_is_refused_at_its_path) {
  auto message =
      refusal(edited([](auto& o) { o["systems"].as_array()[0].as_object()["running"] = 1; }));
  BOOST_TEST(mentions(message, "heartbeat: systems[0].running: "), message);
  auto jobs = refusal(edited([](auto& o) { o["jobs"] = "none"; }));
  BOOST_TEST(mentions(jobs, "heartbeat: jobs: "), jobs);
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_refused_with_the_known_list) {
  auto top = refusal(edited([](auto& o) { o["colour"] = "red"; }));
  BOOST_TEST(mentions(top, "unknown key 'colour'"), top);
  BOOST_TEST(mentions(top, "interval_ms"), top);
  auto nested =
      refusal(edited([](auto& o) { o["systems"].as_array()[0].as_object()["idle"] = 3; }));
  BOOST_TEST(mentions(nested, "heartbeat: systems[0]: unknown key 'idle'"), nested);
  BOOST_TEST(mentions(nested, "running"), nested);
  auto counter = refusal(edited([](auto& o) { o["counters"].as_object()["jobs_lost"] = 0; }));
  BOOST_TEST(mentions(counter, "heartbeat: counters: unknown key 'jobs_lost'"), counter);
  auto job = refusal(edited([](auto& o) { o["jobs"].as_array()[0].as_object()["node"] = "n1"; }));
  BOOST_TEST(mentions(job, "heartbeat: jobs[0]: unknown key 'node'"), job);
}

// Found by fuzzing (fuzz_heartbeat): a load too large for a double was read as infinity and
// written back as `Infinity`, so the cluster views that carry the beat could not be read.
BOOST_AUTO_TEST_CASE(a_load_no_double_holds_is_refused) {
  auto beat = parse_heartbeat(
      R"({"v":1,"type":"heartbeat","node":"n1","host":"vm","pid":6943,"started_ms":1,)"
      R"("sent_ms":2,"seq":2,"interval_ms":200,"load":[7.16015625E60150,6.5,4.8]})");
  BOOST_REQUIRE(!beat);
  BOOST_TEST(beat.error().code == boa::errc::invalid_input);
  BOOST_TEST(mentions(beat.error().message, "invalid JSON at 1:"), why(beat));
}

BOOST_AUTO_TEST_SUITE_END()
