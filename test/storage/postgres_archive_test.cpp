// The PostgreSQL archive against a real server: BOA_TEST_POSTGRES_URL names it (tools/run-tests
// starts one with tools/postgres). Without it every case says why it is skipped and passes.
#include "storage/postgres_archive.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

using namespace boa;
using storage::postgres_archive;

namespace {

std::string server_url() {
  const char* url = std::getenv("BOA_TEST_POSTGRES_URL");
  return url ? url : "";
}

bool skipped() {
  if (!server_url().empty())
    return false;
  BOOST_TEST_MESSAGE("SKIPPED: BOA_TEST_POSTGRES_URL is not set (tools/run-tests sets it when "
                     "the postgresql server is installed)");
  return true;
}

// What psql prints for one query (-At: bare values, `|` between columns), as a user would check.
std::string psql(const std::string& query) {
  std::string command = "psql -At -c \"" + query + "\" '" + server_url() + "' 2>&1";
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[256];
    while (auto n = std::fread(buffer, 1, sizeof buffer, pipe))
      out.append(buffer, n);
    ::pclose(pipe);
  }
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

// Each test empties the archive so that the cases do not see each other's jobs.
std::unique_ptr<postgres_archive> fresh_archive() {
  auto archive = postgres_archive::open(server_url());
  BOOST_REQUIRE_MESSAGE(archive, (archive ? "" : archive.error().message));
  BOOST_REQUIRE_EQUAL(psql("TRUNCATE boa_archived_jobs"), "TRUNCATE TABLE");
  return std::move(*archive);
}

protocol::job ended_job(std::string id, std::string workflow, protocol::job_state state,
                        std::int64_t ended_ms) {
  auto pinned = std::make_shared<protocol::pinned_workflow>();
  pinned->def.name = std::move(workflow);
  pinned->def.revision = 3;
  protocol::job j;
  j.id = std::move(id);
  j.workflow = pinned;
  j.state = state;
  j.created_ms = ended_ms - 250;
  j.ended_ms = ended_ms;
  protocol::history_entry first;
  first.step = "fetch";
  first.node = "node-a";
  first.start_ms = ended_ms - 200;
  protocol::history_entry last;
  last.step = "store";
  last.node = "node-b";
  last.start_ms = ended_ms - 100;
  j.history = {first, last};
  return j;
}

std::string body_of(const protocol::job& j) {
  return R"({"id": ")" + j.id + R"(", "state": ")" + protocol::to_string(j.state) + R"("})";
}

} // namespace

BOOST_AUTO_TEST_SUITE(postgres_archive_suite)

