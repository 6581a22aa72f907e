#include <boost/test/unit_test.hpp>

#include "fake_cluster.hpp"

#include "protocol/property_settings.hpp"
#include "tools/boactl/dead_output.hpp"
#include "tools/boactl/exit_codes.hpp"
#include "tools/boactl/job_output.hpp"
#include "tools/boactl/repo_output.hpp"
#include "tools/boactl/table.hpp"
#include "tools/boactl/text_format.hpp"

#include <boost/json/parse.hpp>

#include <sstream>

using namespace boa;

namespace {

/// What a print function writes, for people or with `--json`.
struct printed {
  std::string out;
  std::string err;
};

template <class F> printed print(bool json, F&& f) {
  std::ostringstream out, err;
  boactl::console c{out, err, json};
  f(c);
  return {out.str(), err.str()};
}

boost::json::value list_data() {
  return boost::json::parse(R"({"jobs": [
      {"id": "j-2", "workflow": "greet@2", "state": "running", "step": "render",
       "created_ms": 1700000000000, "updated_ms": 1700000001000, "ended_ms": 0, "error": ""},
      {"id": "j-1", "workflow": "greet@1", "state": "error", "step": "",
       "created_ms": 1700000000000, "updated_ms": 1700000065000, "ended_ms": 1700000065000,
       "error": "step render failed:\nexit code 1"}],
    "counts": {"running": 1, "error": 4}})");
}

} // namespace

BOOST_AUTO_TEST_SUITE(boactl_output)

BOOST_AUTO_TEST_CASE(a_job_list_for_people_is_a_table_with_counts) {
  auto p = print(false, [](auto& c) { boactl::print_job_list(c, list_data()); });
  BOOST_TEST(p.out ==
             "ID   WORKFLOW  STATE    STEP    CREATED              TOOK    ERROR\n"
             "j-2  greet@2   running  render  2023-11-14 22:13:20  -\n"
             "j-1  greet@1   error    -       2023-11-14 22:13:20  1m 05s  step render failed: "
             "exit code 1\n"
             "in the answering node's store: 1 running, 4 error\n");
}

BOOST_AUTO_TEST_CASE(an_empty_job_list_says_so) {
  auto p = print(false,
                 [](auto& c) { boactl::print_job_list(c, boost::json::parse(R"({"jobs": []})")); });
  BOOST_TEST(p.out == "no jobs\n");
}

BOOST_AUTO_TEST_CASE(a_job_list_with_json_is_the_nodes_data_unchanged) {
  auto p = print(true, [](auto& c) { boactl::print_job_list(c, list_data()); });
  BOOST_TEST(boost::json::parse(p.out) == list_data());
}

BOOST_AUTO_TEST_CASE(a_job_for_people_shows_state_history_and_properties) {
  auto j = boa::test::sample_job("j-7", protocol::job_state::error);
  auto p = print(false, [&](auto& c) { boactl::print_job(c, j, protocol::encode_job(j)); });
  BOOST_TEST(p.out == "job       j-7\n"
                      "workflow  greet@2\n"
                      "state     error: step render failed\n"
                      "created   2023-11-14 22:13:20\n"
                      "ended     2023-11-14 22:13:23 (took 3.10 s)\n"
                      "\n"
                      "history (2 step attempts)\n"
                      "  #  STEP    ATTEMPT  RESULT  STARTED              TOOK    NODE    ERROR\n"
                      "  1  fetch   1        ok      2023-11-14 22:13:20  120 ms  node-a\n"
                      "  2  render  1        error   2023-11-14 22:13:20  2.80 s  node-b  exit "
                      "code 1: template missing\n"
                      "\n"
                      "properties\n"
                      "{\n"
                      "  \"greeting\": \"hello\",\n"
                      "  \"count\": 3\n"
                      "}\n");
}

