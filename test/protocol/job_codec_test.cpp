#include <boost/test/unit_test.hpp>

#include "protocol/job_codec.hpp"
#include "protocol/workflow_codec.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace boa::protocol;
namespace json = boost::json;

namespace {

const char* shop_definition = R"({"name": "shop", "revision": 4, "steps": [
  {"id": "fork", "run": "noop", "parallel": true, "next": [["*", "left"], ["*", "right"]]},
  {"id": "left", "run": "noop", "next": [["*", "meet"]]},
  {"id": "right", "run": "noop", "next": [["*", "meet"]]},
  {"id": "meet", "join": true, "next": [["*", "split"]]},
  {"id": "split", "map": {"workflow": "line", "items": "lines"}, "next": [["*", "total"]]},
  {"id": "total", "reduce": {"fold": "sum", "field": "amount"}}]})";

workflow_ptr shop() {
  auto d = parse_workflow(shop_definition);
  BOOST_REQUIRE(d.ok());
  return d.workflow;
}

job minimal_job() {
  job j;
  j.id = "job-1";
  j.workflow = shop();
  return j;
}

job full_job() {
  job j = minimal_job();
  j.props = json::object{{"lines", json::array{1, 2}}, {"note", "quote \" and newline \n"}};
  j.step = "total";
  j.attempt = 2;
  j.state = job_state::running;
  j.history = {
      {"fork", 1, "node-a", "w1", 1700000000000, 1700000000004, "ok", ""},
      {"left", 1, "node-b", "w2", 1700000000005, 1700000000009, "error", "exit 1: grüße \"x\""},
      {"left", 2, "node-a", "w1", 1700000000010, 1700000000011, "ok", ""},
  };
  j.forks = {{"fork#0", "fork", 1, 2, boost::json::object{{"at_fork", 1}}}};
  j.reduce = reduce_progress{"split",
                             3,
                             {"job-1.split-3.0", "job-1.split-3.2"},
                             {json::object{{"amount", 1.5}}, {}, json::object{{"amount", 2}}},
                             3.5,
                             {"job-1.split-3.1: boom"}};
  j.parent_id = "parent-9";
  j.parent_step = "split";
  j.item_index = 4;
  j.created_ms = 1700000000000;
  j.updated_ms = 1700000000011;
  j.ended_ms = 1700000000012;
  j.deadline_ms = 1700000060000;
  j.commands_ms = 1700000000010;
  j.error = "deadline passed";
  return j;
}

/// The error of a failed decoding, for messages.
std::string why(const boa::expected<job>& decoded) {
  return decoded ? std::string() : decoded.error().message;
}

void check_same(const job& a, const job& b) {
  BOOST_TEST(a.id == b.id);
  BOOST_REQUIRE(a.workflow != nullptr);
  BOOST_REQUIRE(b.workflow != nullptr);
  BOOST_TEST(a.workflow->source == b.workflow->source);
  BOOST_TEST(a.props == b.props);
  BOOST_TEST(a.step == b.step);
  BOOST_TEST(a.attempt == b.attempt);
  BOOST_TEST((a.state == b.state));
  BOOST_REQUIRE_EQUAL(a.history.size(), b.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i) {
    BOOST_TEST_CONTEXT("history[" << i << "]") {
      BOOST_TEST(a.history[i].step == b.history[i].step);
      BOOST_TEST(a.history[i].attempt == b.history[i].attempt);
      BOOST_TEST(a.history[i].node == b.history[i].node);
      BOOST_TEST(a.history[i].worker == b.history[i].worker);
      BOOST_TEST(a.history[i].start_ms == b.history[i].start_ms);
      BOOST_TEST(a.history[i].end_ms == b.history[i].end_ms);
      BOOST_TEST(a.history[i].result == b.history[i].result);
      BOOST_TEST(a.history[i].error == b.history[i].error);
    }
  }
  BOOST_REQUIRE_EQUAL(a.forks.size(), b.forks.size());
  for (std::size_t i = 0; i < a.forks.size(); ++i) {
    BOOST_TEST(a.forks[i].fork_id == b.forks[i].fork_id);
    BOOST_TEST(a.forks[i].fork_step == b.forks[i].fork_step);
    BOOST_TEST(a.forks[i].branch == b.forks[i].branch);
    BOOST_TEST(a.forks[i].branches == b.forks[i].branches);
    BOOST_TEST(a.forks[i].base == b.forks[i].base);
  }
  BOOST_REQUIRE_EQUAL(a.reduce.has_value(), b.reduce.has_value());
  if (a.reduce) {
    BOOST_TEST(a.reduce->map_step == b.reduce->map_step);
    BOOST_TEST(a.reduce->expected == b.reduce->expected);
    BOOST_TEST(a.reduce->folded == b.reduce->folded, boost::test_tools::per_element());
    BOOST_TEST((a.reduce->items == b.reduce->items));
    BOOST_TEST(a.reduce->sum == b.reduce->sum);
    BOOST_TEST(a.reduce->errors == b.reduce->errors, boost::test_tools::per_element());
  }
  BOOST_TEST(a.parent_id == b.parent_id);
  BOOST_TEST(a.parent_step == b.parent_step);
  BOOST_TEST(a.item_index == b.item_index);
  BOOST_TEST(a.created_ms == b.created_ms);
  BOOST_TEST(a.updated_ms == b.updated_ms);
  BOOST_TEST(a.ended_ms == b.ended_ms);
  BOOST_TEST(a.deadline_ms == b.deadline_ms);
  BOOST_TEST(a.commands_ms == b.commands_ms);
  BOOST_TEST(a.error == b.error);
}

