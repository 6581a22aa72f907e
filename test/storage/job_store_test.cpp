#include "storage/job_store.hpp"

#include "../support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <rocksdb/db.h>

#include <atomic>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <thread>

using boa::errc;
using boa::storage::job_record;
using boa::storage::job_store;
using boa::test::temp_dir;

namespace {

job_record make_record(std::string id, std::string state, std::int64_t updated_ms) {
  job_record r;
  r.id = std::move(id);
  r.state = std::move(state);
  r.workflow = "etl";
  r.revision = 3;
  r.step = "load";
  r.created_ms = 1;
  r.updated_ms = updated_ms;
  r.body = R"({"id":")" + r.id + R"("})";
  return r;
}

std::unique_ptr<job_store> open_store(const std::filesystem::path& dir) {
  auto store = job_store::open(dir);
  BOOST_REQUIRE_MESSAGE(store, (store ? "" : store.error().message));
  return std::move(*store);
}

void put(job_store& store, const job_record& record) {
  auto done = store.put(record);
  BOOST_REQUIRE_MESSAGE(done, (done ? "" : done.error().message));
}

std::vector<std::string> list_ids(job_store& store, std::optional<std::string> state,
                                  std::size_t limit, std::int64_t before_ms = 0) {
  auto records = store.list(std::move(state), limit, before_ms);
  BOOST_REQUIRE_MESSAGE(records, (records ? "" : records.error().message));
  std::vector<std::string> ids;
  for (const auto& r : *records)
    ids.push_back(r.id);
  return ids;
}

std::map<std::string, std::uint64_t> counts(job_store& store) {
  auto counted = store.count_by_state();
  BOOST_REQUIRE_MESSAGE(counted, (counted ? "" : counted.error().message));
  return *counted;
}

using ids = std::vector<std::string>;
using count_map = std::map<std::string, std::uint64_t>;

/// A closed store opened through RocksDB itself, to look at or damage it behind the store's back.
class raw_store {
public:
  explicit raw_store(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    BOOST_REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.string(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const auto& name : names)
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* db = nullptr;
    BOOST_REQUIRE(
        rocksdb::DB::Open(rocksdb::DBOptions(), dir.string(), families, &handles_, &db).ok());
    db_.reset(db);
  }
  ~raw_store() {
    for (auto* handle : handles_)
      db_->DestroyColumnFamilyHandle(handle);
  }

  void put(const std::string& family, const std::string& key, const std::string& value) {
    BOOST_REQUIRE(db_->Put(rocksdb::WriteOptions(), handle(family), key, value).ok());
  }

  std::size_t key_count(const std::string& family) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handle(family)));
    std::size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next())
      ++n;
    return n;
  }

private:
  rocksdb::ColumnFamilyHandle* handle(const std::string& family) {
    for (auto* handle : handles_)
      if (handle->GetName() == family)
        return handle;
    BOOST_FAIL("no column family " + family);
    return nullptr;
  }

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

} // namespace

BOOST_AUTO_TEST_SUITE(job_store_suite)

BOOST_AUTO_TEST_CASE(put_then_get_returns_every_field_unchanged) {
  temp_dir tmp;
  auto store = open_store(tmp.path());
  job_record r;
  r.id = "job-42";
  r.state = "suspended";
  r.workflow = "nightly-report";
  r.revision = std::numeric_limits<std::int64_t>::max();
  r.step = "render";
  r.parent_id = "job-41";
  r.folder = "/var/lib/boa/jobs/job-42";
  r.created_ms = std::numeric_limits<std::int64_t>::min();
  r.updated_ms = 1'700'000'000'123;
  r.ended_ms = -5;
  r.body = std::string(R"({"v":1,"props":{"x":"\u00e9"}})") + std::string(1, '\0') + "tail";
  put(*store, r);

  auto got = store->get("job-42");
  BOOST_REQUIRE(got);
  BOOST_REQUIRE(got->has_value());
  const auto& g = **got;
  BOOST_TEST(g.id == r.id);
  BOOST_TEST(g.state == r.state);
  BOOST_TEST(g.workflow == r.workflow);
  BOOST_TEST(g.revision == r.revision);
  BOOST_TEST(g.step == r.step);
  BOOST_TEST(g.parent_id == r.parent_id);
  BOOST_TEST(g.folder == r.folder);
  BOOST_TEST(g.created_ms == r.created_ms);
  BOOST_TEST(g.updated_ms == r.updated_ms);
  BOOST_TEST(g.ended_ms == r.ended_ms);
  BOOST_TEST(g.body == r.body);
}

BOOST_AUTO_TEST_CASE(get_of_an_unknown_id_returns_nothing) {
  temp_dir tmp;
  auto store = open_store(tmp.path());
  put(*store, make_record("a", "running", 10));
  auto got = store->get("b");
  BOOST_REQUIRE(got);
  BOOST_TEST(!got->has_value());
}

