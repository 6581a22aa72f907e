#include <boost/test/unit_test.hpp>

#include "protocol/workflow_codec.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <string>

using namespace boa::protocol;

namespace {

std::string listing(const workflow_decoding& d) {
  std::string out;
  for (const auto& p : d.problems)
    out += "\n  " + to_string(p);
  return out.empty() ? " (none)" : out;
}

/// Passes when `d` reports exactly this problem (as printed by to_string).
boost::test_tools::predicate_result reports(const workflow_decoding& d,
                                            const std::string& expected) {
  auto printed = [&](const problem& p) { return to_string(p) == expected; };
  if (std::any_of(d.problems.begin(), d.problems.end(), printed))
    return true;
  boost::test_tools::predicate_result result(false);
  result.message() << "no problem '" << expected << "'; reported:" << listing(d);
  return result;
}

std::size_t errors(const workflow_decoding& d) {
  return static_cast<std::size_t>(std::count_if(d.problems.begin(), d.problems.end(),
                                                [](const problem& p) { return !p.warning; }));
}

const char* every_role = R"({
  "name": "every-role",
  "revision": 2,
  "description": "kept in the source only",
  "properties": {"region": "eu"},
  "timeout_ms": 60000,
  "steps": [
    {"id": "start", "run": "noop", "parallel": true,
     "next": [["*", "left"], ["*", "right"]]},
    {"id": "left", "run": {"kind": "sleep", "ms": 10}, "retry": {"max": 3},
     "properties": {"side": "left"}, "next": [["*", "meet"]]},
    {"id": "right", "run": {"kind": "exec", "argv": ["sh", "-c", "echo {}"], "env": {"A": "1"}},
     "retry": {"max": 2, "backoff_ms": 50, "multiplier": 1.5}, "timeout_ms": 5000,
     "next": [["*", "meet"]]},
    {"id": "meet", "join": {"merge": "by-branch"}, "next": [["*", "split"]]},
    {"id": "split", "map": {"workflow": "price-line@3", "items": "lines"},
     "next": [["*", "fold"]]},
    {"id": "fold", "reduce": {"fold": "sum", "field": "amount"},
     "next": [["OK", "done"], ["Error", "alert"]]},
    {"id": "done", "run": {"kind": "set", "values": {"finished": true}}},
    {"id": "alert", "run": {"kind": "fail", "message": "reduce failed"}}
  ]
})";

/// A valid definition with one step replaced, for tests of a single rule.
std::string with_steps(const std::string& steps) {
  return R"({"name": "w", "steps": [)" + steps + "]}";
}

} // namespace

BOOST_AUTO_TEST_SUITE(workflow_codec)

BOOST_AUTO_TEST_CASE(definition_with_every_step_role_decodes_into_the_workflow) {
  auto d = parse_workflow(every_role);
  BOOST_REQUIRE_MESSAGE(d.ok(), listing(d));
  BOOST_TEST(d.problems.empty(), listing(d));
  const workflow& w = d.workflow->def;
  BOOST_TEST(w.name == "every-role");
  BOOST_TEST(w.revision.value() == 2);
  BOOST_TEST(w.timeout_ms.value() == 60000);
  BOOST_TEST(w.props.at("region").as_string() == "eu");
  BOOST_REQUIRE_EQUAL(w.steps.size(), 8u);
  BOOST_TEST(w.steps[0].id == "start"); // the first step is the entry

  const step& start = *w.find("start");
  BOOST_TEST((start.role == step_role::task));
  BOOST_TEST(start.run.kind == "noop");
  BOOST_TEST(start.run.args.empty());
  BOOST_TEST(start.parallel);
  BOOST_REQUIRE_EQUAL(start.next.size(), 2u);
  BOOST_TEST(start.next[1].match == "*");
  BOOST_TEST(start.next[1].target == "right");

  const step& left = *w.find("left");
  BOOST_TEST(left.run.args.at("ms").as_int64() == 10);
  BOOST_TEST(!left.run.args.contains("kind"));
  BOOST_TEST(left.props.at("side").as_string() == "left");
  BOOST_REQUIRE(left.retry.has_value());
  BOOST_TEST(left.retry->max == 3);
  BOOST_TEST(left.retry->backoff_ms == 0);   // default
  BOOST_TEST(left.retry->multiplier == 1.0); // default
  BOOST_TEST(!left.timeout_ms.has_value());

  const step& right = *w.find("right");
  BOOST_TEST(right.run.kind == "exec");
  BOOST_TEST(right.run.args.at("argv").as_array().size() == 3u);
  BOOST_TEST(right.retry->backoff_ms == 50);
  BOOST_TEST(right.retry->multiplier == 1.5);
  BOOST_TEST(right.timeout_ms.value() == 5000);

  const step& meet = *w.find("meet");
  BOOST_TEST((meet.role == step_role::join));
  BOOST_TEST((meet.merge == merge_policy::by_branch));
  BOOST_TEST(meet.run.kind.empty());

  const step& split = *w.find("split");
  BOOST_TEST((split.role == step_role::map));
  BOOST_TEST(split.map.workflow == "price-line@3");
  BOOST_TEST(split.map.items == "lines");

  const step& fold = *w.find("fold");
  BOOST_TEST((fold.role == step_role::reduce));
  BOOST_TEST((fold.reduce.fold == fold_kind::sum));
  BOOST_TEST(fold.reduce.field == "amount");
  BOOST_TEST(fold.reduce.into == "fold"); // defaults to the step id
  BOOST_TEST(fold.next[0].match == "ok"); // lower-cased
  BOOST_TEST(fold.next[1].match == "error");

  BOOST_TEST(d.workflow->source == boost::json::parse(every_role).as_object());
}

