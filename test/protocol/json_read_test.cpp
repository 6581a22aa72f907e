#include <boost/test/unit_test.hpp>

#include "protocol/json_read.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstring>

using boa::protocol::json_path;
using boa::protocol::json_reader;
using boa::protocol::problem;

BOOST_AUTO_TEST_SUITE(json_read)

BOOST_AUTO_TEST_CASE(path_joins_member_names_with_dots_and_puts_indexes_in_brackets) {
  const json_path root;
  const json_path steps = root / "steps";
  const json_path step = steps[3];
  BOOST_TEST(root.str() == "");
  BOOST_TEST(steps.str() == "steps");
  const json_path next = step / "next";
  const json_path entry = next[1];
  BOOST_TEST(entry.str() == "steps[3].next[1]");
  BOOST_TEST(entry[0].str() == "steps[3].next[1][0]");
  BOOST_TEST(root[2].str() == "[2]");
}

BOOST_AUTO_TEST_CASE(problem_prints_path_then_message_and_marks_warnings) {
  BOOST_TEST(to_string(problem{"steps[1].id", "is required"}) == "steps[1].id: is required");
  BOOST_TEST(to_string(problem{"steps[1]", "step 'x' is unreachable", true}) ==
             "warning: steps[1]: step 'x' is unreachable");
  BOOST_TEST(to_string(problem{"", "expected object, got array"}) == "expected object, got array");
}

BOOST_AUTO_TEST_CASE(join_path_places_a_nested_path_under_its_prefix) {
  BOOST_TEST(boa::protocol::join_path("workflow", "steps[0].id") == "workflow.steps[0].id");
  BOOST_TEST(boa::protocol::join_path("workflow", "") == "workflow");
  BOOST_TEST(boa::protocol::join_path("items", "[2]") == "items[2]");
  BOOST_TEST(boa::protocol::join_path("", "steps") == "steps");
}

BOOST_AUTO_TEST_CASE(type_mismatch_names_the_expected_and_the_actual_kind) {
  std::vector<problem> problems;
  json_reader r(problems);
  const json_path root;
  auto v = boost::json::parse(R"({"a": 1, "b": "x", "c": [], "d": null, "e": true, "f": {}})");
  const auto& o = v.get_object();
  BOOST_TEST(!r.string(o.at("a"), root / "a"));
  BOOST_TEST(!r.integer(o.at("b"), root / "b"));
  BOOST_TEST(!r.object(o.at("c"), root / "c"));
  BOOST_TEST(!r.array(o.at("d"), root / "d"));
  BOOST_TEST(!r.number(o.at("e"), root / "e"));
  BOOST_TEST(!r.boolean(o.at("f"), root / "f"));
  BOOST_REQUIRE_EQUAL(problems.size(), 6u);
  BOOST_TEST(to_string(problems[0]) == "a: expected string, got number");
  BOOST_TEST(to_string(problems[1]) == "b: expected integer, got string");
  BOOST_TEST(to_string(problems[2]) == "c: expected object, got array");
  BOOST_TEST(to_string(problems[3]) == "d: expected array, got null");
  BOOST_TEST(to_string(problems[4]) == "e: expected number, got boolean");
  BOOST_TEST(to_string(problems[5]) == "f: expected boolean, got object");
  BOOST_TEST(r.failed());
}

BOOST_AUTO_TEST_CASE(integer_accepts_whole_doubles_and_says_which_range_is_allowed) {
  std::vector<problem> problems;
  json_reader r(problems);
  const json_path root;
  const json_path at = root / "n";
  BOOST_TEST(r.integer(boost::json::value(3.0), at, 1).value() == 3);
  BOOST_TEST(r.integer(boost::json::value(7), at, 0, 10).value() == 7);
  BOOST_TEST(!r.failed());
  BOOST_TEST(!r.integer(boost::json::value(1.5), at));
  BOOST_TEST(!r.integer(boost::json::value(0), at, 1));
  BOOST_TEST(!r.integer(boost::json::value(-1), at, 0));
  BOOST_TEST(!r.integer(boost::json::value(1001), at, 0, 1000));
  BOOST_TEST(!r.integer(boost::json::value(std::uint64_t(1) << 63), at));
  BOOST_REQUIRE_EQUAL(problems.size(), 5u);
  BOOST_TEST(problems[0].message == "expected integer, got number 1.5");
  BOOST_TEST(problems[1].message == "must be a positive integer");
  BOOST_TEST(problems[2].message == "must be a non-negative integer");
  BOOST_TEST(problems[3].message == "must be an integer from 0 to 1000");
  BOOST_TEST(problems[4].message == "does not fit in a 64-bit integer");
}

