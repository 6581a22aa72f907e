// The archiver over an in-process bus: what it stores, when it accepts, and what it does when the
// archive fails. The PostgreSQL cases need BOA_TEST_POSTGRES_URL (tools/run-tests sets it) and
// say why they are skipped without it.
#define BOOST_TEST_MODULE archiver
#include <boost/test/unit_test.hpp>

#include "actors/archiver.hpp"
#include "actors/bus/local_bus.hpp"
#include "actors/delivery_claims.hpp"
#include "protocol/job_codec.hpp"
#include "protocol/transition.hpp"
#include "protocol/workflow_codec.hpp"
#include "storage/job_archive.hpp"
#include "storage/postgres_archive.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

using namespace boa;
using namespace std::chrono_literals;

namespace {

/// Remembers what it stored, first end wins; fails the first `failures` stores as a database
/// that is down would.
class memory_archive final : public storage::job_archive {
public:
  expected<bool> store(const protocol::job& j, const std::string& body) override {
    std::lock_guard guard{mutex_};
    ++calls_;
    if (failures_ > 0) {
      --failures_;
      return error{errc::io, "PostgreSQL is unreachable: connection refused"};
    }
    return stored_.emplace(j.id, body).second;
  }
  expected<std::optional<storage::archived_job>> get(std::string_view id) override {
    std::lock_guard guard{mutex_};
    auto it = stored_.find(std::string(id));
    if (it == stored_.end())
      return std::optional<storage::archived_job>{};
    storage::archived_job a;
    a.id = it->first;
    a.body = it->second;
    return std::optional<storage::archived_job>{std::move(a)};
  }
  expected<storage::archive_page> list(const storage::archive_filter&, std::size_t,
                                       const std::string&) override {
    return error{errc::internal, "this test archive is not listed"};
  }
  void fail_next(int n) {
    std::lock_guard guard{mutex_};
    failures_ = n;
  }
  std::size_t stored() {
    std::lock_guard guard{mutex_};
    return stored_.size();
  }
  int calls() {
    std::lock_guard guard{mutex_};
    return calls_;
  }

private:
  std::mutex mutex_;
  std::map<std::string, std::string> stored_;
  int failures_ = 0;
  int calls_ = 0;
};

/// One archiver on a local bus, with in-memory claims and the given archive.
struct archiver_fixture {
  explicit archiver_fixture(std::shared_ptr<storage::job_archive> archive) : system(config) {
    ctx.node_id = "node-a";
    ctx.bus = &bus;
    ctx.claims = &claims;
    ctx.archive = std::move(archive);
    ctx.archive_retry_delay = 20ms;
    archiver = actors::spawn_archiver(system, ctx);
  }
  /// The archiver hands its deliveries back to the bus as it exits: it must be gone before the
  /// bus is.
  ~archiver_fixture() {
    caf::anon_send_exit(archiver, caf::exit_reason::user_shutdown);
    system.await_all_actors_done();
  }

  static protocol::job ended_job(const std::string& id) {
    auto decoded = protocol::parse_workflow(
        R"({"name": "archived-wf", "steps": [{"id": "only", "run": "noop"}]})");
    BOOST_REQUIRE(decoded.ok());
    auto j = protocol::transition::start(id, decoded.workflow, {}, 1'000);
    j.state = protocol::job_state::finished;
    j.step.clear();
    j.ended_ms = 1'500;
    j.version = 2;
    return j;
  }

  void publish_end(const protocol::job& j, const std::string& message_id) {
    protocol::envelope env;
    env.address = protocol::addresses::archive;
    env.subject = "job";
    env.message_id = message_id;
    env.body = protocol::serialize_job(j);
    bus.publish(std::move(env), caf::actor{}, 0);
  }

  /// Every archived message accepted: none waits in the queue, none is held unsettled.
  bool archive_queue_empty() {
    auto s = bus.core().stats(protocol::addresses::archive);
    return s.ready == 0 && s.unsettled == 0;
  }