BOOST_AUTO_TEST_CASE(join_true_uses_last_writer_wins_and_inline_map_workflow_is_kept) {
  auto d = parse_workflow(with_steps(R"(
    {"id": "a", "run": "noop", "parallel": true, "next": [["*", "b"], ["*", "c"]]},
    {"id": "b", "run": "noop", "next": [["*", "j"]]},
    {"id": "c", "run": "noop", "next": [["*", "j"]]},
    {"id": "j", "join": true, "next": [["*", "m"]]},
    {"id": "m", "run": {"kind": "set", "values": {"items": [1, 2]}},
     "map": {"workflow": {"name": "sub", "steps": [{"id": "s", "run": "noop"}]}},
     "next": [["*", "r"]]},
    {"id": "r", "reduce": {"into": "all"}})"));
  BOOST_REQUIRE_MESSAGE(d.ok(), listing(d));
  const workflow& w = d.workflow->def;
  BOOST_TEST((w.find("j")->merge == merge_policy::last_writer_wins));
  const step& m = *w.find("m");
  BOOST_TEST(m.map.workflow.empty());
  BOOST_TEST(m.map.items.empty()); // the run's result is the array
  BOOST_TEST(m.map.inline_workflow.at("name").as_string() == "sub");
  BOOST_TEST((w.find("r")->reduce.fold == fold_kind::collect));
  BOOST_TEST(w.find("r")->reduce.into == "all");
}

BOOST_AUTO_TEST_CASE(several_problems_in_one_definition_are_reported_at_once_with_exact_paths) {
  auto d = parse_workflow(R"({
    "name": "has spaces",
    "revision": 0,
    "steps": [
      {"id": "a", "run": "noop", "next": [["ok", "b"], ["*"], ["", "b"]], "parallel": "yes"},
      {"id": "b", "run": {"kind": "sleep"}, "retry": {"backoff_ms": -1, "multiplier": 0.5}},
      {"id": "c", "timeout_ms": 0}
    ]})");
  BOOST_TEST(!d.ok());
  BOOST_TEST(d.workflow == nullptr);
  BOOST_TEST(reports(d, "name: must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '-'"));
  BOOST_TEST(reports(d, "revision: must be a positive integer"));
  BOOST_TEST(reports(d, "steps[0].next[1]: expected [match, step-id], got an array of 1"));
  BOOST_TEST(reports(d, "steps[0].next[2][0]: must not be empty"));
  BOOST_TEST(reports(d, "steps[0].parallel: expected boolean, got string"));
  BOOST_TEST(reports(d, "steps[1].run.ms: is required"));
  BOOST_TEST(reports(d, "steps[1].retry.max: is required"));
  BOOST_TEST(reports(d, "steps[1].retry.backoff_ms: must be a non-negative integer"));
  BOOST_TEST(reports(d, "steps[1].retry.multiplier: must be a number >= 1"));
  BOOST_TEST(reports(d, "steps[2].run: is required"));
  BOOST_TEST(reports(d, "steps[2].timeout_ms: must be a positive integer"));
  BOOST_TEST(reports(d, "warning: steps[2]: step 'c' is unreachable from the entry step 'a'"));
  BOOST_TEST(errors(d) == 11u, listing(d));
}