/// The error `decode_job` gives for the encoded full job after `change`.
std::string decode_error(const std::function<void(json::object&)>& change) {
  json::value wire = encode_job(full_job());
  change(wire.as_object());
  auto decoded = decode_job(wire);
  if (decoded)
    return "(decoded without error)";
  BOOST_TEST((decoded.error().code == boa::errc::invalid_input));
  return decoded.error().message;
}

} // namespace

BOOST_AUTO_TEST_SUITE(job_codec)

BOOST_AUTO_TEST_CASE(job_with_every_field_set_survives_a_round_trip) {
  const job original = full_job();
  auto from_object = decode_job(encode_job(original));
  BOOST_REQUIRE_MESSAGE(from_object, why(from_object));
  check_same(original, *from_object);

  auto from_text = parse_job(serialize_job(original));
  BOOST_REQUIRE_MESSAGE(from_text, why(from_text));
  check_same(original, *from_text);
}

BOOST_AUTO_TEST_CASE(decoded_job_outlives_the_memory_of_its_message) {
  boa::expected<job> decoded = boa::error();
  {
    json::monotonic_resource arena;
    json::value wire(encode_job(full_job()), &arena);
    decoded = decode_job(wire);
  }
  BOOST_REQUIRE_MESSAGE(decoded, why(decoded));
  const json::storage_ptr default_storage;
  BOOST_TEST(decoded->props.storage().get() == default_storage.get());
  BOOST_TEST(decoded->reduce->items[0].storage().get() == default_storage.get());
  check_same(full_job(), *decoded);
}

BOOST_AUTO_TEST_CASE(serialized_text_is_the_encoded_object) {
  for (const job& j : {full_job(), minimal_job()})
    BOOST_TEST(json::parse(serialize_job(j)) == json::value(encode_job(j)));
}

BOOST_AUTO_TEST_CASE(members_that_hold_their_default_are_left_out_of_the_message) {
  job j = minimal_job();
  j.history.push_back({});
  j.history.back().step = "fork";
  j.forks.push_back({});
  j.reduce.emplace();
  const auto wire = encode_job(j);
  std::vector<std::string> keys;
  for (const auto& kv : wire)
    keys.emplace_back(kv.key());
  const std::vector<std::string> expected{"v",       "type",  "id",    "workflow",
                                          "history", "forks", "reduce"};
  BOOST_TEST(keys == expected, boost::test_tools::per_element());
  BOOST_TEST(wire.at("v") == 1);
  BOOST_TEST(wire.at("type") == "job");
  BOOST_TEST(wire.at("history") == json::parse(R"([{"step": "fork"}])"));
  BOOST_TEST(wire.at("forks") == json::parse("[{}]"));
  BOOST_TEST(wire.at("reduce") == json::object());

  auto decoded = decode_job(wire);
  BOOST_REQUIRE_MESSAGE(decoded, why(decoded));
  check_same(j, *decoded);
  BOOST_TEST(decoded->attempt == 1);
  BOOST_TEST((decoded->state == job_state::initial));
  BOOST_TEST(decoded->item_index == -1);
  BOOST_TEST(decoded->forks[0].branches == 1);
}