BOOST_AUTO_TEST_CASE(a_stored_job_reads_back_with_its_columns_and_body) {
  if (skipped())
    return;
  auto archive = fresh_archive();
  auto j = ended_job("job-1", "etl", protocol::job_state::finished, 10'000);
  j.parent_id = "parent-1";
  auto stored = archive->store(j, body_of(j));
  BOOST_REQUIRE_MESSAGE(stored, (stored ? "" : stored.error().message));
  BOOST_TEST(*stored);
  auto got = archive->get("job-1");
  BOOST_REQUIRE(got);
  BOOST_REQUIRE(got->has_value());
  const auto& a = **got;
  BOOST_TEST(a.id == "job-1");
  BOOST_TEST(a.workflow == "etl");
  BOOST_TEST(a.revision == 3);
  BOOST_TEST(a.state == "finished");
  BOOST_TEST(a.created_ms == 9'750);
  BOOST_TEST(a.started_ms == 9'800);
  BOOST_TEST(a.ended_ms == 10'000);
  BOOST_TEST(a.duration_ms == 250);
  BOOST_TEST(a.parent_id == "parent-1");
  BOOST_TEST(a.node == "node-b");
  // JSONB normalises spacing: compare what it means, not its bytes.
  BOOST_TEST(a.body == R"({"id": "job-1", "state": "finished"})");
  auto missing = archive->get("no-such-job");
  BOOST_REQUIRE(missing);
  BOOST_TEST(!missing->has_value());
}

BOOST_AUTO_TEST_CASE(a_duplicate_store_keeps_the_first_end) {
  if (skipped())
    return;
  auto archive = fresh_archive();
  auto first = ended_job("job-dup", "etl", protocol::job_state::finished, 20'000);
  auto again = ended_job("job-dup", "etl", protocol::job_state::error, 30'000);
  auto stored = archive->store(first, body_of(first));
  BOOST_REQUIRE(stored);
  BOOST_TEST(*stored);
  auto duplicate = archive->store(again, body_of(again));
  BOOST_REQUIRE(duplicate);
  BOOST_TEST(!*duplicate);
  auto got = archive->get("job-dup");
  BOOST_REQUIRE(got && got->has_value());
  BOOST_TEST((*got)->state == "finished");
  BOOST_TEST((*got)->ended_ms == 20'000);
  auto all = archive->list({}, 10);
  BOOST_REQUIRE(all);
  BOOST_TEST(all->jobs.size() == 1u);
}

BOOST_AUTO_TEST_CASE(list_filters_and_pages_by_a_stable_key) {
  if (skipped())
    return;
  auto archive = fresh_archive();
  // Five etl jobs (two sharing an end time, told apart by id), two of them failed, one report.
  for (auto j : {ended_job("a", "etl", protocol::job_state::finished, 100),
                 ended_job("b", "etl", protocol::job_state::error, 200),
                 ended_job("c", "etl", protocol::job_state::finished, 300),
                 ended_job("d", "etl", protocol::job_state::finished, 300),
                 ended_job("e", "etl", protocol::job_state::error, 400),
                 ended_job("r", "report", protocol::job_state::finished, 350)})
    BOOST_REQUIRE(archive->store(j, body_of(j)));

  auto ids = [](const storage::archive_page& page) {
    std::string out;
    for (const auto& j : page.jobs)
      out += j.id;
    return out;
  };
  storage::archive_filter etl;
  etl.workflow = "etl";
  auto p1 = archive->list(etl, 2);
  BOOST_REQUIRE(p1);
  BOOST_TEST(ids(*p1) == "ed");
  // A job added after the first page, ending later, does not shift the next pages.
  auto late = ended_job("z", "etl", protocol::job_state::finished, 900);
  BOOST_REQUIRE(archive->store(late, body_of(late)));
  auto p2 = archive->list(etl, 2, p1->next_cursor);
  BOOST_REQUIRE(p2);
  BOOST_TEST(ids(*p2) == "cb");
  auto p3 = archive->list(etl, 2, p2->next_cursor);
  BOOST_REQUIRE(p3);
  BOOST_TEST(ids(*p3) == "a");
  BOOST_TEST(p3->next_cursor.empty());

  storage::archive_filter failed;
  failed.state = "error";
  auto errors = archive->list(failed, 10);
  BOOST_REQUIRE(errors);
  BOOST_TEST(ids(*errors) == "eb");

  storage::archive_filter recent;
  recent.since_ms = 300;
  auto since = archive->list(recent, 10);
  BOOST_REQUIRE(since);
  BOOST_TEST(ids(*since) == "zerdc");

  auto bad = archive->list({}, 10, "not a cursor");
  BOOST_REQUIRE(!bad);
  BOOST_TEST(bad.error().message.find("cursor") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_schema_is_created_once_and_opened_again) {
  if (skipped())
    return;
  auto first = fresh_archive();
  auto j = ended_job("kept", "etl", protocol::job_state::finished, 500);
  BOOST_REQUIRE(first->store(j, body_of(j)));
  auto second = postgres_archive::open(server_url());
  BOOST_REQUIRE_MESSAGE(second, (second ? "" : second.error().message));
  auto got = (*second)->get("kept");
  BOOST_REQUIRE(got);
  BOOST_TEST(got->has_value());
  // One version row, version 1: opening again migrated nothing.
  BOOST_TEST(psql("SELECT count(*), max(version) FROM boa_schema_version") == "1|1");
}

BOOST_AUTO_TEST_CASE(a_bad_connection_string_is_refused_with_its_message) {
  // Needs no server: neither string gets as far as a working connection.
  auto malformed = postgres_archive::open("host=127.0.0.1 nonsense");
  BOOST_REQUIRE(!malformed);
  BOOST_TEST(malformed.error().code == errc::invalid_input);
  BOOST_TEST(malformed.error().message.find("nonsense") != std::string::npos,
             malformed.error().message);
  BOOST_TEST(!postgres_archive::check_connection_string("host=127.0.0.1 nonsense").has_value());
  BOOST_TEST(
      postgres_archive::check_connection_string("postgresql://boa@127.0.0.1:5/db").has_value());
  // Port 1 on loopback: nothing listens there.
  auto unreachable = postgres_archive::open("host=127.0.0.1 port=1 connect_timeout=2");
  BOOST_REQUIRE(!unreachable);
  BOOST_TEST(unreachable.error().message.find("cannot connect to PostgreSQL") != std::string::npos,
             unreachable.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
