#include "storage/workflow_repository.hpp"

#include "../support/temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <latch>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using boa::errc;
using boa::storage::push_origin;
using boa::storage::validate_workflow_name;
using boa::storage::workflow_repository;
using boa::test::temp_dir;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

/// A valid definition of `name` whose one step is `step`.
std::string definition(const std::string& name, const std::string& step = "start",
                       const std::string& extra = "") {
  return R"({"name": ")" + name + R"(", )" + extra + R"("description": "kept as written",
             "steps": [{"id": ")" +
         step + R"(", "run": "noop"}]})";
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Every path below `dir`, relative to it, sorted.
std::vector<std::string> tree(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    out.push_back(fs::relative(entry.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

bool holds(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(workflow_repository_suite)

BOOST_AUTO_TEST_CASE(a_pushed_definition_is_stored_with_its_revision_and_read_back) {
  temp_dir dir;
  workflow_repository repo(dir.path() / "repo");
  // Its own revision is the pusher's guess; the repository assigns the real one.
  auto pushed = repo.push(definition("billing", "start", R"("revision": 7, )"), "first");
  BOOST_REQUIRE_MESSAGE(pushed, (pushed ? "" : pushed.error().message));
  BOOST_TEST(pushed->info.name == "billing");
  BOOST_TEST(pushed->info.revision == 1);
  BOOST_TEST(pushed->warnings.empty());

  auto file = dir.path() / "repo" / "billing" / "1.json";
  BOOST_REQUIRE(fs::is_regular_file(file));
  auto stored = json::parse(read_text(file)).as_object();
  BOOST_TEST(stored.at("revision").as_int64() == 1);
  BOOST_TEST(stored.at("description").as_string() == "kept as written");

  workflow_repository fresh(dir.path() / "repo"); // reads the file, not a cache
  auto got = fresh.get("billing", 1);
  BOOST_REQUIRE_MESSAGE(got, (got ? "" : got.error().message));
  BOOST_TEST((*got)->def.name == "billing");
  BOOST_TEST((*got)->def.revision.value_or(0) == 1);
  BOOST_TEST((*got)->def.steps.at(0).id == "start");
  BOOST_TEST((*got)->source.at("revision").as_int64() == 1);
  BOOST_TEST((*got)->source.at("description").as_string() == "kept as written");
  BOOST_TEST(json::serialize((*got)->source) == json::serialize(pushed->workflow->source));
}

BOOST_AUTO_TEST_CASE(revisions_count_up_from_one_per_name) {
  temp_dir dir;
  workflow_repository repo(dir.path());
  for (int i = 1; i <= 3; ++i) {
    auto pushed = repo.push(definition("billing", "s" + std::to_string(i)));
    BOOST_REQUIRE(pushed);
    BOOST_TEST(pushed->info.revision == i);
  }
  auto other = repo.push(definition("shipping"));
  BOOST_REQUIRE(other);
  BOOST_TEST(other->info.revision == 1);

  auto revisions = repo.revisions("billing");
  BOOST_REQUIRE(revisions);
  BOOST_REQUIRE(revisions->size() == 3u);
  for (std::size_t i = 0; i < 3; ++i)
    BOOST_TEST((*revisions)[i].revision == static_cast<std::int64_t>(i + 1));
  auto names = repo.names();
  BOOST_REQUIRE(names);
  BOOST_TEST(*names == (std::vector<std::string>{"billing", "shipping"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_reference_names_a_revision_or_else_means_the_latest) {
  temp_dir dir;
  workflow_repository repo(dir.path());
  for (const char* step : {"one", "two", "three"})
    BOOST_REQUIRE(repo.push(definition("billing", step)));

  auto second = repo.resolve("billing@2");
  BOOST_REQUIRE(second);
  BOOST_TEST((*second)->def.revision.value_or(0) == 2);
  BOOST_TEST((*second)->def.steps.at(0).id == "two");

  auto newest = repo.resolve("billing");
  BOOST_REQUIRE(newest);
  BOOST_TEST((*newest)->def.revision.value_or(0) == 3);
  BOOST_TEST((*newest)->def.steps.at(0).id == "three");
  auto latest = repo.latest("billing");
  BOOST_REQUIRE(latest);
  BOOST_TEST(latest->get() == newest->get());
}

BOOST_AUTO_TEST_CASE(a_revision_pushed_through_another_object_is_seen_without_reopening) {
  temp_dir dir;
  workflow_repository reader(dir.path());
  workflow_repository writer(dir.path());
  BOOST_REQUIRE(writer.push(definition("billing", "old")));
  auto before = reader.latest("billing");
  BOOST_REQUIRE(before);
  BOOST_TEST((*before)->def.revision.value_or(0) == 1);

  BOOST_REQUIRE(writer.push(definition("billing", "new")));
  BOOST_REQUIRE(writer.push(definition("shipping")));
  auto after = reader.latest("billing");
  BOOST_REQUIRE(after);
  BOOST_TEST((*after)->def.revision.value_or(0) == 2);
  BOOST_TEST((*after)->def.steps.at(0).id == "new");
  BOOST_TEST(reader.resolve("shipping@1").has_value());
  auto names = reader.names();
  BOOST_REQUIRE(names);
  BOOST_TEST(names->size() == 2u);
}

BOOST_AUTO_TEST_CASE(concurrent_pushes_from_threads_and_processes_get_distinct_revisions) {
  constexpr int threads = 8;
  constexpr int processes = 2;
  constexpr int pushes_each = 10;
  constexpr int total = (threads + processes) * pushes_each;
  temp_dir dir;
  auto root = dir.path() / "repo";

  // Children are forked first, while this process has one thread, and wait for `go` to close.
  int go[2];
  BOOST_REQUIRE(::pipe(go) == 0);
  struct child {
    pid_t pid;
    int results; ///< read end of the pipe the child writes its revisions to
  };
  std::vector<child> children;
  std::cout.flush(); // else the children would write what is buffered once more
  std::fflush(nullptr);
  for (int p = 0; p < processes; ++p) {
    int results[2];
    BOOST_REQUIRE(::pipe(results) == 0);
    pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
      // Only _exit from here: nothing of the parent's (its temp dir above all) may be cleaned up.
      int status = 0;
      try {
        ::close(go[1]);
        ::close(results[0]);
        char byte;
        (void)!::read(go[0], &byte, 1);
        workflow_repository repo(root);
        for (int i = 0; i < pushes_each && status == 0; ++i) {
          auto pushed = repo.push(definition("shared"),
                                  "process " + std::to_string(p) + " push " + std::to_string(i));
          std::int64_t revision = pushed ? pushed->info.revision : 0;
          if (!pushed || ::write(results[1], &revision, sizeof revision) != sizeof revision)
            status = 1;
        }
      } catch (...) {
        status = 2;
      }
      ::_exit(status);
    }
    ::close(results[1]);
    children.push_back({pid, results[0]});
  }
  ::close(go[0]);

  workflow_repository repo(root);
  std::latch start(threads + 1);
  std::vector<std::vector<std::int64_t>> got(threads);
  std::vector<std::string> failures(threads);
  std::vector<std::thread> pushers;
  for (int t = 0; t < threads; ++t)
    pushers.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < pushes_each; ++i) {
        auto pushed = repo.push(definition("shared"),
                                "thread " + std::to_string(t) + " push " + std::to_string(i));
        if (!pushed) {
          failures[t] = pushed.error().message;
          return;
        }
        got[t].push_back(pushed->info.revision);
      }
    });
  ::close(go[1]); // the children start
  start.arrive_and_wait();
  for (auto& pusher : pushers)
    pusher.join();

  std::vector<std::int64_t> all;
  for (int t = 0; t < threads; ++t) {
    BOOST_TEST(failures[t].empty(), "thread " << t << ": " << failures[t]);
    all.insert(all.end(), got[t].begin(), got[t].end());
  }
  for (const auto& c : children) {
    std::int64_t revision;
    while (::read(c.results, &revision, sizeof revision) == sizeof revision)
      all.push_back(revision);
    ::close(c.results);
    int status = -1;
    BOOST_REQUIRE(::waitpid(c.pid, &status, 0) == c.pid);
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0), "child exit status " << status);
  }

  std::sort(all.begin(), all.end());
  std::vector<std::int64_t> one_to_total(total);
  for (int i = 0; i < total; ++i)
    one_to_total[i] = i + 1;
  BOOST_TEST(all == one_to_total, boost::test_tools::per_element());

  // What is stored agrees: every push is there once, under the number it was given.
  auto revisions = repo.revisions("shared");
  BOOST_REQUIRE(revisions);
  BOOST_REQUIRE(revisions->size() == static_cast<std::size_t>(total));
  std::set<std::string> notes;
  for (const auto& info : *revisions) {
    notes.insert(info.notes);
    auto stored = repo.get("shared", info.revision);
    BOOST_REQUIRE(stored);
    BOOST_TEST((*stored)->def.revision.value_or(0) == info.revision);
  }
  BOOST_TEST(notes.size() == static_cast<std::size_t>(total));
  BOOST_TEST(notes.count("thread 7 push 9") == 1u);
  BOOST_TEST(notes.count("process 1 push 9") == 1u);
  for (const auto& file : tree(root / "shared"))
    BOOST_TEST(!file.starts_with("."), "temporary file left behind: " << file);
}

BOOST_AUTO_TEST_CASE(an_invalid_definition_is_rejected_with_every_problem_and_nothing_is_stored) {
  temp_dir dir;
  workflow_repository repo(dir.path() / "repo");
  auto rejected = repo.push(R"({"name": "billing", "colour": "red",
      "steps": [{"id": "start", "run": "noop", "next": [["*", "nowhere"]]}]})");
  BOOST_REQUIRE(!rejected);
  BOOST_TEST(rejected.error().code == errc::invalid_input);
  const auto& message = rejected.error().message;
  BOOST_TEST(holds(message, "workflow 'billing': unknown key 'colour'"), message);
  BOOST_TEST(holds(message, "\nworkflow 'billing': steps[0].next[0]"), message);
  BOOST_TEST(holds(message, "'nowhere'"), message);

  auto from_file = repo.push(R"({"name": "billing", "steps": [})", "", {"", "defs/billing.json"});
  BOOST_REQUIRE(!from_file);
  BOOST_TEST(holds(from_file.error().message, "defs/billing.json: invalid JSON at 1:"),
             from_file.error().message);

  auto nameless = repo.push(R"({"steps": []})");
  BOOST_REQUIRE(!nameless);
  BOOST_TEST(holds(nameless.error().message, "workflow definition: name"),
             nameless.error().message);
  BOOST_TEST(holds(nameless.error().message, "workflow definition: steps: must not be empty"),
             nameless.error().message);

  BOOST_TEST(tree(dir.path()).empty(), "files were written");
  auto names = repo.names();
  BOOST_REQUIRE(names);
  BOOST_TEST(names->empty());
}