BOOST_AUTO_TEST_CASE(missing_required_member_and_unknown_keys_are_reported) {
  std::vector<problem> problems;
  json_reader r(problems);
  const json_path root;
  const json_path steps = root / "steps";
  const json_path step = steps[0];
  auto v = boost::json::parse(R"({"id": "a", "nxet": []})");
  r.reject_unknown_keys(v.get_object(), step, {"id", "run", "next"});
  BOOST_TEST(r.member(v.get_object(), step, "run", true) == nullptr);
  BOOST_TEST(r.member(v.get_object(), step, "next") == nullptr);
  BOOST_REQUIRE_EQUAL(problems.size(), 2u);
  BOOST_TEST(to_string(problems[0]) == "steps[0]: unknown key 'nxet' (known: id, run, next)");
  BOOST_TEST(to_string(problems[1]) == "steps[0].run: is required");
}

BOOST_AUTO_TEST_CASE(warnings_do_not_count_as_failure) {
  std::vector<problem> problems;
  json_reader r(problems);
  r.warning(json_path(), "suspicious");
  BOOST_TEST(!r.failed());
  BOOST_TEST(problems.at(0).warning);
}

BOOST_AUTO_TEST_CASE(syntax_error_reports_line_and_column) {
  auto bad = boa::protocol::parse_json("{\n  \"a\": 1,\n  \"b\": tru\n}");
  BOOST_REQUIRE(!bad);
  BOOST_TEST(bad.error().path == "");
  BOOST_TEST(bad.error().message.rfind("invalid JSON at 3:8: ", 0) == 0, bad.error().message);

  auto truncated = boa::protocol::parse_json("{\"a\": [1, 2");
  BOOST_REQUIRE(!truncated);
  BOOST_TEST(truncated.error().message.rfind("invalid JSON at 1:12: ", 0) == 0,
             truncated.error().message);

  auto trailing = boa::protocol::parse_json("{} x");
  BOOST_TEST(!trailing);

  auto good = boa::protocol::parse_json(" {\"a\": [1, 2]} ");
  BOOST_REQUIRE(good);
  BOOST_TEST(good->at("a").as_array().size() == 2u);
}

// Found by fuzzing (fuzz_node_reply, fuzz_heartbeat): Boost.JSON 1.81 reads these numbers as a
// neighbouring double, so they changed on every trip through a node; and it read 1e99999 as
// infinity, which it writes as `Infinity`, which no reader takes back.
BOOST_AUTO_TEST_CASE(numbers_read_back_exactly_as_written) {
  for (double d : {183.24945331891402, 2.6420792817282237E-8, -5.8135428845917116E-27,
                   2.7777777777777775E42, 0.1, -0.0, 5e-324, 1.7976931348623157E308}) {
    const auto text = boost::json::serialize(boost::json::array{d});
    auto read = boa::protocol::parse_json(text);
    BOOST_REQUIRE_MESSAGE(read, text);
    const double back = read->as_array().at(0).as_double();
    BOOST_TEST(std::memcmp(&back, &d, sizeof d) == 0, text << " read back as " << back);
  }
  // An integer too large for 64 bits is a double, rounded once and then stable.
  auto big = boa::protocol::parse_json(R"({"":2777777777777777777777777777777777777777777})");
  BOOST_REQUIRE(big);
  const auto once = boost::json::serialize(*big);
  BOOST_TEST(once == R"({"":2.7777777777777778E42})");
  auto again = boa::protocol::parse_json(once);
  BOOST_REQUIRE(again);
  BOOST_TEST(boost::json::serialize(*again) == once);
}

BOOST_AUTO_TEST_CASE(a_number_no_double_holds_is_refused_with_its_position) {
  auto huge = boa::protocol::parse_json("{\"load\": [7.16015625E60150]}");
  BOOST_REQUIRE(!huge);
  BOOST_TEST(huge.error().message.rfind("invalid JSON at 1:", 0) == 0, huge.error().message);
  BOOST_TEST(!boa::protocol::parse_json("-1e400"));
  // Too small is not an error: it is 0, as before.
  auto tiny = boa::protocol::parse_json("[1e-400, -2.5E-1]");
  BOOST_REQUIRE(tiny);
  BOOST_TEST(tiny->as_array().at(0).as_double() == 0.0);
  BOOST_TEST(tiny->as_array().at(1).as_double() == -0.25);
}

BOOST_AUTO_TEST_SUITE_END()