BOOST_AUTO_TEST_CASE(an_update_moves_the_record_from_its_old_state_index_to_the_new_one) {
  temp_dir tmp;
  auto store = open_store(tmp.path());
  put(*store, make_record("a", "running", 10));
  put(*store, make_record("b", "running", 11));
  BOOST_TEST(list_ids(*store, "running", 10) == (ids{"b", "a"}));

  auto a = make_record("a", "finished", 20);
  a.ended_ms = 20;
  put(*store, a);
  BOOST_TEST(list_ids(*store, "running", 10) == ids{"b"});
  BOOST_TEST(list_ids(*store, "finished", 10) == ids{"a"});
  BOOST_TEST(list_ids(*store, std::nullopt, 10) == (ids{"a", "b"}));
  BOOST_TEST((*store->get("a"))->ended_ms == 20);

  store.reset(); // list() passes over stale entries: the old one must be gone from the index
  BOOST_TEST(raw_store(tmp.path()).key_count("by_state") == 2u);
}

BOOST_AUTO_TEST_CASE(list_returns_newest_first_up_to_the_limit_and_pages_with_before) {
  temp_dir tmp;
  auto store = open_store(tmp.path());
  // Inserted out of order; even-numbered jobs are running, odd ones finished.
  for (int i : {4, 0, 7, 2, 9, 1, 8, 3, 6, 5})
    put(*store, make_record("j" + std::to_string(i), i % 2 ? "finished" : "running", 1000 + i));

  BOOST_TEST(list_ids(*store, std::nullopt, 3) == (ids{"j9", "j8", "j7"}));
  BOOST_TEST(list_ids(*store, std::nullopt, 3, 1007) == (ids{"j6", "j5", "j4"}));
  BOOST_TEST(list_ids(*store, std::nullopt, 3, 1001) == ids{"j0"});
  BOOST_TEST(list_ids(*store, std::nullopt, 100).size() == 10u);
  BOOST_TEST(list_ids(*store, std::nullopt, 0).empty());

  BOOST_TEST(list_ids(*store, "running", 2) == (ids{"j8", "j6"}));
  BOOST_TEST(list_ids(*store, "running", 2, 1006) == (ids{"j4", "j2"}));
  BOOST_TEST(list_ids(*store, "running", 2, 1002) == ids{"j0"});
  BOOST_TEST(list_ids(*store, "finished", 100, 1004) == (ids{"j3", "j1"}));
  BOOST_TEST(list_ids(*store, "canceled", 100).empty());
}

BOOST_AUTO_TEST_CASE(list_orders_times_before_the_epoch_after_later_ones) {
  temp_dir tmp;
  auto store = open_store(tmp.path());
  put(*store, make_record("zero", "running", 0));
  put(*store, make_record("before", "running", -1));
  put(*store, make_record("after", "running", 1));
  BOOST_TEST(list_ids(*store, "running", 10) == (ids{"after", "zero", "before"}));
}

BOOST_AUTO_TEST_CASE(count_by_state_counts_each_state_and_follows_updates_and_erases) {
  temp_dir tmp;
  auto store = open_store(tmp.path());
  BOOST_TEST(counts(*store).empty());
  put(*store, make_record("a", "running", 1));
  put(*store, make_record("b", "running", 2));
  put(*store, make_record("c", "error", 3));
  BOOST_TEST(counts(*store) == (count_map{{"error", 1}, {"running", 2}}));

  put(*store, make_record("a", "running", 4)); // same state: no change
  put(*store, make_record("b", "finished", 5));
  BOOST_TEST(counts(*store) == (count_map{{"error", 1}, {"finished", 1}, {"running", 1}}));

  BOOST_REQUIRE(store->erase("c"));
  BOOST_TEST(counts(*store) == (count_map{{"finished", 1}, {"running", 1}}));
}

BOOST_AUTO_TEST_CASE(reopening_a_closed_store_keeps_records_indexes_and_counts) {
  temp_dir tmp;
  {
    auto store = open_store(tmp.path());
    put(*store, make_record("a", "running", 1));
    put(*store, make_record("b", "finished", 2));
  }
  auto store = open_store(tmp.path());
  auto got = store->get("b");
  BOOST_REQUIRE(got && got->has_value());
  BOOST_TEST((*got)->body == make_record("b", "finished", 2).body);
  BOOST_TEST(list_ids(*store, "running", 10) == ids{"a"});
  BOOST_TEST(list_ids(*store, std::nullopt, 10) == (ids{"b", "a"}));
  BOOST_TEST(counts(*store) == (count_map{{"finished", 1}, {"running", 1}}));
}

