#include <boost/test/unit_test.hpp>

#include "../support/temp_dir.hpp"
#include "storage/job_store.hpp"
#include "storage/queue_journal.hpp"

#include <rocksdb/db.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {

using boa::storage::journal_change;
using boa::storage::queue_journal;

std::unique_ptr<queue_journal> open_journal(const std::filesystem::path& dir,
                                            boa::storage::queue_journal_options options = {}) {
  auto journal = queue_journal::open(dir, options);
  BOOST_REQUIRE_MESSAGE(journal.has_value(), (journal ? "" : journal.error().message));
  return std::move(*journal);
}

boa::storage::journal_contents load(queue_journal& journal) {
  auto contents = journal.load();
  BOOST_REQUIRE_MESSAGE(contents.has_value(), (contents ? "" : contents.error().message));
  return std::move(*contents);
}

/// "seq:bytes" of each message of `queue`, in load order.
std::vector<std::string> listing(const boa::storage::journal_contents& contents,
                                 const std::string& queue) {
  std::vector<std::string> out;
  auto i = contents.queues.find(queue);
  if (i == contents.queues.end())
    return out;
  for (const auto& m : i->second)
    out.push_back(std::to_string(m.seq) + ":" + m.bytes);
  return out;
}

void require(const boa::expected<void>& done) {
  BOOST_REQUIRE_MESSAGE(done.has_value(), (done ? "" : done.error().message));
}

/// Overwrites the journal's format version behind its back.
void set_format(const std::filesystem::path& dir, const std::string& version) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"messages", rocksdb::ColumnFamilyOptions()}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(rocksdb::DBOptions(), dir.string(), families, &handles, &raw);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  s = db->Put(rocksdb::WriteOptions(), handles[0], "queue-journal-format", version);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString());
  for (auto* handle : handles)
    db->DestroyColumnFamilyHandle(handle);
  BOOST_REQUIRE(db->Close().ok());
}

using strings = std::vector<std::string>;

} // namespace

BOOST_AUTO_TEST_SUITE(queue_journal_store)

BOOST_AUTO_TEST_CASE(a_new_journal_is_empty) {
  boa::test::temp_dir tmp;
  auto journal = open_journal(tmp.path() / "queues.db");
  auto contents = load(*journal);
  BOOST_TEST(contents.queues.empty());
  BOOST_TEST(contents.highest_seq == 0u);
  BOOST_TEST(journal->directory() == tmp.path() / "queues.db");
}

BOOST_AUTO_TEST_CASE(appended_messages_load_per_queue_in_seq_order) {
  boa::test::temp_dir tmp;
  auto journal = open_journal(tmp.path() / "queues.db");
  require(journal->append("queue:b", 3, "b3"));
  require(journal->append("queue:a", 2, "a2"));
  require(journal->append("queue:a", 1, "a1"));
  require(journal->append("queue:a.x", 4, "ax4"));
  const std::string binary("a\0z", 3);
  require(journal->append("queue:a", 300, binary));
  auto contents = load(*journal);
  BOOST_TEST(contents.queues.size() == 3u);
  BOOST_TEST(listing(contents, "queue:a") == (strings{"1:a1", "2:a2", "300:" + binary}),
             boost::test_tools::per_element());
  BOOST_TEST(listing(contents, "queue:a.x") == (strings{"4:ax4"}),
             boost::test_tools::per_element());
  BOOST_TEST(listing(contents, "queue:b") == (strings{"3:b3"}), boost::test_tools::per_element());
  BOOST_TEST(contents.highest_seq == 300u);
}

BOOST_AUTO_TEST_CASE(removed_messages_do_not_load_and_removing_a_missing_one_succeeds) {
  boa::test::temp_dir tmp;
  auto journal = open_journal(tmp.path() / "queues.db");
  require(journal->append("queue:a", 1, "a1"));
  require(journal->append("queue:a", 2, "a2"));
  require(journal->append("queue:b", 3, "b3"));
  require(journal->remove("queue:a", 1));
  require(journal->remove("queue:b", 3));
  require(journal->remove("queue:b", 99));
  auto contents = load(*journal);
  BOOST_TEST(listing(contents, "queue:a") == (strings{"2:a2"}), boost::test_tools::per_element());
  BOOST_TEST(contents.queues.count("queue:b") == 0u);
}

BOOST_AUTO_TEST_CASE(a_batch_applies_its_changes_in_order) {
  boa::test::temp_dir tmp;
  auto journal = open_journal(tmp.path() / "queues.db");
  require(journal->append("queue:work", 1, "job"));
  std::vector<journal_change> move_to_dead = {
      {journal_change::kind::append, "queue:boa.dead", 2, "job"},
      {journal_change::kind::remove, "queue:work", 1, {}},
      {journal_change::kind::append, "queue:work", 3, "first"},
      {journal_change::kind::remove, "queue:work", 3, {}},
      {journal_change::kind::append, "queue:work", 3, "second"},
  };
  require(journal->write(move_to_dead));
  auto contents = load(*journal);
  BOOST_TEST(listing(contents, "queue:boa.dead") == (strings{"2:job"}),
             boost::test_tools::per_element());
  BOOST_TEST(listing(contents, "queue:work") == (strings{"3:second"}),
             boost::test_tools::per_element());
  BOOST_TEST(contents.highest_seq == 3u);
}