BOOST_AUTO_TEST_CASE(the_command_watermark_travels_once_set_and_older_messages_lack_it) {
  job j = minimal_job();
  BOOST_TEST(!encode_job(j).contains("commands_ms"));
  j.commands_ms = 1700000000500;
  auto wire = encode_job(j);
  BOOST_TEST(wire.at("commands_ms") == 1700000000500);
  auto decoded = decode_job(wire);
  BOOST_REQUIRE_MESSAGE(decoded, why(decoded));
  BOOST_TEST(decoded->commands_ms == 1700000000500);
  // A message written before jobs carried it: no command applied yet.
  wire.erase("commands_ms");
  auto old = decode_job(wire);
  BOOST_REQUIRE_MESSAGE(old, why(old));
  BOOST_TEST(old->commands_ms == 0);
  BOOST_TEST(decode_error([](json::object& o) { o["commands_ms"] = "soon"; }) ==
             "commands_ms: expected integer, got string");
}

BOOST_AUTO_TEST_CASE(invalid_members_are_rejected_with_their_path) {
  BOOST_TEST(decode_error([](json::object& o) {
               o["history"].as_array()[2].as_object()["attempt"] = "3";
             }) == "history[2].attempt: expected integer, got string");
  BOOST_TEST(decode_error([](json::object& o) { o["v"] = 2; }) ==
             "v: unsupported version 2 (this build reads 1)");
  BOOST_TEST(decode_error([](json::object& o) { o["type"] = "heartbeat"; }) ==
             "type: expected 'job', got 'heartbeat'");
  BOOST_TEST(decode_error([](json::object& o) { o["state"] = "sleeping"; }) ==
             "state: unknown job state 'sleeping' (known: initial, running, suspended, finished, "
             "error, canceled)");
  BOOST_TEST(decode_error([](json::object& o) { o.erase("id"); }) == "id: is required");
  BOOST_TEST(decode_error([](json::object& o) { o.erase("workflow"); }) == "workflow: is required");
  BOOST_TEST(decode_error([](json::object& o) { o["id"] = ""; }) == "id: must not be empty");
  BOOST_TEST(decode_error([](json::object& o) { o["attempt"] = 0; }) ==
             "attempt: must be a positive integer");
  BOOST_TEST(decode_error([](json::object& o) { o["created_ms"] = -1; }) ==
             "created_ms: must be a non-negative integer");
  BOOST_TEST(decode_error([](json::object& o) { o["item_index"] = -2; }) ==
             "item_index: must be an integer >= -1");
  BOOST_TEST(decode_error([](json::object& o) { o["properties"] = json::array(); }) ==
             "properties: expected object, got array");
  BOOST_TEST(decode_error([](json::object& o) { o["history"] = json::object(); }) ==
             "history: expected array, got object");
  BOOST_TEST(decode_error([](json::object& o) {
               o["history"].as_array()[0].as_object()["node"] = 1;
             }) == "history[0].node: expected string, got number");
  BOOST_TEST(decode_error([](json::object& o) {
               o["forks"].as_array()[0].as_object()["branch"] = 2;
             }) == "forks[0].branch: must be less than branches (2)");
  BOOST_TEST(decode_error([](json::object& o) {
               o["forks"].as_array()[0].as_object()["fork_step"] = "nowhere";
             }) == "forks[0].fork_step: unknown step 'nowhere' in workflow 'shop'");
  BOOST_TEST(decode_error([](json::object& o) {
               o["reduce"].as_object()["items"].as_array()[1] = 5;
             }) == "reduce.items[1]: expected object, got number");
  BOOST_TEST(decode_error([](json::object& o) { o["reduce"].as_object()["sum"] = "x"; }) ==
             "reduce.sum: expected number, got string");
  BOOST_TEST(decode_error([](json::object& o) {
               o["reduce"].as_object()["folded"].as_array()[0] = 1;
             }) == "reduce.folded[0]: expected string, got number");
  BOOST_TEST(decode_error([](json::object& o) { o["step"] = "nowhere"; }) ==
             "step: unknown step 'nowhere' in workflow 'shop'");
  BOOST_TEST(decode_error([](json::object& o) { o["workflow"] = "shop"; }) ==
             "workflow: expected object, got string");
  BOOST_TEST(decode_error([](json::object& o) {
               o["workflow"].as_object()["steps"].as_array()[0].as_object().erase("id");
             }) == "workflow.steps[0].id: is required");
  BOOST_TEST(decode_error([](json::object& o) {
               o["colour"] = "red";
             }).rfind("unknown key 'colour' (known: v, type, id, workflow, properties, ", 0) == 0);
  BOOST_TEST(decode_error([](json::object& o) {
               o["v"] = "1";
               o["ended_ms"] = 1.5;
             }) == "v: expected integer, got string (and 1 more)");
}