BOOST_AUTO_TEST_CASE(a_store_of_another_format_is_refused_naming_the_directory_and_both_versions) {
  temp_dir tmp;
  open_store(tmp.path()).reset();
  raw_store(tmp.path()).put(rocksdb::kDefaultColumnFamilyName, "format", "7");
  auto store = job_store::open(tmp.path());
  BOOST_REQUIRE(!store);
  BOOST_TEST(store.error().code == errc::corrupt);
  BOOST_TEST(store.error().message ==
             "data directory '" + tmp.path().string() +
                 "': job store format 7 is not supported (this boa reads format 1)");
}

BOOST_AUTO_TEST_CASE(a_rocksdb_database_that_is_not_a_job_store_is_refused) {
  temp_dir tmp;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    BOOST_REQUIRE(rocksdb::DB::Open(options, tmp.path().string(), &db).ok());
    BOOST_REQUIRE(db->Put(rocksdb::WriteOptions(), "someone", "else").ok());
    delete db;
  }
  auto store = job_store::open(tmp.path());
  BOOST_REQUIRE(!store);
  BOOST_TEST(store.error().message.find(tmp.path().string()) != std::string::npos);
  BOOST_TEST(store.error().message.find("not a job store") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(opening_a_directory_that_is_already_open_fails_with_an_error_naming_it) {
  temp_dir tmp;
  auto first = open_store(tmp.path());
  auto second = job_store::open(tmp.path());
  BOOST_REQUIRE(!second);
  BOOST_TEST(second.error().code == errc::io);
  BOOST_TEST(second.error().message.find("data directory '" + tmp.path().string() + "'") == 0u);
  put(*first, make_record("a", "running", 1)); // the first one is unharmed
}

BOOST_AUTO_TEST_CASE(a_data_directory_that_is_a_file_is_refused_naming_it) {
  temp_dir tmp;
  auto file = tmp.path() / "jobs";
  std::ofstream(file) << "not a directory";
  auto store = job_store::open(file);
  BOOST_REQUIRE(!store);
  BOOST_TEST(store.error().code == errc::io);
  BOOST_TEST(store.error().message.find("data directory '" + file.string() + "'") == 0u);
}

BOOST_AUTO_TEST_CASE(open_creates_missing_parent_directories) {
  temp_dir tmp;
  auto dir = tmp.path() / "a" / "b";
  open_store(dir);
  BOOST_TEST(std::filesystem::is_directory(dir));
}

BOOST_AUTO_TEST_CASE(erase_removes_the_record_from_get_and_every_listing) {
  temp_dir tmp;
  auto store = open_store(tmp.path());
  put(*store, make_record("a", "running", 1));
  put(*store, make_record("b", "running", 2));
  BOOST_REQUIRE(store->erase("a"));
  auto got = store->get("a");
  BOOST_REQUIRE(got);
  BOOST_TEST(!got->has_value());
  BOOST_TEST(list_ids(*store, "running", 10) == ids{"b"});
  BOOST_TEST(list_ids(*store, std::nullopt, 10) == ids{"b"});
  BOOST_TEST(store->erase("a").has_value()); // erasing again is not an error
}

BOOST_AUTO_TEST_CASE(a_record_that_cannot_be_decoded_is_reported_as_corrupt_naming_its_id) {
  temp_dir tmp;
  open_store(tmp.path()).reset();
  raw_store(tmp.path()).put("jobs", "broken-job", "\x05run");
  auto store = open_store(tmp.path());
  auto got = store->get("broken-job");
  BOOST_REQUIRE(!got);
  BOOST_TEST(got.error().code == errc::corrupt);
  BOOST_TEST(got.error().message.find("'broken-job'") != std::string::npos);
  auto over = store->put(make_record("broken-job", "running", 1));
  BOOST_REQUIRE(!over);
  BOOST_TEST(over.error().code == errc::corrupt);
  BOOST_TEST(store->erase("broken-job").has_value());
  BOOST_TEST(!(*store->get("broken-job")).has_value());
}

BOOST_AUTO_TEST_CASE(put_refuses_an_empty_id_or_state) {
  temp_dir tmp;
  auto store = open_store(tmp.path());
  auto no_id = store->put(make_record("", "running", 1));
  BOOST_REQUIRE(!no_id);
  BOOST_TEST(no_id.error().code == errc::invalid_input);
  auto no_state = store->put(make_record("a", "", 1));
  BOOST_REQUIRE(!no_state);
  BOOST_TEST(no_state.error().code == errc::invalid_input);
  BOOST_TEST(counts(*store).empty());
}

BOOST_AUTO_TEST_CASE(concurrent_puts_keep_counts_and_indexes_consistent) {
  temp_dir tmp;
  auto store = open_store(tmp.path());
  const std::vector<std::string> states = {"running", "suspended", "finished"};
  constexpr int threads = 4, puts_per_thread = 500, jobs = 40;
  std::atomic<int> failed_puts = 0;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < puts_per_thread; ++i) {
        auto id = "j" + std::to_string(rng() % jobs);
        if (!store->put(make_record(id, states[rng() % states.size()], rng() % 100)))
          ++failed_puts;
      }
    });
  for (auto& w : workers)
    w.join();
  BOOST_TEST(failed_puts == 0);

  auto all = list_ids(*store, std::nullopt, 1000);
  BOOST_TEST(all.size() == std::size_t{jobs});
  BOOST_TEST(std::set<std::string>(all.begin(), all.end()).size() == std::size_t{jobs});
  std::uint64_t total = 0;
  for (auto [state, n] : counts(*store)) {
    BOOST_TEST_CONTEXT(state) {
      auto in_state = store->list(state, 1000);
      BOOST_REQUIRE(in_state);
      BOOST_TEST(in_state->size() == n);
      for (const auto& r : *in_state)
        BOOST_TEST(r.state == state);
    }
    total += n;
  }
  BOOST_TEST(total == std::uint64_t{jobs});

  // list() passes over stale index entries, so look at the indexes themselves.
  store.reset();
  raw_store raw(tmp.path());
  BOOST_TEST(raw.key_count("by_time") == std::size_t{jobs});
  BOOST_TEST(raw.key_count("by_state") == std::size_t{jobs});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(job_store_pages)

