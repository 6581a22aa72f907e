#include "storage/queue_journal.hpp"

#include "storage/detail/binary_codec.hpp"
#include "storage/detail/rocksdb_store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <mutex>

// Layout (format 1). Column families and their keys:
//   default   "queue-journal-format" -> the format version, in decimal
//             "highest-seq"          -> the highest seq ever appended (unsigned 64-bit big-endian)
//   messages  queue '\0' seq(big-endian 64-bit) -> the message bytes
// Keys sort by queue, then by seq, so one scan yields each queue in order. The format key is not
// the job store's "format", so neither store mistakes the other for one of its own.

namespace boa::storage {

namespace {

using detail::append_be64;
using detail::read_be64;

constexpr const char* format_key = "queue-journal-format";
constexpr const char* highest_key = "highest-seq";
constexpr const char* messages_cf = "messages";
constexpr std::size_t seq_size = 8;

std::string message_key(std::string_view queue, std::uint64_t seq) {
  std::string key;
  key.reserve(queue.size() + 1 + seq_size);
  key.append(queue);
  key.push_back('\0');
  append_be64(key, seq);
  return key;
}

std::string where(const std::filesystem::path& dir) {
  return "queue journal '" + dir.string() + "': ";
}

error failure(const std::filesystem::path& dir, std::string_view doing, const rocksdb::Status& s) {
  return detail::rocksdb_error(where(dir), doing, s);
}

detail::store_identity identity(const std::filesystem::path& dir) {
  return {where(dir), "queue journal", format_key, queue_journal::format_version};
}

expected<void> check_queue_name(const std::filesystem::path& dir, std::string_view queue) {
  if (queue.empty() || queue.find('\0') != std::string_view::npos)
    return error(errc::invalid_input, where(dir) + "queue name '" + std::string(queue) +
                                          "' must be non-empty and hold no NUL byte");
  return {};
}

rocksdb::ColumnFamilyOptions messages_options() {
  rocksdb::ColumnFamilyOptions options;
  // A queue's keys are written once and deleted soon after: compact files that fill up with
  // deletions, so that a scan at start does not wade through them.
  options.table_properties_collector_factories.push_back(
      rocksdb::NewCompactOnDeletionCollectorFactory(128, 64));
  return options;
}

} // namespace

struct queue_journal::impl {
  std::filesystem::path dir;
  rocksdb::WriteOptions write_options;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* messages = nullptr;
  // Held across a write that raises the highest seq, so that the stored value never goes down.
  std::mutex highest_mutex;
  std::uint64_t highest = 0;

  ~impl() {
    if (!db)
      return;
    for (auto* handle : handles)
      db->DestroyColumnFamilyHandle(handle);
    db->Close();
  }

  error fail(std::string_view doing, const rocksdb::Status& s) const {
    return failure(dir, doing, s);
  }

  /// True if no column family holds a key (as after a crash between creating the journal and
  /// writing its format version).
  bool holds_nothing() {
    for (auto* handle : handles) {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handle));
      it->SeekToFirst();
      if (it->Valid() || !it->status().ok())
        return false;
    }
    return true;
  }

  expected<void> check_format(bool fresh) {
    return detail::check_format(*db, meta, identity(dir), fresh, [&] { return holds_nothing(); });
  }

  expected<void> load_highest() {
    std::string value;
    auto s = db->Get(rocksdb::ReadOptions(), meta, highest_key, &value);
    if (s.IsNotFound())
      return {};
    if (!s.ok())
      return fail("cannot read the highest message seq", s);
    if (value.size() != seq_size)
      return error(errc::corrupt, where(dir) + "highest message seq is not an 8-byte number");
    highest = read_be64(value);
    return {};
  }
};

queue_journal::queue_journal(std::unique_ptr<impl> self) : self_(std::move(self)) {}

queue_journal::~queue_journal() = default;