BOOST_AUTO_TEST_CASE(text_that_is_not_a_job_object_is_rejected) {
  auto array = parse_job("[1]");
  BOOST_REQUIRE(!array);
  BOOST_TEST(array.error().message == "expected object, got array");
  auto truncated = parse_job("{\"v\": 1,\n\"type\": ");
  BOOST_REQUIRE(!truncated);
  BOOST_TEST((truncated.error().code == boa::errc::invalid_input));
  BOOST_TEST(truncated.error().message.rfind("invalid JSON at 2:9: ", 0) == 0,
             truncated.error().message);
}

BOOST_AUTO_TEST_CASE(cache_returns_the_same_workflow_for_an_equal_definition) {
  workflow_cache cache;
  auto first = cache.get(json::parse(shop_definition));
  BOOST_REQUIRE(first.ok());
  auto again = cache.get(json::parse(shop_definition)); // equal, not the same object
  BOOST_TEST(again.workflow == first.workflow);

  // Member order does not make a definition different.
  json::object reordered;
  const auto original = json::parse(shop_definition).as_object();
  for (auto i = original.end(); i != original.begin();) {
    --i;
    reordered.emplace(i->key(), i->value());
  }
  BOOST_TEST(cache.get(reordered).workflow == first.workflow);
  BOOST_TEST(cache.size() == 1u);
}

BOOST_AUTO_TEST_CASE(cache_decodes_a_changed_definition_anew) {
  workflow_cache cache;
  auto definition = json::parse(shop_definition);
  auto first = cache.get(definition);
  definition.as_object()["steps"].as_array()[1].as_object()["run"] = "sleep-less";
  auto changed = cache.get(definition);
  BOOST_REQUIRE(changed.ok());
  BOOST_TEST(changed.workflow != first.workflow);
  BOOST_TEST(changed.workflow->def.find("left")->run.kind == "sleep-less");
  definition.as_object()["revision"] = 5;
  BOOST_TEST(cache.get(definition).workflow != changed.workflow);
  BOOST_TEST(cache.size() == 3u);
}

BOOST_AUTO_TEST_CASE(cache_keeps_no_invalid_definition_and_reports_its_problems) {
  workflow_cache cache;
  auto bad = cache.get(json::parse(R"({"name": "x", "steps": []})"));
  BOOST_TEST(!bad.ok());
  BOOST_REQUIRE_EQUAL(bad.problems.size(), 1u);
  BOOST_TEST(to_string(bad.problems[0]) == "steps: must not be empty");
  BOOST_TEST(cache.size() == 0u);
}

BOOST_AUTO_TEST_CASE(cache_forgets_the_oldest_definition_beyond_its_capacity) {
  workflow_cache cache(2);
  auto definition = [](int revision) {
    auto d = json::parse(shop_definition);
    d.as_object()["revision"] = revision;
    return d;
  };
  auto one = cache.get(definition(1)).workflow;
  auto two = cache.get(definition(2)).workflow;
  auto three = cache.get(definition(3)).workflow;
  BOOST_TEST(cache.size() == 2u);
  BOOST_TEST(cache.get(definition(3)).workflow == three);
  BOOST_TEST(cache.get(definition(2)).workflow == two);
  BOOST_TEST(cache.get(definition(1)).workflow != one); // decoded again
}

BOOST_AUTO_TEST_CASE(cache_shared_by_threads_hands_out_one_workflow_per_definition) {
  workflow_cache cache;
  const auto definition = json::parse(shop_definition);
  std::vector<workflow_ptr> seen(4 * 50);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i)
        seen[static_cast<std::size_t>(t * 50 + i)] = cache.get(definition).workflow;
    });
  for (auto& t : threads)
    t.join();
  for (const auto& w : seen)
    BOOST_TEST(w == seen[0]);
  BOOST_TEST(cache.size() == 1u);
}

BOOST_AUTO_TEST_CASE(decoding_with_a_cache_shares_the_workflow_between_messages) {
  workflow_cache cache;
  const std::string text = serialize_job(full_job());
  auto a = parse_job(text, &cache);
  auto b = decode_job(json::parse(text), &cache);
  BOOST_REQUIRE(a);
  BOOST_REQUIRE(b);
  BOOST_TEST(a->workflow == b->workflow);
  check_same(*a, *b);
  auto uncached = parse_job(text);
  BOOST_REQUIRE(uncached);
  BOOST_TEST(uncached->workflow != a->workflow);
}

BOOST_AUTO_TEST_SUITE_END()