BOOST_AUTO_TEST_CASE(unknown_key_is_named_together_with_the_known_keys) {
  auto d = parse_workflow(with_steps(R"({"id": "a", "run": "noop", "nxet": []})"));
  BOOST_TEST(!d.ok());
  BOOST_TEST(reports(d, "steps[0]: unknown key 'nxet' (known: id, run, description, properties, "
                        "next, parallel, retry, timeout_ms, join, map, reduce)"));
  auto top = parse_workflow(R"({"name": "w", "step": []})");
  BOOST_TEST(reports(top, "unknown key 'step' (known: name, revision, description, properties, "
                          "timeout_ms, steps)"));
  BOOST_TEST(reports(top, "steps: is required"));
}

BOOST_AUTO_TEST_CASE(wrong_type_says_what_was_expected_and_what_was_found) {
  auto d = parse_workflow(R"({"name": 7, "properties": [], "steps": [
    {"id": "a", "run": 3, "next": {"ok": "b"}, "retry": 2}]})");
  BOOST_TEST(reports(d, "name: expected string, got number"));
  BOOST_TEST(reports(d, "properties: expected object, got array"));
  BOOST_TEST(reports(d, "steps[0].run: expected a step kind or an object, got number"));
  BOOST_TEST(reports(d, "steps[0].next: expected array, got object"));
  BOOST_TEST(reports(d, "steps[0].retry: expected object, got number"));
  BOOST_TEST(reports(parse_workflow("[]"), "expected object, got array"));
  BOOST_TEST(reports(parse_workflow(R"({"name": "w", "steps": []})"), "steps: must not be empty"));
  BOOST_TEST(reports(parse_workflow(R"({"name": "w", "steps": [1]})"),
                     "steps[0]: expected object, got number"));
}

BOOST_AUTO_TEST_CASE(syntax_error_is_one_problem_with_line_and_column) {
  auto d =
      parse_workflow("{\"name\": \"w\",\n \"steps\": [\n  {\"id\": \"a\" \"run\": \"noop\"}]}");
  BOOST_TEST(!d.ok());
  BOOST_REQUIRE_EQUAL(d.problems.size(), 1u);
  BOOST_TEST(d.problems[0].path == "");
  BOOST_TEST(d.problems[0].message.rfind("invalid JSON at 3:14: ", 0) == 0, d.problems[0].message);
}

