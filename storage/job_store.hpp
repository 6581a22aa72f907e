#pragma once

#include "protocol/expected.hpp"
#include "storage/job_record.hpp"
#include "storage/list_cursor.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boa::storage {

/// Which records `job_store::page` returns, newest `updated_ms` first (ties by id).
struct job_page_query {
  std::optional<std::string> state; ///< only records in this state (read from its index)
  std::int64_t since_ms = 0;        ///< only records updated at or after this
  /// Start strictly after this entry (`updated_ms` and id): the `next` of the page before.
  std::optional<list_cursor> after;
  /// Keeps only the records it says yes to; empty: every record.
  std::function<bool(const job_record&)> keep;
  std::size_t limit = 50;
  /// Index entries one page looks at, at most: a `keep` that says no to most records makes
  /// short pages rather than a scan of the whole store.
  std::size_t max_scanned = 10000;
};

struct job_page {
  std::vector<job_record> records;
  /// Where the next page starts; nullopt when no record is left to look at.
  std::optional<list_cursor> next;
};

/// The job metadata of one node, in RocksDB, indexed by state and by update time so that listing
/// recent or running jobs never scans every record. Every member is safe to call concurrently.
class job_store {
public:
  /// The on-disk format this build reads and writes.
  static constexpr int format_version = 1;

  /// Opens the store in `dir`, creating the directory and an empty store if needed. Fails, naming
  /// the directory, if it is locked by another open store, is not a directory, or holds a store of
  /// another format.
  static expected<std::unique_ptr<job_store>> open(const std::filesystem::path& dir);

  ~job_store();
  job_store(const job_store&) = delete;
  job_store& operator=(const job_store&) = delete;

  /// Inserts or replaces the record with `record.id`, moving its index entries in the same atomic
  /// write. `id` and `state` must be non-empty and `state` must not hold a NUL byte.
  expected<void> put(const job_record& record);
  /// Like `put` for many records in one atomic write: cheaper per record than one put each. When
  /// several records share an id, the last one wins.
  expected<void> put_many(const std::vector<job_record>& records);

  /// The record with that id, or nullopt if there is none; errc::corrupt if it cannot be decoded.
  expected<std::optional<job_record>> get(std::string_view id);

  /// Up to `limit` records, newest `updated_ms` first, only those in `state` if given, and only
  /// those updated strictly before `before_ms` if it is positive (pass the last `updated_ms` of a
  /// page to get the next one).
  expected<std::vector<job_record>> list(std::optional<std::string> state, std::size_t limit,
                                         std::int64_t before_ms = 0);

  /// One page of records as `query` says (see job_page_query).
  expected<job_page> page(const job_page_query& query);

  /// Number of records in each state; states with no records are left out.
  expected<std::map<std::string, std::uint64_t>> count_by_state();

  /// Removes the record and its index entries; succeeds if there is no such record.
  expected<void> erase(std::string_view id);

private:
  struct impl;
  explicit job_store(std::unique_ptr<impl> self);
  std::unique_ptr<impl> self_;
};

} // namespace boa::storage