BOOST_AUTO_TEST_CASE(a_definition_with_warnings_is_stored_and_the_warnings_returned) {
  temp_dir dir;
  workflow_repository repo(dir.path());
  auto pushed = repo.push(R"({"name": "billing", "steps": [
      {"id": "start", "run": "noop"}, {"id": "orphan", "run": "noop"}]})");
  BOOST_REQUIRE(pushed);
  BOOST_REQUIRE(pushed->warnings.size() == 1u);
  BOOST_TEST(holds(pushed->warnings[0], "workflow 'billing': warning: steps[1]"),
             pushed->warnings[0]);
}

BOOST_AUTO_TEST_CASE(bad_names_are_rejected_and_nothing_outside_the_root_is_touched) {
  temp_dir dir;
  auto root = dir.path() / "repo";
  workflow_repository repo(root);
  BOOST_REQUIRE(repo.push(definition("billing")));
  for (const std::string& name :
       std::vector<std::string>{"..", ".", "a/b", "", ".hidden", "../repo/billing", "/etc",
                                std::string(129, 'x'), std::string("a\0b", 3)})
    BOOST_TEST_CONTEXT("name '" << name << "'") {
      auto valid = validate_workflow_name(name);
      BOOST_REQUIRE(!valid);
      BOOST_TEST(holds(valid.error().message, "1 to 128 characters of A-Z, a-z, 0-9"));
      for (auto result : {repo.latest(name), repo.get(name, 1), repo.resolve(name + "@1")}) {
        BOOST_REQUIRE(!result);
        BOOST_TEST(result.error().code == errc::invalid_input, result.error().message);
      }
      auto revisions = repo.revisions(name);
      BOOST_REQUIRE(!revisions);
      BOOST_TEST(revisions.error().code == errc::invalid_input);
    }
  // The definition decoder allows a leading '.', the repository does not.
  auto hidden = repo.push(definition(".hidden"));
  BOOST_REQUIRE(!hidden);
  BOOST_TEST(hidden.error().code == errc::invalid_input);
  BOOST_TEST(holds(hidden.error().message, "workflow '.hidden': name: "), hidden.error().message);

  BOOST_TEST(validate_workflow_name("a..b").has_value());
  BOOST_TEST(validate_workflow_name(std::string(128, 'x')).has_value());
  BOOST_TEST(tree(dir.path()) ==
                 (std::vector<std::string>{"repo", "repo/billing", "repo/billing/1.json",
                                           "repo/billing/1.meta.json"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_folder_that_is_a_symbolic_link_is_refused) {
  temp_dir dir;
  auto root = dir.path() / "repo";
  auto outside = dir.path() / "outside";
  fs::create_directories(root);
  fs::create_directories(outside);
  fs::create_directory_symlink(outside, root / "billing");
  workflow_repository repo(root);

  auto pushed = repo.push(definition("billing"));
  BOOST_REQUIRE(!pushed);
  BOOST_TEST(pushed.error().code == errc::io);
  BOOST_TEST(holds(pushed.error().message, "symbolic link"), pushed.error().message);
  BOOST_TEST(fs::is_empty(outside));
  auto latest = repo.latest("billing");
  BOOST_REQUIRE(!latest);
  BOOST_TEST(holds(latest.error().message, "symbolic link"), latest.error().message);
}

BOOST_AUTO_TEST_CASE(a_workflow_ptr_handed_out_never_changes) {
  temp_dir dir;
  workflow_repository repo(dir.path());
  BOOST_REQUIRE(repo.push(definition("billing", "first")));
  auto running = repo.latest("billing"); // as a job that started with it holds it
  BOOST_REQUIRE(running);
  auto source_then = json::serialize((*running)->source);

  BOOST_REQUIRE(repo.push(definition("billing", "second")));
  BOOST_REQUIRE(repo.push(definition("billing", "third")));
  BOOST_TEST((*running)->def.revision.value_or(0) == 1);
  BOOST_TEST((*running)->def.steps.at(0).id == "first");
  BOOST_TEST(json::serialize((*running)->source) == source_then);
  auto again = repo.get("billing", 1);
  BOOST_REQUIRE(again);
  BOOST_TEST(again->get() == running->get());
  auto latest = repo.latest("billing");
  BOOST_REQUIRE(latest);
  BOOST_TEST((*latest)->def.steps.at(0).id == "third");
}

BOOST_AUTO_TEST_CASE(notes_pusher_and_time_are_kept_with_the_revision) {
  temp_dir dir;
  workflow_repository repo(dir.path(), [] { return std::int64_t{1'700'000'000'123}; });
  auto pushed = repo.push(definition("billing"), "adds the retry", {"ana@ops", ""});
  BOOST_REQUIRE(pushed);
  BOOST_REQUIRE(repo.push(definition("billing"), "no pusher named"));
  BOOST_TEST(fs::is_regular_file(dir.path() / "billing" / "1.meta.json"));

  workflow_repository fresh(dir.path());
  auto info = fresh.info("billing", 1);
  BOOST_REQUIRE(info);
  BOOST_TEST(info->notes == "adds the retry");
  BOOST_TEST(info->pushed_by == "ana@ops");
  BOOST_TEST(info->pushed_ms.value_or(0) == 1'700'000'000'123);
  auto revisions = fresh.revisions("billing");
  BOOST_REQUIRE(revisions);
  BOOST_REQUIRE(revisions->size() == 2u);
  BOOST_TEST((*revisions)[1].notes == "no pusher named");
  BOOST_TEST((*revisions)[1].pushed_by.empty());
}

BOOST_AUTO_TEST_CASE(a_revision_without_metadata_is_listed_without_notes) {
  temp_dir dir;
  workflow_repository repo(dir.path());
  BOOST_REQUIRE(repo.push(definition("billing"), "will be lost"));
  fs::remove(dir.path() / "billing" / "1.meta.json");
  workflow_repository fresh(dir.path());
  auto info = fresh.info("billing", 1);
  BOOST_REQUIRE(info);
  BOOST_TEST(info->notes.empty());
  BOOST_TEST(!info->pushed_ms.has_value());
}

BOOST_AUTO_TEST_CASE(unknown_names_and_revisions_are_reported_with_what_exists) {
  temp_dir dir;
  workflow_repository repo(dir.path() / "repo");
  auto empty = repo.resolve("billing");
  BOOST_REQUIRE(!empty);
  BOOST_TEST(empty.error().code == errc::not_found);
  BOOST_TEST(holds(empty.error().message, "workflow 'billing' is not in the repository"),
             empty.error().message);
  BOOST_TEST(holds(empty.error().message, "which is empty"), empty.error().message);

  BOOST_REQUIRE(repo.push(definition("billing")));
  BOOST_REQUIRE(repo.push(definition("billing")));
  BOOST_REQUIRE(repo.push(definition("shipping")));

  auto name = repo.resolve("biling@1");
  BOOST_REQUIRE(!name);
  BOOST_TEST(name.error().code == errc::not_found);
  BOOST_TEST(holds(name.error().message, "it holds 'billing', 'shipping'"), name.error().message);

  auto revision = repo.resolve("billing@9");
  BOOST_REQUIRE(!revision);
  BOOST_TEST(revision.error().code == errc::not_found);
  BOOST_TEST(revision.error().message ==
             "workflow 'billing' has no revision 9; its latest is revision 2");
  auto info = repo.info("billing", 9);
  BOOST_REQUIRE(!info);
  BOOST_TEST(info.error().message == revision.error().message);

  for (const char* bad : {"billing@", "billing@0", "billing@-1", "billing@x", "billing@2x"}) {
    auto ref = repo.resolve(bad);
    BOOST_REQUIRE(!ref);
    BOOST_TEST(ref.error().code == errc::invalid_input, bad);
    BOOST_TEST(holds(ref.error().message, "name@revision"), ref.error().message);
  }
}

BOOST_AUTO_TEST_CASE(a_damaged_revision_file_is_reported_as_corrupt_naming_it) {
  temp_dir dir;
  workflow_repository repo(dir.path());
  BOOST_REQUIRE(repo.push(definition("billing")));
  BOOST_REQUIRE(repo.push(definition("billing")));
  std::ofstream(dir.path() / "billing" / "2.json") << R"({"name": "billing", "steps": )";
  std::ofstream(dir.path() / "billing" / "3.json")
      << definition("shipping", "x", R"("revision": 3, )");

  workflow_repository fresh(dir.path());
  auto damaged = fresh.get("billing", 2);
  BOOST_REQUIRE(!damaged);
  BOOST_TEST(damaged.error().code == errc::corrupt);
  BOOST_TEST(holds(damaged.error().message, "billing/2.json: invalid JSON"),
             damaged.error().message);
  auto misplaced = fresh.latest("billing");
  BOOST_REQUIRE(!misplaced);
  BOOST_TEST(misplaced.error().code == errc::corrupt);
  BOOST_TEST(holds(misplaced.error().message, "holds workflow 'shipping'"),
             misplaced.error().message);
  BOOST_TEST(fresh.get("billing", 1).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
