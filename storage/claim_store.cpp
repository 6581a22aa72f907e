#include "storage/claim_store.hpp"

#include "storage/detail/binary_codec.hpp"
#include "storage/detail/rocksdb_store.hpp"

#include <rocksdb/db.h>

// Layout (format 1): default column family only.
//   "claims-format" -> the format version, in decimal (a name no other store uses)
//   "c" LINE       -> zigzag varint version, then the message id (binary_codec strings)
//   "p" JOB        -> the pending cancel or suspend: its action, then its zigzag varint issue time
//   "r" JOB        -> the pending resume, likewise

namespace boa::storage {

namespace {

constexpr const char* format_key = "claims-format";

std::string where(const std::filesystem::path& dir) {
  return "claim store '" + dir.string() + "': ";
}

std::string key_of(std::string_view line) {
  std::string key = "c";
  key.append(line);
  return key;
}

constexpr char pending_prefix = 'p';
constexpr char resume_prefix = 'r';

std::string pending_key(std::string_view job_id, bool resume) {
  std::string key(1, resume ? resume_prefix : pending_prefix);
  key.append(job_id);
  return key;
}

} // namespace

struct claim_store::impl {
  std::filesystem::path dir;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;

  ~impl() {
    for (auto* h : handles)
      if (db)
        db->DestroyColumnFamilyHandle(h);
  }
};

claim_store::claim_store(std::unique_ptr<impl> self) : self_(std::move(self)) {}
claim_store::~claim_store() = default;

expected<std::unique_ptr<claim_store>> claim_store::open(const std::filesystem::path& dir) {
  const detail::store_identity id{where(dir), "claim store", format_key, format_version};
  auto opened =
      detail::open_database(dir, id, {rocksdb::kDefaultColumnFamilyName},
                            [](const std::string&) { return rocksdb::ColumnFamilyOptions(); });
  if (!opened)
    return std::move(opened).error();
  auto self = std::make_unique<impl>();
  self->dir = dir;
  self->db = std::move(opened->db);
  self->handles = std::move(opened->handles);
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  for (auto* h : self->handles)
    if (h->GetName() == rocksdb::kDefaultColumnFamilyName)
      meta = h;
  if (!meta)
    return error(errc::corrupt, where(dir) + "has no default column family");
  auto* db = self->db.get();
  auto checked = detail::check_format(*db, meta, id, opened->fresh, [db] {
    std::unique_ptr<rocksdb::Iterator> it{db->NewIterator(rocksdb::ReadOptions())};
    it->SeekToFirst();
    return !it->Valid();
  });
  if (!checked)
    return std::move(checked).error();
  return std::unique_ptr<claim_store>(new claim_store(std::move(self)));
}

expected<std::optional<claim>> claim_store::get(std::string_view line) {
  std::string value;
  auto s = self_->db->Get(rocksdb::ReadOptions(), key_of(line), &value);
  if (s.IsNotFound())
    return std::optional<claim>{};
  if (!s.ok())
    return detail::rocksdb_error(where(self_->dir), "reading a claim", s);
  claim c;
  detail::binary_reader in{value, "claim"};
  in.read("version", c.version);
  in.read("message_id", c.message_id);
  if (in.failure())
    return error(errc::corrupt, where(self_->dir) + *in.failure());
  return std::optional<claim>{std::move(c)};
}

expected<void> claim_store::put(std::string_view line, const claim& c) {
  std::string value;
  detail::put_int(value, c.version);
  detail::put_string(value, c.message_id);
  auto s = self_->db->Put(rocksdb::WriteOptions(), key_of(line), value);
  if (!s.ok())
    return detail::rocksdb_error(where(self_->dir), "writing a claim", s);
  return {};
}

} // namespace boa::storage

namespace boa::storage {

expected<void> claim_store::put_pending(const pending_command& c) {
  std::string value;
  detail::put_string(value, c.action);
  detail::put_int(value, c.issued_ms);
  auto s =
      self_->db->Put(rocksdb::WriteOptions(), pending_key(c.job_id, c.action == "resume"), value);
  if (!s.ok())
    return detail::rocksdb_error(where(self_->dir), "writing a pending command", s);
  return {};
}

expected<void> claim_store::erase_pending(std::string_view job_id, bool resume) {
  auto s = self_->db->Delete(rocksdb::WriteOptions(), pending_key(job_id, resume));
  if (!s.ok())
    return detail::rocksdb_error(where(self_->dir), "erasing a pending command", s);
  return {};
}

expected<std::vector<pending_command>> claim_store::pending() {
  std::vector<pending_command> found;
  for (char kind : {pending_prefix, resume_prefix}) {
    std::unique_ptr<rocksdb::Iterator> it{self_->db->NewIterator(rocksdb::ReadOptions())};
    const std::string prefix(1, kind);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      pending_command c;
      c.job_id = it->key().ToString().substr(1);
      detail::binary_reader in{std::string_view{it->value().data(), it->value().size()},
                               "pending command"};
      in.read("action", c.action);
      in.read("issued_ms", c.issued_ms);
      if (in.failure())
        return error(errc::corrupt, where(self_->dir) + *in.failure());
      found.push_back(std::move(c));
    }
    if (!it->status().ok())
      return detail::rocksdb_error(where(self_->dir), "reading pending commands", it->status());
  }
  return found;
}

} // namespace boa::storage
