#include <boost/test/unit_test.hpp>

#include "actors/job_controls.hpp"
#include "protocol/job_command.hpp"
#include "storage/claim_store.hpp"
#include "test/support/temp_dir.hpp"

using boa::protocol::job_command;
using action = job_command::action;

namespace {

std::unique_ptr<boa::storage::claim_store> open_claim_store(const std::filesystem::path& dir) {
  auto store = boa::storage::claim_store::open(dir);
  BOOST_TEST_REQUIRE(store.has_value());
  return std::move(*store);
}

} // namespace

BOOST_AUTO_TEST_SUITE(job_controls)

BOOST_AUTO_TEST_CASE(a_command_issued_before_the_last_one_applied_is_stale) {
  // A suspend overtaken by its own resume must not park the job again.
  boa::actors::job_controls controls;
  BOOST_TEST(controls.admit("j-1", 200));  // resume, arrived first
  BOOST_TEST(!controls.admit("j-1", 100)); // suspend, issued before it: stale
  BOOST_TEST(controls.admit("j-1", 200));  // the same time again: applied
  BOOST_TEST(controls.admit("j-1", 300));
  BOOST_TEST(controls.admit("j-2", 100)); // other jobs are apart
  BOOST_TEST(controls.admit("j-1", 0));   // unstamped commands always apply
}

BOOST_AUTO_TEST_CASE(a_pending_control_remembers_when_it_was_issued) {
  boa::actors::job_controls controls;
  controls.request("j-1", job_command::action::suspend, 100);
  auto pending = controls.find("j-1");
  BOOST_REQUIRE(pending.has_value());
  BOOST_TEST((pending->what == job_command::action::suspend));
  BOOST_TEST(pending->issued_ms == 100);
  BOOST_TEST(!controls.find("j-2").has_value());
}

BOOST_AUTO_TEST_CASE(a_pending_control_older_than_the_jobs_last_command_is_cleared_as_stale) {
  // The job was resumed at 200 by a node that heard the resume; this one only heard the suspend.
  boa::actors::job_controls controls;
  controls.request("j-1", job_command::action::suspend, 100);
  controls.clear_stale("j-1", 99); // the job has not seen this suspend applied yet: it stays
  BOOST_TEST(controls.find("j-1").has_value());
  controls.clear_stale("j-1", 200);
  BOOST_TEST(!controls.find("j-1").has_value());
  // A command of unknown time is never stale; one issued later than the job's last neither.
  controls.request("j-2", job_command::action::cancel, 0);
  controls.clear_stale("j-2", 200);
  BOOST_TEST(controls.find("j-2").has_value());
  controls.request("j-3", job_command::action::suspend, 300);
  controls.clear_stale("j-3", 200);
  BOOST_TEST(controls.find("j-3").has_value());
}

BOOST_AUTO_TEST_CASE(a_node_started_again_still_applies_the_cancel_it_heard_before) {
  // Commands are broadcast once: a node killed after hearing a cancel, and then handed the job's
  // next step, would run it if it forgot (boasim seed 1726).
  boa::test::temp_dir tmp;
  {
    auto store = open_claim_store(tmp.path() / "claims");
    boa::actors::job_controls controls{store.get()};
    controls.request("j-1", action::cancel, 100);
    controls.request("j-2", action::suspend, 200);
    controls.request("j-3", action::cancel, 300);
    controls.clear("j-3"); // applied: nothing left to remember
  }
  auto store = open_claim_store(tmp.path() / "claims");
  boa::actors::job_controls controls{store.get()};
  auto cancel = controls.find("j-1");
  BOOST_TEST_REQUIRE(cancel.has_value());
  BOOST_TEST((cancel->what == action::cancel));
  BOOST_TEST(cancel->issued_ms == 100);
  auto suspend = controls.find("j-2");
  BOOST_TEST_REQUIRE(suspend.has_value());
  BOOST_TEST((suspend->what == action::suspend));
  BOOST_TEST(!controls.find("j-3").has_value());
}

BOOST_AUTO_TEST_CASE(pending_commands_for_jobs_that_never_come_are_bounded) {
  // A cancel reaches every node, but only the one that runs the job's next step clears it.
  boa::test::temp_dir tmp;
  {
    auto store = open_claim_store(tmp.path() / "claims");
    boa::actors::job_controls controls{store.get(), 3};
    for (int i = 1; i <= 5; ++i)
      controls.request("j-" + std::to_string(i), action::cancel, i);
    BOOST_TEST(!controls.find("j-1").has_value()); // the oldest are forgotten
    BOOST_TEST(!controls.find("j-2").has_value());
    BOOST_TEST(controls.find("j-5").has_value());
  }
  auto store = open_claim_store(tmp.path() / "claims");
  auto pending = store->pending();
  BOOST_TEST_REQUIRE(pending.has_value());
  BOOST_TEST(pending->size() == 3u); // forgotten in the store as well
}

BOOST_AUTO_TEST_CASE(a_resume_under_way_is_taken_on_again_after_a_restart) {
  // The resume was accepted from its queue; the job was not parked yet when the node died.
  boa::test::temp_dir tmp;
  {
    auto store = open_claim_store(tmp.path() / "claims");
    boa::actors::job_controls controls{store.get()};
    controls.resuming("j-1", 100);
    controls.resuming("j-2", 200);
    controls.resumed("j-2");                       // taken back: over
    controls.request("j-1", action::suspend, 300); // a later suspend does not end the resume
  }
  auto store = open_claim_store(tmp.path() / "claims");
  boa::actors::job_controls controls{store.get()};
  auto resumes = controls.resumes();
  BOOST_TEST_REQUIRE(resumes.size() == 1u);
  BOOST_TEST(resumes[0].first == "j-1");
  BOOST_TEST(resumes[0].second == 100);
  BOOST_TEST(controls.find("j-1").has_value());
}

BOOST_AUTO_TEST_CASE(the_newest_admitted_command_is_known_per_job) {
  // A job's runner stamps it on the job, so that nodes which missed a resume see their
  // suspend as stale.
  boa::actors::job_controls controls;
  BOOST_TEST(controls.newest("j-1") == 0);
  BOOST_TEST(controls.admit("j-1", 100));
  BOOST_TEST(controls.admit("j-1", 250));
  BOOST_TEST(!controls.admit("j-1", 200));
  BOOST_TEST(controls.newest("j-1") == 250);
  BOOST_TEST(controls.newest("j-2") == 0);
}

BOOST_AUTO_TEST_SUITE_END()