BOOST_AUTO_TEST_CASE(unreachable_step_is_only_a_warning) {
  auto d = parse_workflow(with_steps(R"(
    {"id": "a", "run": "noop"},
    {"id": "orphan", "run": "noop"})"));
  BOOST_REQUIRE_MESSAGE(d.ok(), listing(d));
  BOOST_REQUIRE_EQUAL(d.problems.size(), 1u);
  BOOST_TEST(d.problems[0].warning);
  BOOST_TEST(to_string(d.problems[0]) ==
             "warning: steps[1]: step 'orphan' is unreachable from the entry step 'a'");
}

BOOST_AUTO_TEST_CASE(inline_map_workflow_is_validated_with_nested_paths) {
  auto d = parse_workflow(with_steps(R"(
    {"id": "a", "run": "noop", "next": [["*", "m"]]},
    {"id": "m", "map": {"items": "lines", "workflow": {"name": "sub", "steps": [
       {"id": "s", "run": "noop", "next": [["*", "t"]]},
       {"run": "noop"},
       {"id": "inner", "map": {"workflow": {"name": "deeper", "steps": [{"id": 5, "run": "noop"}]},
        "items": "x"}, "next": [["*", "s"]]}]}},
     "next": [["*", "r"]]},
    {"id": "r", "reduce": {}})"));
  BOOST_TEST(!d.ok());
  BOOST_TEST(reports(d, "steps[1].map.workflow.steps[0].next[0]: unknown step 't'"));
  BOOST_TEST(reports(d, "steps[1].map.workflow.steps[1].id: is required"));
  BOOST_TEST(reports(d, "steps[1].map.workflow.steps[2].map.workflow.steps[0].id: expected "
                        "string, got number"));
  BOOST_TEST(reports(d, "steps[1].map.workflow.steps[2].next[0]: map step 'inner' must lead to a "
                        "reduce step; 's' is a task step"));
  BOOST_TEST(reports(d, "warning: steps[1].map.workflow.steps[2]: step 'inner' is unreachable "
                        "from the entry step 's'"));
}

BOOST_AUTO_TEST_CASE(unknown_next_target_suggests_the_closest_step_id) {
  auto d = parse_workflow(with_steps(R"(
    {"id": "a", "run": "noop", "next": [["*", "colect"], ["error", "zzz"]]},
    {"id": "collect", "run": "noop"})"));
  BOOST_TEST(!d.ok());
  BOOST_TEST(reports(d, "steps[0].next[0]: unknown step 'colect' (did you mean 'collect'?)"));
  BOOST_TEST(reports(d, "steps[0].next[1]: unknown step 'zzz'"));
}

BOOST_AUTO_TEST_CASE(duplicate_step_id_is_reported_at_the_second_and_names_the_first) {
  auto d = parse_workflow(with_steps(R"(
    {"id": "a", "run": "noop", "next": [["*", "b"]]},
    {"id": "b", "run": "noop"},
    {"id": "b", "run": "noop"})"));
  BOOST_TEST(reports(d, "steps[2].id: duplicate step id 'b' (already used by steps[1])"));
  BOOST_TEST(errors(d) == 1u, listing(d));
}

BOOST_AUTO_TEST_CASE(ids_and_names_allow_only_the_safe_charset) {
  auto d = parse_workflow(R"({"name": ")" + std::string(129, 'n') + R"(", "steps": [
    {"id": "a/b", "run": "noop"}]})");
  BOOST_TEST(reports(d, "name: must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '-'"));
  BOOST_TEST(
      reports(d, "steps[0].id: must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '-'"));
  BOOST_TEST(parse_workflow(with_steps(R"({"id": "Step_1.v-2", "run": "noop"})")).ok());
}

BOOST_AUTO_TEST_CASE(a_step_leading_to_a_join_must_have_it_as_its_only_successor) {
  auto d = parse_workflow(with_steps(R"(
    {"id": "a", "run": "noop", "parallel": true, "next": [["*", "b"], ["*", "c"]]},
    {"id": "b", "run": "noop", "next": [["ok", "j"], ["*", "c"]]},
    {"id": "c", "run": "noop", "next": [["ok", "j"], ["*", "j"]]},
    {"id": "j", "join": true})"));
  BOOST_TEST(reports(d, "steps[1].next: step 'b' leads to join 'j', so 'j' must be its only "
                        "successor"));
  BOOST_TEST(errors(d) == 1u, listing(d)); // two entries to the same join are fine
}

BOOST_AUTO_TEST_CASE(join_not_reachable_from_any_parallel_step_is_rejected) {
  auto d = parse_workflow(with_steps(R"(
    {"id": "a", "run": "noop", "next": [["*", "j"]]},
    {"id": "j", "join": true})"));
  BOOST_TEST(reports(d, "steps[1].join: join 'j' is not reachable from any parallel step"));
  BOOST_TEST(errors(d) == 1u, listing(d));
}

BOOST_AUTO_TEST_CASE(map_step_needs_exactly_one_next_entry_leading_to_a_reduce_step) {
  auto none = parse_workflow(with_steps(R"({"id": "m", "map": {"workflow": "w", "items": "x"}})"));
  BOOST_TEST(reports(none, "steps[0].next: map step 'm' must have exactly one next entry, leading "
                           "to its reduce step"));
  auto two = parse_workflow(with_steps(R"(
    {"id": "m", "map": {"workflow": "w", "items": "x"}, "next": [["*", "r"], ["error", "r"]]},
    {"id": "r", "reduce": {}})"));
  BOOST_TEST(reports(two, "steps[0].next: map step 'm' must have exactly one next entry, leading "
                          "to its reduce step"));
  auto task = parse_workflow(with_steps(R"(
    {"id": "m", "map": {"workflow": "w", "items": "x"}, "next": [["*", "t"]]},
    {"id": "t", "run": "noop"})"));
  BOOST_TEST(reports(task, "steps[0].next[0]: map step 'm' must lead to a reduce step; 't' is a "
                           "task step"));
}

BOOST_AUTO_TEST_CASE(reduce_step_may_be_reached_only_from_map_steps) {
  auto d = parse_workflow(with_steps(R"(
    {"id": "a", "run": "noop", "next": [["ok", "m"], ["*", "r"]]},
    {"id": "m", "map": {"workflow": "w", "items": "x"}, "next": [["*", "r"]]},
    {"id": "r", "reduce": {}})"));
  BOOST_TEST(reports(d, "steps[0].next[1]: only a map step may lead to reduce step 'r'; 'a' is a "
                        "task step"));
  BOOST_TEST(errors(d) == 1u, listing(d));
  auto entry = parse_workflow(with_steps(R"({"id": "r", "reduce": {}})"));
  BOOST_TEST(reports(entry, "steps[0].reduce: the entry step cannot be a reduce step: only a map "
                            "step may lead to one"));
}

BOOST_AUTO_TEST_CASE(map_step_without_run_must_name_its_items) {
  auto d = parse_workflow(with_steps(R"(
    {"id": "m", "map": {"workflow": "w"}, "next": [["*", "r"]]},
    {"id": "r", "reduce": {}})"));
  BOOST_TEST(reports(d, "steps[0].map.items: is required when the map step has no 'run'"));
  BOOST_TEST(errors(d) == 1u, listing(d));
  BOOST_TEST(reports(parse_workflow(with_steps(R"({"id": "m", "map": {"items": "x"},
                                                   "next": [["*", "r"]]}, {"id": "r", "reduce": {}})")),
                     "steps[0].map.workflow: is required"));
  BOOST_TEST(
      reports(parse_workflow(with_steps(R"({"id": "m", "map": {"items": "x", "workflow": "w@x"},
                                                   "next": [["*", "r"]]}, {"id": "r", "reduce": {}})")),
              "steps[0].map.workflow: must be a workflow name or name@revision, e.g. "
              "'billing' or 'billing@3'"));
}

BOOST_AUTO_TEST_CASE(parallel_step_with_no_next_entry_is_rejected) {
  auto d = parse_workflow(with_steps(R"({"id": "a", "run": "noop", "parallel": true})"));
  BOOST_TEST(reports(d, "steps[0].parallel: a parallel step needs at least one 'next' entry"));
}

BOOST_AUTO_TEST_CASE(a_step_is_at_most_one_of_join_map_and_reduce) {
  auto d = parse_workflow(with_steps(R"(
    {"id": "a", "run": "noop", "parallel": true, "next": [["*", "j"]]},
    {"id": "j", "join": true, "reduce": {}})"));
  BOOST_TEST(reports(d, "steps[1].reduce: a step can be only one of join, map and reduce; this one "
                        "is already a join step"));
  BOOST_TEST(errors(d) == 1u, listing(d));
}

BOOST_AUTO_TEST_CASE(run_is_required_on_task_steps_and_forbidden_on_join_and_reduce_steps) {
  auto d = parse_workflow(with_steps(R"(
    {"id": "a", "parallel": true, "next": [["*", "j"]]},
    {"id": "j", "join": true, "run": "noop", "next": [["*", "m"]]},
    {"id": "m", "run": "noop", "map": {"workflow": "w"}, "next": [["*", "r"]]},
    {"id": "r", "run": "noop", "reduce": {}})"));
  BOOST_TEST(reports(d, "steps[0].run: is required"));
  BOOST_TEST(reports(d, "steps[1].run: a join step cannot have 'run'"));
  BOOST_TEST(reports(d, "steps[3].run: a reduce step cannot have 'run'"));
  BOOST_TEST(errors(d) == 3u, listing(d)); // run is optional on map steps
}

BOOST_AUTO_TEST_CASE(arguments_of_the_built_in_kinds_are_validated) {
  auto d = parse_workflow(with_steps(R"(
    {"id": "a", "run": {"kind": "noop", "ms": 1}, "next": [["*", "b"]]},
    {"id": "b", "run": {"kind": "sleep", "ms": -5}, "next": [["*", "c"]]},
    {"id": "c", "run": {"kind": "fail", "message": 1}, "next": [["*", "d"]]},
    {"id": "d", "run": {"kind": "set", "values": [1]}, "next": [["*", "e"]]},
    {"id": "e", "run": {"kind": "exec", "argv": ["", 2], "env": {"A": 1}}, "next": [["*", "f"]]},
    {"id": "f", "run": {"kind": "exec", "argv": []}, "next": [["*", "g"]]},
    {"id": "g", "run": {"kind": "cpp", "function": ""}, "next": [["*", "h"]]},
    {"id": "h", "run": {"kind": ""}, "next": [["*", "i"]]},
    {"id": "i", "run": {"kind": "http", "url": 5, "anything": true}})"));
  BOOST_TEST(reports(d, "steps[0].run: unknown key 'ms' (known: kind)"));
  BOOST_TEST(reports(d, "steps[1].run.ms: must be a non-negative integer"));
  BOOST_TEST(reports(d, "steps[2].run.message: expected string, got number"));
  BOOST_TEST(reports(d, "steps[3].run.values: expected object, got array"));
  BOOST_TEST(reports(d, "steps[4].run.argv[0]: must not be empty"));
  BOOST_TEST(reports(d, "steps[4].run.argv[1]: expected string, got number"));
  BOOST_TEST(reports(d, "steps[4].run.env.A: expected string, got number"));
  BOOST_TEST(reports(d, "steps[5].run.argv: must name a program"));
  BOOST_TEST(reports(d, "steps[6].run.function: must not be empty"));
  BOOST_TEST(reports(d, "steps[7].run.kind: must not be empty"));
  BOOST_TEST(errors(d) == 10u, listing(d)); // other kinds' arguments pass through unchecked
}

BOOST_AUTO_TEST_CASE(kind_filter_rejects_kinds_this_process_cannot_run) {
  auto text = with_steps(R"(
    {"id": "a", "run": "noop", "next": [["*", "b"]]},
    {"id": "b", "run": {"kind": "http", "url": "x"}, "next": [["*", "c"]]},
    {"id": "c", "run": "python"})");
  step_kind_filter builtins = [](const std::string& k) { return k == "noop" || k == "http"; };
  auto d = parse_workflow(text, builtins);
  BOOST_TEST(reports(d, "steps[2].run: unknown step kind 'python'"));
  BOOST_TEST(errors(d) == 1u, listing(d));
  auto object_form =
      parse_workflow(with_steps(R"({"id": "a", "run": {"kind": "python"}})"), builtins);
  BOOST_TEST(reports(object_form, "steps[0].run.kind: unknown step kind 'python'"));
  BOOST_TEST(parse_workflow(text).ok()); // no filter: every kind is accepted
  BOOST_TEST(decode_workflow(boost::json::parse(text)).ok());
}

BOOST_AUTO_TEST_CASE(join_and_reduce_options_are_validated) {
  auto d = parse_workflow(with_steps(R"(
    {"id": "a", "run": "noop", "parallel": true, "next": [["*", "j"]]},
    {"id": "j", "join": {"merge": "newest"}, "next": [["*", "k"]]},
    {"id": "k", "join": "yes"},
    {"id": "m", "map": {"workflow": "w", "items": "x"}, "next": [["*", "r"]]},
    {"id": "r", "reduce": {"fold": "sum", "into": ""}, "next": [["*", "s"]]},
    {"id": "s", "reduce": {"fold": "avg"}})"));
  BOOST_TEST(reports(d, "steps[1].join.merge: unknown merge policy 'newest' (known: "
                        "last-writer-wins, first-writer-wins, by-branch)"));
  BOOST_TEST(reports(d, "steps[2].join: expected true or an object, got string"));
  BOOST_TEST(reports(d, "steps[4].reduce.field: is required when fold is 'sum'"));
  BOOST_TEST(reports(d, "steps[4].reduce.into: must not be empty"));
  BOOST_TEST(reports(d, "steps[5].reduce.fold: unknown fold 'avg' (known: collect, sum, merge)"));
  BOOST_TEST(reports(d, "steps[4].next[0]: only a map step may lead to reduce step 's'; 'r' is a "
                        "reduce step"));
}

BOOST_AUTO_TEST_CASE(encoding_then_decoding_gives_back_an_equal_workflow) {
  auto first = parse_workflow(every_role);
  BOOST_REQUIRE_MESSAGE(first.ok(), listing(first));
  const auto encoded = encode_workflow(first.workflow->def);
  BOOST_TEST(!encoded.contains("description")); // kept in the source only

  auto second = decode_workflow(encoded);
  BOOST_REQUIRE_MESSAGE(second.ok(), listing(second));
  BOOST_TEST(second.problems.empty(), listing(second));
  BOOST_TEST(encode_workflow(second.workflow->def) == encoded);

  const workflow& a = first.workflow->def;
  const workflow& b = second.workflow->def;
  BOOST_TEST(a.name == b.name);
  BOOST_TEST((a.revision == b.revision));
  BOOST_TEST((a.timeout_ms == b.timeout_ms));
  BOOST_TEST(a.props == b.props);
  BOOST_REQUIRE_EQUAL(a.steps.size(), b.steps.size());
  for (std::size_t i = 0; i < a.steps.size(); ++i) {
    const step& x = a.steps[i];
    const step& y = b.steps[i];
    BOOST_TEST_CONTEXT("step " << x.id) {
      BOOST_TEST(x.id == y.id);
      BOOST_TEST((x.role == y.role));
      BOOST_TEST(x.run.kind == y.run.kind);
      BOOST_TEST(x.run.args == y.run.args);
      BOOST_TEST(x.props == y.props);
      BOOST_REQUIRE_EQUAL(x.next.size(), y.next.size());
      for (std::size_t k = 0; k < x.next.size(); ++k) {
        BOOST_TEST(x.next[k].match == y.next[k].match);
        BOOST_TEST(x.next[k].target == y.next[k].target);
      }
      BOOST_TEST(x.parallel == y.parallel);
      BOOST_TEST(x.retry.has_value() == y.retry.has_value());
      if (x.retry && y.retry) {
        BOOST_TEST(x.retry->max == y.retry->max);
        BOOST_TEST(x.retry->backoff_ms == y.retry->backoff_ms);
        BOOST_TEST(x.retry->multiplier == y.retry->multiplier);
      }
      BOOST_TEST((x.timeout_ms == y.timeout_ms));
      BOOST_TEST((x.merge == y.merge));
      BOOST_TEST(x.map.workflow == y.map.workflow);
      BOOST_TEST(x.map.inline_workflow == y.map.inline_workflow);
      BOOST_TEST(x.map.items == y.map.items);
      BOOST_TEST((x.reduce.fold == y.reduce.fold));
      BOOST_TEST(x.reduce.field == y.reduce.field);
      BOOST_TEST(x.reduce.into == y.reduce.into);
    }
  }
}

BOOST_AUTO_TEST_CASE(inline_map_workflow_survives_the_round_trip) {
  auto d = parse_workflow(with_steps(R"(
    {"id": "m", "map": {"items": "lines", "workflow": {"name": "sub", "steps": [
      {"id": "s", "run": {"kind": "set", "values": {"x": 1}}}]}}, "next": [["*", "r"]]},
    {"id": "r", "reduce": {"fold": "merge"}})"));
  BOOST_REQUIRE_MESSAGE(d.ok(), listing(d));
  auto again = decode_workflow(encode_workflow(d.workflow->def));
  BOOST_REQUIRE_MESSAGE(again.ok(), listing(again));
  BOOST_TEST(again.workflow->def.find("m")->map.inline_workflow ==
             d.workflow->def.find("m")->map.inline_workflow);
  BOOST_TEST((again.workflow->def.find("r")->reduce.fold == fold_kind::merge));
}

BOOST_AUTO_TEST_CASE(decoded_workflow_outlives_the_memory_of_its_input) {
  workflow_ptr w;
  {
    boost::json::monotonic_resource arena;
    auto json = boost::json::parse(every_role, &arena);
    w = decode_workflow(json).workflow;
  }
  BOOST_REQUIRE(w != nullptr);
  const boost::json::storage_ptr default_storage;
  BOOST_TEST(w->source.storage().get() == default_storage.get());
  BOOST_TEST(w->def.props.storage().get() == default_storage.get());
  BOOST_TEST(w->def.find("right")->run.args.storage().get() == default_storage.get());
  BOOST_TEST(w->def.find("right")->run.args.at("argv").as_array().at(0).as_string() == "sh");
}

BOOST_AUTO_TEST_SUITE_END()
