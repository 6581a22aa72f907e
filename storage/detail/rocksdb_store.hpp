#pragma once

#include "protocol/expected.hpp"

#include <rocksdb/db.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace boa::storage::detail {

/// What one kind of store (job store, queue journal) says about itself in messages, and the key
/// of its format version, which tells it from other kinds.
struct store_identity {
  std::string where;           ///< prefix naming the directory: "data directory '/x': "
  std::string_view name;       ///< "job store": "cannot open the job store"
  std::string_view format_key; ///< key in the default column family
  int format_version = 0;
};

/// errc::corrupt for a corrupt database, else errc::io: "<where><doing>: <status>".
error rocksdb_error(std::string_view where, std::string_view doing, const rocksdb::Status& s);

/// A database as open_database leaves it: the caller takes over `db` and `handles`.
struct opened_database {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  bool fresh = false; ///< created by this open, so it cannot hold another kind's data
};

/// Creates `dir` if needed and opens the database in it: a new one with `families`, an existing
/// one with every family it holds (RocksDB refuses otherwise), so that a database of another kind
/// or format gets as far as check_format and is reported as such.
expected<opened_database>
open_database(const std::filesystem::path& dir, const store_identity& id,
              const std::vector<std::string>& families,
              const std::function<rocksdb::ColumnFamilyOptions(const std::string&)>& options_for);

/// Reads the format version from `meta`; writes ours into a database that is `fresh` or for which
/// `holds_nothing()` (as after a crash between creating it and writing the version).
expected<void> check_format(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta,
                            const store_identity& id, bool fresh,
                            const std::function<bool()>& holds_nothing);

} // namespace boa::storage::detail