  template <class Pred> static bool eventually(Pred pred) {
    // A bound that only a hang reaches, so that a bug fails the test instead of blocking CI.
    for (int i = 0; i < 1000; ++i) {
      if (pred())
        return true;
      std::this_thread::sleep_for(10ms);
    }
    return pred();
  }

  caf::actor_system_config config;
  caf::actor_system system;
  bus::local_bus bus;
  actors::delivery_claims claims;
  actors::node_context ctx;
  caf::actor archiver;
};

std::string postgres_url() {
  const char* url = std::getenv("BOA_TEST_POSTGRES_URL");
  return url ? url : "";
}

} // namespace

BOOST_AUTO_TEST_CASE(an_ended_job_is_stored_before_its_message_is_accepted) {
  auto archive = std::make_shared<memory_archive>();
  archiver_fixture f{archive};
  f.publish_end(archiver_fixture::ended_job("job-1"), "m-1");
  BOOST_TEST(f.eventually([&] { return archive->stored() == 1 && f.archive_queue_empty(); }));
}

BOOST_AUTO_TEST_CASE(a_duplicate_delivery_is_stored_once) {
  auto archive = std::make_shared<memory_archive>();
  archiver_fixture f{archive};
  auto j = archiver_fixture::ended_job("job-dup");
  // The same message twice (its first delivery's accept was lost) and a copy with another id (a
  // step that ran twice after a crash): one job in the archive, every message accepted.
  f.publish_end(j, "m-1");
  f.publish_end(j, "m-1");
  f.publish_end(j, "m-2");
  BOOST_TEST(f.eventually([&] { return f.archive_queue_empty(); }));
  BOOST_TEST(archive->stored() == 1u);
}

BOOST_AUTO_TEST_CASE(a_failed_store_hands_the_delivery_back_and_it_is_stored_later) {
  auto archive = std::make_shared<memory_archive>();
  archive->fail_next(3);
  archiver_fixture f{archive};
  f.publish_end(archiver_fixture::ended_job("job-late"), "m-1");
  // Three failures, each handed back and delivered again, then stored and accepted.
  BOOST_TEST(f.eventually([&] { return archive->stored() == 1 && f.archive_queue_empty(); }));
  BOOST_TEST(archive->calls() == 4);
}

BOOST_AUTO_TEST_CASE(postgres_an_ended_job_becomes_a_row_once) {
  if (postgres_url().empty()) {
    BOOST_TEST_MESSAGE("SKIPPED: BOA_TEST_POSTGRES_URL is not set (tools/run-tests sets it when "
                       "the postgresql server is installed)");
    return;
  }
  auto opened = storage::postgres_archive::open(postgres_url());
  BOOST_REQUIRE_MESSAGE(opened, (opened ? "" : opened.error().message));
  std::shared_ptr<storage::postgres_archive> archive = std::move(*opened);
  // An id of its own per run: the server outlives the test.
  auto id = "archiver-test-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  archiver_fixture f{archive};
  auto j = archiver_fixture::ended_job(id);
  f.publish_end(j, "m-1");
  f.publish_end(j, "m-1");
  BOOST_TEST(f.eventually([&] { return f.archive_queue_empty(); }));
  auto row = archive->get(id);
  BOOST_REQUIRE(row);
  BOOST_REQUIRE(row->has_value());
  BOOST_TEST((*row)->workflow == "archived-wf");
  BOOST_TEST((*row)->state == "finished");
  BOOST_TEST((*row)->duration_ms == 500);
  storage::archive_filter by_workflow;
  by_workflow.workflow = "archived-wf";
  std::size_t copies = 0;
  std::string cursor;
  do {
    auto page = archive->list(by_workflow, 100, cursor);
    BOOST_REQUIRE(page);
    for (const auto& a : page->jobs)
      copies += a.id == id ? 1 : 0;
    cursor = page->next_cursor;
  } while (!cursor.empty());
  BOOST_TEST(copies == 1u);
}