expected<std::unique_ptr<queue_journal>> queue_journal::open(const std::filesystem::path& dir,
                                                             queue_journal_options options) {
  auto opened = detail::open_database(
      dir, identity(dir), {rocksdb::kDefaultColumnFamilyName, messages_cf},
      [](const std::string& name) {
        return name == messages_cf ? messages_options() : rocksdb::ColumnFamilyOptions();
      });
  if (!opened)
    return std::move(opened).error();
  const bool fresh = opened->fresh;
  auto self = std::make_unique<impl>();
  self->dir = dir;
  self->write_options.sync = options.sync;
  self->db = std::move(opened->db);
  self->handles = std::move(opened->handles);

  for (auto* handle : self->handles) {
    if (handle->GetName() == rocksdb::kDefaultColumnFamilyName)
      self->meta = handle;
    else if (handle->GetName() == messages_cf)
      self->messages = handle;
  }
  if (auto checked = self->check_format(fresh); !checked)
    return std::move(checked).error();
  if (!self->messages) {
    // Only a journal that crashed before its first write lacks the family; the format check
    // above has made sure the database is ours.
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    auto s = self->db->CreateColumnFamily(messages_options(), messages_cf, &handle);
    if (!s.ok())
      return failure(dir, "cannot create the messages column family", s);
    self->handles.push_back(handle);
    self->messages = handle;
  }
  if (auto loaded = self->load_highest(); !loaded)
    return std::move(loaded).error();
  return std::unique_ptr<queue_journal>(new queue_journal(std::move(self)));
}

expected<void> queue_journal::append(std::string_view queue, std::uint64_t seq,
                                     std::string_view message) {
  journal_change change{journal_change::kind::append, queue, seq, message};
  return write({&change, 1});
}

expected<void> queue_journal::remove(std::string_view queue, std::uint64_t seq) {
  journal_change change{journal_change::kind::remove, queue, seq, {}};
  return write({&change, 1});
}

expected<void> queue_journal::write(std::span<const journal_change> changes) {
  if (changes.empty())
    return {};
  auto& s = *self_;
  rocksdb::WriteBatch batch;
  std::uint64_t top = 0;
  for (const auto& change : changes) {
    if (auto ok = check_queue_name(s.dir, change.queue); !ok)
      return ok;
    auto key = message_key(change.queue, change.seq);
    if (change.what == journal_change::kind::append) {
      batch.Put(s.messages, key, rocksdb::Slice(change.message.data(), change.message.size()));
      top = std::max(top, change.seq);
    } else {
      batch.Delete(s.messages, key);
    }
  }
  auto doing = [&] {
    if (changes.size() > 1)
      return "cannot write " + std::to_string(changes.size()) + " changes";
    return "cannot write message " + std::to_string(changes[0].seq) + " of queue '" +
           std::string(changes[0].queue) + "'";
  };
  std::unique_lock<std::mutex> guard;
  if (top > 0) {
    guard = std::unique_lock(s.highest_mutex);
    if (top > s.highest) {
      std::string value;
      append_be64(value, top);
      batch.Put(s.meta, highest_key, value);
    }
  }
  auto status = s.db->Write(s.write_options, &batch);
  if (!status.ok())
    return s.fail(doing(), status);
  if (top > s.highest)
    s.highest = top;
  return {};
}

expected<journal_contents> queue_journal::load() {
  auto& s = *self_;
  journal_contents out;
  {
    std::lock_guard guard(s.highest_mutex);
    out.highest_seq = s.highest;
  }
  std::unique_ptr<rocksdb::Iterator> it(s.db->NewIterator(rocksdb::ReadOptions(), s.messages));
  std::vector<journaled_message>* current = nullptr;
  std::string_view current_queue;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = it->key().ToStringView();
    if (key.size() < seq_size + 2 || key[key.size() - seq_size - 1] != '\0')
      return error(errc::corrupt, where(s.dir) + "message key of " + std::to_string(key.size()) +
                                      " bytes is not a queue name, a NUL byte and a seq");
    auto queue = key.substr(0, key.size() - seq_size - 1);
    auto seq = read_be64(key.substr(key.size() - seq_size));
    if (!current || queue != current_queue) {
      auto slot = out.queues.try_emplace(std::string(queue)).first;
      current = &slot->second;
      current_queue = slot->first;
    }
    current->push_back({seq, it->value().ToString()});
    out.highest_seq = std::max(out.highest_seq, seq);
  }
  if (!it->status().ok())
    return s.fail("cannot read the stored messages", it->status());
  return out;
}

const std::filesystem::path& queue_journal::directory() const {
  return self_->dir;
}

} // namespace boa::storage