BOOST_AUTO_TEST_CASE(a_running_job_shows_its_next_step) {
  auto j = boa::test::sample_job("j-8", protocol::job_state::running);
  auto p = print(false, [&](auto& c) { boactl::print_job(c, j, protocol::encode_job(j)); });
  BOOST_TEST(p.out.find("state     running\nstep      render\n") != std::string::npos, p.out);
  BOOST_TEST(p.out.find("updated   2023-11-14 22:13:23\n") != std::string::npos, p.out);
}

BOOST_AUTO_TEST_CASE(a_job_with_json_is_the_nodes_data_unchanged) {
  auto j = boa::test::sample_job("j-7", protocol::job_state::finished);
  auto data = protocol::encode_job(j);
  auto p = print(true, [&](auto& c) { boactl::print_job(c, j, data); });
  BOOST_TEST(boost::json::parse(p.out) == boost::json::value(data));
}

BOOST_AUTO_TEST_CASE(a_progress_line_names_step_attempt_result_duration_and_node) {
  auto first = boa::test::step_event("j-1", "fetch", 1, "ok", 120);
  BOOST_TEST(boactl::progress_line(1, first) ==
             "   1  fetch                    ok           120 ms  node-a");
  auto retried = boa::test::step_event("j-1", "render", 2, "error", 1500, "exit code 1\n", true);
  BOOST_TEST(
      boactl::progress_line(12, retried) ==
      "  12  render (attempt 2)       error        1.50 s  node-a  exit code 1  (will retry)");
}

BOOST_AUTO_TEST_CASE(the_end_of_a_job_without_a_shown_job_comes_from_its_event) {
  boactl::job_end end{protocol::job_state::canceled, "", nullptr};
  auto people = print(false, [&](auto& c) { boactl::print_job_end(c, "j-3", end); });
  BOOST_TEST(people.out == "job j-3 was canceled\n");
  auto json = print(true, [&](auto& c) { boactl::print_job_end(c, "j-3", end); });
  BOOST_TEST(boost::json::parse(json.out) ==
             boost::json::parse(R"({"id": "j-3", "state": "canceled"})"));
}

BOOST_AUTO_TEST_CASE(workflows_list_as_names_or_as_a_table_of_revisions) {
  auto names = print(false, [](auto& c) {
    boactl::print_workflows(c, boost::json::parse(R"({"names": ["greet", "order"]})"));
  });
  BOOST_TEST(names.out == "greet\norder\n");
  auto revisions = print(false, [](auto& c) {
    boactl::print_workflows(c, boost::json::parse(R"({"revisions": [
        {"revision": 1, "notes": "", "pushed_by": "ada@host", "pushed_ms": 1700000000000},
        {"revision": 2, "notes": "friendlier", "pushed_by": "", "pushed_ms": null}]})"));
  });
  BOOST_TEST(revisions.out == "REV  PUSHED               BY        NOTES\n"
                              "1    2023-11-14 22:13:20  ada@host  -\n"
                              "2    -                    -         friendlier\n");
}

BOOST_AUTO_TEST_CASE(a_shown_workflow_is_its_definition_indented) {
  auto p = print(false, [](auto& c) {
    boactl::print_workflow(c, boost::json::parse(R"({"name": "greet", "revision": 2,
        "definition": {"name": "greet", "steps": [], "properties": {}}})"));
  });
  BOOST_TEST(p.out == "{\n  \"name\": \"greet\",\n  \"steps\": [],\n  \"properties\": {}\n}\n");
}

BOOST_AUTO_TEST_CASE(pretty_json_keeps_short_containers_on_their_line) {
  auto v = boost::json::parse(R"({"amount": 115.74, "xs": [0.5, true, null, "a\"b"], "e": {},
      "long": ["aaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccc"],
      "steps": [{"id": "s1", "run": {"kind": "noop"}}]})");
  BOOST_TEST(boactl::pretty_json(v) == R"({
  "amount": 115.74,
  "xs": [0.5, true, null, "a\"b"],
  "e": {},
  "long": [
    "aaaaaaaaaaaaaaaaaaaaaaaaa",
    "bbbbbbbbbbbbbbbbbbbbbbbbb",
    "cccccccccccccccccccccc"
  ],
  "steps": [{"id": "s1", "run": {"kind": "noop"}}]
})");
  BOOST_TEST(boactl::pretty_json(boost::json::parse("[]")) == "[]");
  BOOST_TEST(boactl::pretty_json(boost::json::parse("[1]")) == "[\n  1\n]");
}