namespace {

/// Every page of `query` in turn, as the ids of each.
std::vector<std::vector<std::string>> pages_of(job_store& store,
                                               boa::storage::job_page_query query) {
  std::vector<std::vector<std::string>> out;
  for (int guard = 0; guard < 100; ++guard) {
    auto page = store.page(query);
    BOOST_REQUIRE_MESSAGE(page, (page ? "" : page.error().message));
    std::vector<std::string> ids;
    for (const auto& r : page->records)
      ids.push_back(r.id);
    out.push_back(std::move(ids));
    if (!page->next)
      break;
    query.after = page->next;
  }
  return out;
}

using pages = std::vector<std::vector<std::string>>;

} // namespace

BOOST_AUTO_TEST_CASE(jobs_updated_in_the_same_millisecond_are_each_on_exactly_one_page) {
  temp_dir dir{"boa-store-pages"};
  auto store = open_store(dir.path() / "jobs.db");
  for (const char* id : {"a", "b", "c", "d"})
    put(*store, make_record(id, "finished", 100));
  put(*store, make_record("e", "finished", 200));
  boa::storage::job_page_query query;
  query.limit = 2;
  // Newest first; within one millisecond by id.
  BOOST_TEST((pages_of(*store, query) == pages{{"e", "a"}, {"b", "c"}, {"d"}}));
}

BOOST_AUTO_TEST_CASE(a_page_keeps_what_the_filter_keeps_and_stops_at_since) {
  temp_dir dir{"boa-store-pages"};
  auto store = open_store(dir.path() / "jobs.db");
  put(*store, make_record("old", "finished", 50));
  put(*store, make_record("f1", "finished", 100));
  put(*store, make_record("r1", "running", 110));
  put(*store, make_record("e1", "error", 120));
  put(*store, make_record("f2", "finished", 130));
  boa::storage::job_page_query query;
  query.since_ms = 100;
  query.keep = [](const job_record& r) { return r.state != "running"; };
  BOOST_TEST((pages_of(*store, query) == pages{{"f2", "e1", "f1"}}));
  query.state = "finished";
  query.keep = {};
  BOOST_TEST((pages_of(*store, query) == pages{{"f2", "f1"}}));
  // A page looks at no more entries than it may; the next one goes on from there.
  boa::storage::job_page_query bounded;
  bounded.max_scanned = 2;
  bounded.keep = [](const job_record& r) { return r.state == "finished"; };
  BOOST_TEST((pages_of(*store, bounded) == pages{{"f2"}, {"f1"}, {"old"}}));
}

BOOST_AUTO_TEST_CASE(a_page_after_a_job_that_moved_starts_where_it_was) {
  temp_dir dir{"boa-store-pages"};
  auto store = open_store(dir.path() / "jobs.db");
  for (auto [id, ms] : {std::pair{"a", 300}, {"b", 200}, {"c", 100}})
    put(*store, make_record(id, "finished", ms));
  boa::storage::job_page_query query;
  query.limit = 1;
  auto first = store->page(query);
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST_REQUIRE(first->next.has_value());
  put(*store, make_record("a", "finished", 400)); // updated since: its old entry is gone
  query.after = first->next;
  BOOST_TEST((pages_of(*store, query) == pages{{"b"}, {"c"}}));
}

BOOST_AUTO_TEST_SUITE_END()