BOOST_AUTO_TEST_CASE(a_batch_with_an_invalid_change_writes_nothing) {
  boa::test::temp_dir tmp;
  auto journal = open_journal(tmp.path() / "queues.db");
  std::vector<journal_change> changes = {
      {journal_change::kind::append, "queue:work", 1, "kept?"},
      {journal_change::kind::append, std::string_view("queue:\0bad", 10), 2, "bad"},
  };
  auto written = journal->write(changes);
  BOOST_REQUIRE(!written.has_value());
  BOOST_TEST(written.error().code == boa::errc::invalid_input);
  BOOST_TEST(written.error().message.find("NUL") != std::string::npos, written.error().message);
  auto empty_name = journal->append("", 3, "x");
  BOOST_TEST(!empty_name.has_value());
  auto contents = load(*journal);
  BOOST_TEST(contents.queues.empty());
  BOOST_TEST(contents.highest_seq == 0u);
}

BOOST_AUTO_TEST_CASE(messages_and_the_highest_seq_survive_a_reopen) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto journal = open_journal(dir);
    require(journal->append("queue:a", 1, "a1"));
    require(journal->append("queue:a", 7, "a7"));
    require(journal->remove("queue:a", 7));
  }
  auto journal = open_journal(dir);
  auto contents = load(*journal);
  BOOST_TEST(listing(contents, "queue:a") == (strings{"1:a1"}), boost::test_tools::per_element());
  BOOST_TEST(contents.highest_seq == 7u, "the removed message's seq is still taken");
}

BOOST_AUTO_TEST_CASE(the_highest_seq_never_goes_down) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto journal = open_journal(dir);
    require(journal->append("queue:a", 9, "a9"));
    require(journal->append("queue:a", 4, "a4"));
    require(journal->remove("queue:a", 9));
    BOOST_TEST(load(*journal).highest_seq == 9u);
  }
  auto journal = open_journal(dir);
  BOOST_TEST(load(*journal).highest_seq == 9u);
}

BOOST_AUTO_TEST_CASE(a_journal_that_syncs_every_write_reads_back_the_same) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto journal = open_journal(dir, {.sync = true});
    require(journal->append("queue:a", 1, "a1"));
  }
  auto journal = open_journal(dir);
  BOOST_TEST(listing(load(*journal), "queue:a") == (strings{"1:a1"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_journal_of_another_format_is_refused_naming_its_directory) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  open_journal(dir).reset();
  set_format(dir, "2");
  auto journal = queue_journal::open(dir);
  BOOST_REQUIRE(!journal.has_value());
  const auto& e = journal.error();
  BOOST_TEST(e.code == boa::errc::corrupt);
  BOOST_TEST(e.message.find(dir.string()) != std::string::npos, e.message);
  BOOST_TEST(e.message.find("format 2 is not supported") != std::string::npos, e.message);
}

BOOST_AUTO_TEST_CASE(a_journal_whose_format_is_not_a_number_is_refused) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  open_journal(dir).reset();
  set_format(dir, "one");
  auto journal = queue_journal::open(dir);
  BOOST_REQUIRE(!journal.has_value());
  BOOST_TEST(journal.error().code == boa::errc::corrupt);
  BOOST_TEST(journal.error().message.find("'one' is not a number") != std::string::npos,
             journal.error().message);
}

BOOST_AUTO_TEST_CASE(a_job_store_is_not_taken_for_a_journal_and_is_left_unchanged) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "jobs.db";
  {
    auto store = boa::storage::job_store::open(dir);
    BOOST_REQUIRE_MESSAGE(store.has_value(), (store ? "" : store.error().message));
  }
  auto journal = queue_journal::open(dir);
  BOOST_REQUIRE(!journal.has_value());
  BOOST_TEST(journal.error().code == boa::errc::corrupt);
  BOOST_TEST(journal.error().message.find("not a queue journal") != std::string::npos,
             journal.error().message);
  BOOST_TEST(journal.error().message.find(dir.string()) != std::string::npos);
  auto store = boa::storage::job_store::open(dir);
  BOOST_TEST(store.has_value(), "the job store still opens");
}

BOOST_AUTO_TEST_CASE(a_journal_open_elsewhere_is_refused_naming_its_directory) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  auto first = open_journal(dir);
  auto second = queue_journal::open(dir);
  BOOST_REQUIRE(!second.has_value());
  BOOST_TEST(second.error().code == boa::errc::io);
  BOOST_TEST(second.error().message.find(dir.string()) != std::string::npos,
             second.error().message);
}

BOOST_AUTO_TEST_CASE(a_file_in_the_way_of_the_directory_is_reported) {
  boa::test::temp_dir tmp;
  auto path = tmp.path() / "queues.db";
  std::ofstream(path) << "not a directory";
  auto journal = queue_journal::open(path);
  BOOST_REQUIRE(!journal.has_value());
  BOOST_TEST(journal.error().code == boa::errc::io);
  BOOST_TEST(journal.error().message.find(path.string()) != std::string::npos,
             journal.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
