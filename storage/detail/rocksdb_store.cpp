#include "storage/detail/rocksdb_store.hpp"

#include <charconv>
#include <system_error>

namespace boa::storage::detail {

error rocksdb_error(std::string_view where, std::string_view doing, const rocksdb::Status& s) {
  return error(s.IsCorruption() ? errc::corrupt : errc::io,
               std::string(where) + std::string(doing) + ": " + s.ToString());
}

expected<opened_database>
open_database(const std::filesystem::path& dir, const store_identity& id,
              const std::vector<std::string>& families,
              const std::function<rocksdb::ColumnFamilyOptions(const std::string&)>& options_for) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec))
    return error(errc::io, id.where + "cannot create the directory: " +
                               (ec ? ec.message() : "a file of that name is in the way"));

  const std::string cannot_open = "cannot open the " + std::string(id.name);
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.keep_log_file_num = 10;
  // Memtables of all column families together. Without a cap each family fills up to 64 MiB
  // (two while one flushes) before it is written out, so a node's memory grew with a flood of
  // jobs until every family of the job store, the claims and the broker's journal was full.
  options.db_write_buffer_size = 16 * 1024 * 1024;
  std::vector<std::string> names = families;
  opened_database opened;
  opened.fresh = !std::filesystem::exists(dir / "CURRENT", ec);
  if (opened.fresh) {
    options.create_missing_column_families = true;
  } else {
    auto s = rocksdb::DB::ListColumnFamilies(options, dir.string(), &names);
    if (!s.ok())
      return rocksdb_error(id.where, cannot_open, s);
  }

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names)
    descriptors.emplace_back(name, options_for(name));
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::Open(options, dir.string(), descriptors, &opened.handles, &db);
  if (!s.ok())
    return rocksdb_error(id.where, cannot_open, s);
  opened.db.reset(db);
  return opened;
}

expected<void> check_format(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta,
                            const store_identity& id, bool fresh,
                            const std::function<bool()>& holds_nothing) {
  const std::string name(id.name);
  std::string value;
  auto s = db.Get(rocksdb::ReadOptions(), meta, id.format_key, &value);
  if (s.IsNotFound()) {
    if (!fresh && !holds_nothing())
      return error(errc::corrupt, id.where + "holds a RocksDB database without a " + name +
                                      " format version; it is not a " + name);
    s = db.Put(rocksdb::WriteOptions(), meta, id.format_key, std::to_string(id.format_version));
    if (s.ok())
      s = db.Flush(rocksdb::FlushOptions(), meta);
    if (!s.ok())
      return rocksdb_error(id.where, "cannot write the " + name + " format version", s);
    return {};
  }
  if (!s.ok())
    return rocksdb_error(id.where, "cannot read the " + name + " format version", s);
  int version = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), version);
  if (ec != std::errc() || end != value.data() + value.size())
    return error(errc::corrupt, id.where + name + " format '" + value + "' is not a number");
  if (version != id.format_version)
    return error(errc::corrupt, id.where + name + " format " + std::to_string(version) +
                                    " is not supported (this boa reads format " +
                                    std::to_string(id.format_version) + ")");
  return {};
}

} // namespace boa::storage::detail