BOOST_AUTO_TEST_CASE(dead_letters_with_json_carry_whole_bodies) {
  protocol::envelope m;
  m.address = protocol::addresses::dead;
  m.subject = "job";
  m.message_id = "m-9";
  m.dead_letter_reason = "cannot decode job";
  m.body = std::string(500, 'x');
  auto p = print(true, [&](auto& c) { boactl::print_dead_letters(c, {m}, 1); });
  auto v = boost::json::parse(p.out);
  BOOST_TEST(v.at("limit_reached").as_bool());
  BOOST_TEST(v.at("messages").at(0).at("body").as_string().size() == 500u);
  BOOST_TEST(v.at("messages").at(0).at("reason").as_string() == "cannot decode job");
  auto people = print(false, [&](auto& c) { boactl::print_dead_letters(c, {m}, 1); });
  BOOST_TEST(people.out.find("body        " + std::string(157, 'x') + "...\n") !=
             std::string::npos);
  BOOST_TEST(people.out.find("there may be more") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(durations_read_as_a_person_says_them) {
  BOOST_TEST(boactl::format_duration(0) == "0 ms");
  BOOST_TEST(boactl::format_duration(999) == "999 ms");
  BOOST_TEST(boactl::format_duration(1500) == "1.50 s");
  BOOST_TEST(boactl::format_duration(12'340) == "12.3 s");
  BOOST_TEST(boactl::format_duration(125'000) == "2m 05s");
  BOOST_TEST(boactl::format_duration(3'720'000) == "1h 02m");
}

BOOST_AUTO_TEST_CASE(an_excerpt_is_one_line_and_cut_with_dots) {
  BOOST_TEST(boactl::excerpt("a\n  b\tc", 80) == "a b c");
  BOOST_TEST(boactl::excerpt("abcdefghij", 6) == "abc...");
  BOOST_TEST(boactl::excerpt("", 6) == "-");
}

BOOST_AUTO_TEST_CASE(table_columns_line_up_and_the_last_one_runs_on) {
  boactl::table t({"A", "LONGER"});
  t.add({"wide cell", "x"});
  t.add({"b"});
  std::ostringstream out;
  t.print(out, "> ");
  BOOST_TEST(out.str() == "> A          LONGER\n> wide cell  x\n> b\n");
}

BOOST_AUTO_TEST_CASE(exit_codes_follow_who_failed) {
  using namespace boactl;
  BOOST_TEST(exit_code_of_client_error({errc::io, "refused"}) == exit_unreachable);
  BOOST_TEST(exit_code_of_client_error({errc::timeout, "no node"}) == exit_unreachable);
  BOOST_TEST(exit_code_of_client_error({errc::invalid_input, "bad url"}) == exit_bad_input);
  BOOST_TEST(exit_code_of_client_error({errc::not_found, "no file"}) == exit_bad_input);
  BOOST_TEST(exit_code_of_node_error(errc::not_found) == exit_bad_input);
  BOOST_TEST(exit_code_of_node_error(errc::invalid_input) == exit_bad_input);
  BOOST_TEST(exit_code_of_node_error(errc::io) == exit_failed);
  BOOST_TEST(exit_code_of_node_error(errc::internal) == exit_failed);
  BOOST_TEST(exit_code_of_job(protocol::job_state::finished) == exit_ok);
  BOOST_TEST(exit_code_of_job(protocol::job_state::error) == exit_failed);
  BOOST_TEST(exit_code_of_job(protocol::job_state::canceled) == exit_failed);
}

BOOST_AUTO_TEST_CASE(settings_are_json_when_they_parse_and_strings_otherwise) {
  auto props = protocol::parse_property_settings(
      {"n=3", "ok=true", "xs=[1,2]", "name=ada", "empty=", "eq=a=b", "n=4"});
  BOOST_REQUIRE(props);
  BOOST_TEST(props->at("n").as_int64() == 4);
  BOOST_TEST(props->at("ok").as_bool());
  BOOST_TEST(props->at("xs").as_array().size() == 2u);
  BOOST_TEST(props->at("name").as_string() == "ada");
  BOOST_TEST(props->at("empty").as_string() == "");
  BOOST_TEST(props->at("eq").as_string() == "a=b");
  auto bad = protocol::parse_property_settings({"novalue"});
  BOOST_REQUIRE(!bad);
  BOOST_TEST(bad.error().message == "--set 'novalue': expected key=value");
}

// A number no double holds stays text rather than becoming infinity, which a job message could not
// carry (it would be written as `Infinity`); other numbers are read exactly.
BOOST_AUTO_TEST_CASE(settings_keep_a_number_no_double_holds_as_text_and_others_exact) {
  auto props = protocol::parse_property_settings({"huge=1e999", "x=183.24945331891402"});
  BOOST_REQUIRE(props);
  BOOST_TEST(props->at("huge").as_string() == "1e999");
  BOOST_TEST(props->at("x").as_double() == 183.24945331891402);
}

// Found by fuzzing (fuzz_property_settings): a key or value that is not UTF-8 went into the job's
// properties, and so into messages that no node's JSON reader takes.
BOOST_AUTO_TEST_CASE(settings_that_are_not_utf8_are_refused) {
  for (std::string bad : {"\xff=", "name=\xc3", "k=\xed\xa0\x80"}) {
    auto props = protocol::parse_property_settings({"ok=1", bad});
    BOOST_REQUIRE(!props);
    BOOST_TEST(props.error().message == "--set '" + bad + "': is not valid UTF-8");
  }
  auto fine = protocol::parse_property_settings({"name=Zoë", "city=東京"});
  BOOST_REQUIRE(fine);
  BOOST_TEST(fine->at("name").as_string() == "Zoë");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(boactl_archive_output)

BOOST_AUTO_TEST_CASE(an_archived_job_list_is_a_table_that_names_the_next_page) {
  auto data = boost::json::parse(R"({"jobs": [
      {"id": "j-2", "workflow": "greet", "revision": 2, "state": "error", "created_ms": 1700000000000,
       "started_ms": 1700000000100, "ended_ms": 1700000065000, "duration_ms": 65000,
       "parent": null, "node": "node-b"},
      {"id": "j-1", "workflow": "greet", "revision": null, "state": "finished",
       "created_ms": 1700000000000, "started_ms": null, "ended_ms": 1700000000000,
       "duration_ms": 0, "parent": null, "node": null}],
    "next_cursor": "1700000000000/j-1"})");
  auto p = print(false, [&](auto& c) { boactl::print_archived_job_list(c, data); });
  BOOST_TEST(p.out == "ID   WORKFLOW  STATE     ENDED                TOOK    NODE\n"
                      "j-2  greet@2   error     2023-11-14 22:14:25  1m 05s  node-b\n"
                      "j-1  greet     finished  2023-11-14 22:13:20  0 ms    -\n"
                      "more: --cursor 1700000000000/j-1\n");
  auto json = print(true, [&](auto& c) { boactl::print_archived_job_list(c, data); });
  BOOST_TEST(boost::json::parse(json.out) == data);
}

BOOST_AUTO_TEST_CASE(an_empty_archive_page_says_so_and_names_no_next_page) {
  auto p = print(false, [](auto& c) {
    boactl::print_archived_job_list(c, boost::json::parse(R"({"jobs": [], "next_cursor": null})"));
  });
  BOOST_TEST(p.out == "no archived jobs\n");
}

BOOST_AUTO_TEST_SUITE_END()
