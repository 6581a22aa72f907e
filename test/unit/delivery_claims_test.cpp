#define BOOST_TEST_MODULE delivery_claims
#include <boost/test/unit_test.hpp>

#include "actors/delivery_claims.hpp"
#include "storage/claim_store.hpp"
#include "storage/job_store.hpp"
#include "test/support/temp_dir.hpp"

using boa::actors::delivery_claims;
using verdict = delivery_claims::verdict;

namespace {

boa::protocol::job state(std::int64_t version, std::string id = "j-1") {
  boa::protocol::job j;
  j.id = std::move(id);
  j.version = version;
  return j;
}

std::unique_ptr<boa::storage::claim_store> open_store(const std::filesystem::path& dir) {
  auto store = boa::storage::claim_store::open(dir);
  BOOST_TEST_REQUIRE(store.has_value());
  return std::move(*store);
}

} // namespace

BOOST_AUTO_TEST_CASE(second_copy_of_a_version_is_refused_and_the_first_runs_again) {
  delivery_claims claims;
  BOOST_TEST((claims.claim(state(3), "m-a") == verdict::run));
  BOOST_TEST((claims.claim(state(3), "m-b") == verdict::copy));
  BOOST_TEST((claims.claim(state(3), "m-a") == verdict::again)); // its runner died
}

BOOST_AUTO_TEST_CASE(a_copy_runs_once_the_claimed_run_could_not_publish) {
  // Two copies of version 3 went to this node. The first ran, but its successor could not be
  // published (the broker restarted) and its delivery went back. Refusing the second copy now
  // would lose the job: the first copy may have gone to another node that refuses it likewise.
  delivery_claims claims;
  BOOST_TEST((claims.claim(state(3), "m-a") == verdict::run));
  claims.withdraw(delivery_claims::line_of(state(3)), 3, "m-a");
  BOOST_TEST((claims.claim(state(3), "m-b") == verdict::run));
  BOOST_TEST((claims.claim(state(3), "m-a") == verdict::copy));  // m-b's run stands now
  BOOST_TEST((claims.claim(state(2), "m-2") == verdict::stale)); // version 3 still exists
}

BOOST_AUTO_TEST_CASE(a_withdrawal_for_a_claim_that_moved_on_does_nothing) {
  delivery_claims claims;
  BOOST_TEST((claims.claim(state(3), "m-a") == verdict::run));
  BOOST_TEST((claims.claim(state(4), "m-4") == verdict::run));
  claims.withdraw("j-1", 3, "m-a"); // late: version 4 ran since
  BOOST_TEST((claims.claim(state(4), "m-x") == verdict::copy));
  claims.withdraw("j-1", 4, "m-other");
  BOOST_TEST((claims.claim(state(4), "m-x") == verdict::copy));
}

BOOST_AUTO_TEST_CASE(a_withdrawal_survives_a_restart_through_the_store) {
  boa::test::temp_dir dir;
  {
    auto store = open_store(dir.path() / "claims.db");
    delivery_claims claims{store.get()};
    BOOST_TEST((claims.claim(state(3), "m-a") == verdict::run));
    claims.withdraw("j-1", 3, "m-a");
  }
  auto store = open_store(dir.path() / "claims.db");
  delivery_claims claims{store.get()};
  BOOST_TEST((claims.claim(state(3), "m-b") == verdict::run));
  BOOST_TEST((claims.claim(state(2), "m-2") == verdict::stale));
}

BOOST_AUTO_TEST_CASE(older_version_than_one_run_is_stale) {
  delivery_claims claims;
  BOOST_TEST((claims.claim(state(4), "m-4") == verdict::run));
  BOOST_TEST((claims.claim(state(3), "m-3") == verdict::stale));
  BOOST_TEST((claims.claim(state(5), "m-5") == verdict::run));
  BOOST_TEST((claims.claim(state(4), "m-4") == verdict::stale));
}

BOOST_AUTO_TEST_CASE(lines_of_a_fork_and_of_other_jobs_are_apart) {
  delivery_claims claims;
  auto branch = [](int b) {
    auto j = state(2);
    j.forks.push_back({"fork-1", "split", b, 2, {}});
    return j;
  };
  BOOST_TEST(delivery_claims::line_of(branch(1)) == "j-1/fork-1:1");
  BOOST_TEST((claims.claim(branch(0), "m-0") == verdict::run));
  BOOST_TEST((claims.claim(branch(1), "m-1") == verdict::run));
  BOOST_TEST((claims.claim(state(2, "j-2"), "m-2") == verdict::run));
  BOOST_TEST((claims.claim(branch(1), "m-1-copy") == verdict::copy));
}

BOOST_AUTO_TEST_CASE(message_without_id_always_runs) {
  delivery_claims claims;
  BOOST_TEST((claims.claim(state(1), "") == verdict::run));
  BOOST_TEST((claims.claim(state(1), "") == verdict::run));
}

BOOST_AUTO_TEST_CASE(claims_survive_a_restart_through_the_store) {
  boa::test::temp_dir tmp;
  {
    auto store = open_store(tmp.path() / "claims");
    delivery_claims claims{store.get()};
    BOOST_TEST((claims.claim(state(7), "m-7") == verdict::run));
  }
  auto store = open_store(tmp.path() / "claims");
  delivery_claims after{store.get()};
  BOOST_TEST((after.claim(state(7), "m-7-copy") == verdict::copy));
  BOOST_TEST((after.claim(state(6), "m-6") == verdict::stale));
  BOOST_TEST((after.claim(state(7), "m-7") == verdict::again));
}

BOOST_AUTO_TEST_CASE(forgotten_lines_come_back_from_the_store) {
  boa::test::temp_dir tmp;
  auto store = open_store(tmp.path() / "claims");
  delivery_claims claims{store.get(), 16}; // one line per stripe in memory
  for (int i = 0; i < 200; ++i)
    BOOST_TEST((claims.claim(state(1, "j-" + std::to_string(i)), "m") == verdict::run));
  for (int i = 0; i < 200; ++i)
    BOOST_TEST((claims.claim(state(1, "j-" + std::to_string(i)), "other") == verdict::copy));
}

BOOST_AUTO_TEST_CASE(claim_store_reads_back_what_it_wrote) {
  boa::test::temp_dir tmp;
  auto store = open_store(tmp.path() / "claims");
  BOOST_TEST(store->put("j-1", {3, "m"}).has_value());
  auto got = store->get("j-1");
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST_REQUIRE(got->has_value());
  BOOST_TEST(((**got) == boa::storage::claim{3, "m"}));
  auto missing = store->get("j-2");
  BOOST_TEST_REQUIRE(missing.has_value());
  BOOST_TEST(!missing->has_value());
}

BOOST_AUTO_TEST_CASE(claim_store_refuses_a_job_store_directory) {
  boa::test::temp_dir tmp;
  {
    auto jobs = boa::storage::job_store::open(tmp.path() / "jobs");
    BOOST_TEST_REQUIRE(jobs.has_value());
  }
  auto claims = boa::storage::claim_store::open(tmp.path() / "jobs");
  BOOST_TEST_REQUIRE(!claims.has_value());
  BOOST_TEST(claims.error().message.find("jobs") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(claim_store_keeps_pending_commands_apart_from_claims) {
  boa::test::temp_dir tmp;
  auto store = open_store(tmp.path() / "claims");
  BOOST_TEST(store->put("j-1", {3, "m"}).has_value());
  BOOST_TEST(store->put_pending({"j-1", "cancel", 100}).has_value());
  BOOST_TEST(store->put_pending({"j-2", "suspend", 200}).has_value());
  BOOST_TEST(store->put_pending({"j-2", "cancel", 300}).has_value()); // replaces the suspend
  BOOST_TEST(store->erase_pending("j-1").has_value());
  auto pending = store->pending();
  BOOST_TEST_REQUIRE(pending.has_value());
  BOOST_TEST_REQUIRE(pending->size() == 1u);
  BOOST_TEST(((*pending)[0] == boa::storage::pending_command{"j-2", "cancel", 300}));
  auto claim = store->get("j-1"); // the claim of the same job is untouched
  BOOST_TEST_REQUIRE(claim.has_value());
  BOOST_TEST(claim->has_value());
}
