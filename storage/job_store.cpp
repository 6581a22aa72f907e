#include "storage/job_store.hpp"

#include "storage/detail/binary_codec.hpp"
#include "storage/detail/record_codec.hpp"
#include "storage/detail/rocksdb_store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <functional>
#include <initializer_list>
#include <mutex>

// Layout (format 1). Column families and their keys:
//   default       "format" -> the format version, in decimal
//   jobs          id -> detail::encode_record(record)
//   by_state      state '\0' inverted(updated_ms) id -> ""
//   by_time       inverted(updated_ms) id -> ""
//   state_counts  state -> number of records in that state (unsigned 64-bit big-endian)
// inverted() is big-endian and decreases as time grows, so index order is newest first.
// Counters are plain puts, not a RocksDB merge operator: a tool that opens the store without a
// registered merge operator would drop the tail of the write-ahead log as unreadable.

namespace boa::storage {

namespace {

using detail::append_be64;
using detail::read_be64;

constexpr const char* format_key = "format";
constexpr const char* jobs_cf = "jobs";
constexpr const char* by_state_cf = "by_state";
constexpr const char* by_time_cf = "by_time";
constexpr const char* counts_cf = "state_counts";
constexpr std::size_t time_size = 8;

/// Big-endian bytes that sort newest first: flip the sign bit for unsigned order, then invert.
std::string inverted_time(std::int64_t ms) {
  std::string out;
  append_be64(out, ~(static_cast<std::uint64_t>(ms) ^ (std::uint64_t{1} << 63)));
  return out;
}

/// The time `inverted_time` wrote into the first 8 bytes of `bytes`.
std::int64_t time_of(std::string_view bytes) {
  return static_cast<std::int64_t>(~read_be64(bytes) ^ (std::uint64_t{1} << 63));
}

std::string state_prefix(std::string_view state) {
  std::string key(state);
  key.push_back('\0');
  return key;
}

std::string by_state_key(std::string_view state, std::int64_t updated_ms, std::string_view id) {
  return state_prefix(state) + inverted_time(updated_ms) + std::string(id);
}

std::string by_time_key(std::int64_t updated_ms, std::string_view id) {
  return inverted_time(updated_ms) + std::string(id);
}

std::string where(const std::filesystem::path& dir) {
  return "data directory '" + dir.string() + "': ";
}

error failure(const std::filesystem::path& dir, std::string_view doing, const rocksdb::Status& s) {
  return detail::rocksdb_error(where(dir), doing, s);
}

detail::store_identity identity(const std::filesystem::path& dir) {
  return {where(dir), "job store", format_key, job_store::format_version};
}

expected<void> check_state_name(std::string_view id, std::string_view state) {
  if (state.empty() || state.find('\0') != std::string_view::npos)
    return error(errc::invalid_input,
                 "job '" + std::string(id) + "': state must be non-empty and hold no NUL byte");
  return {};
}

} // namespace

struct job_store::impl {
  std::filesystem::path dir;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* jobs = nullptr;
  rocksdb::ColumnFamilyHandle* by_state = nullptr;
  rocksdb::ColumnFamilyHandle* by_time = nullptr;
  rocksdb::ColumnFamilyHandle* counts = nullptr;
  // Serializes read-old-record-then-write per id, so concurrent puts of one job keep its index
  // entries exact; different jobs rarely share a stripe.
  std::array<std::mutex, 64> stripes;
  // The state_counts family as of the last write, so that a change of state needs no read. Held
  // across the write that changes a counter; most puts (step after step in one state) skip it.
  std::mutex counts_mutex;
  std::map<std::string, std::uint64_t> counts_by_state;

  ~impl() {
    if (!db)
      return;
    for (auto* handle : handles)
      db->DestroyColumnFamilyHandle(handle);
    db->Close();
  }

  std::mutex& stripe(std::string_view id) {
    return stripes[std::hash<std::string_view>{}(id) % stripes.size()];
  }

  error fail(std::string_view doing, const rocksdb::Status& s) const {
    return failure(dir, doing, s);
  }

  expected<void> load_counts() {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), counts));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->value().size() != 8)
        return error(errc::corrupt, where(dir) + "job count of state '" + it->key().ToString() +
                                        "' is not an 8-byte number");
      counts_by_state[it->key().ToString()] = read_be64(it->value().ToStringView());
    }
    if (!it->status().ok())
      return fail("cannot read the job counts", it->status());
    return {};
  }

  /// Adds one record, and the removal of its previous version's index keys, to `batch`; notes
  /// the state counter changes in `deltas`.
  expected<void> stage_put(const job_record& record, rocksdb::WriteBatch& batch,
                           std::vector<std::pair<std::string, int>>& deltas) {
    if (record.id.empty())
      return error(errc::invalid_input, "job record has an empty id");
    if (auto ok = check_state_name(record.id, record.state); !ok)
      return ok;
    rocksdb::PinnableSlice old_value;
    auto status = db->Get(rocksdb::ReadOptions(), jobs, record.id, &old_value);
    std::optional<detail::record_head> old;
    if (status.ok()) {
      auto head = detail::decode_record_head(record.id, old_value.ToStringView());
      if (!head)
        return std::move(head).error();
      old = std::move(*head);
      batch.Delete(by_state, by_state_key(old->state, old->updated_ms, record.id));
      batch.Delete(by_time, by_time_key(old->updated_ms, record.id));
    } else if (!status.IsNotFound()) {
      return fail("job '" + record.id + "': cannot read the previous record", status);
    }
    // Deletes above and puts below may name the same index key; later entries of a batch win.
    batch.Put(jobs, record.id, detail::encode_record(record));
    batch.Put(by_state, by_state_key(record.state, record.updated_ms, record.id), {});
    batch.Put(by_time, by_time_key(record.updated_ms, record.id), {});
    if (!old) {
      deltas.emplace_back(record.state, +1);
    } else if (old->state != record.state) {
      deltas.emplace_back(old->state, -1);
      deltas.emplace_back(record.state, +1);
    }
    return {};
  }

  /// Writes `batch` after adding to it the counter changes `deltas` (state, +1 or -1) implies.
  expected<void> write(rocksdb::WriteBatch& batch,
                       const std::vector<std::pair<std::string, int>>& deltas,
                       std::string_view id) {
    std::unique_lock<std::mutex> guard;
    std::map<std::string, std::uint64_t> changed;
    if (!deltas.empty()) {
      guard = std::unique_lock(counts_mutex);
      for (auto [state, delta] : deltas) {
        std::string key(state);
        std::uint64_t count = 0;
        if (auto it = changed.find(key); it != changed.end())
          count = it->second;
        else if (auto known = counts_by_state.find(key); known != counts_by_state.end())
          count = known->second;
        changed[key] = delta > 0 ? count + 1 : count > 0 ? count - 1 : 0;
      }
      for (const auto& [state, count] : changed) {
        if (count == 0) {
          batch.Delete(counts, state);
        } else {
          std::string value;
          append_be64(value, count);
          batch.Put(counts, state, value);
        }
      }
    }
    auto status = db->Write(rocksdb::WriteOptions(), &batch);
    if (!status.ok())
      return fail("job '" + std::string(id) + "': cannot write", status);
    for (const auto& [state, count] : changed)
      if (count == 0)
        counts_by_state.erase(state);
      else
        counts_by_state[state] = count;
    return {};
  }

  /// True if the store holds no record (as after a crash between creating it and writing the
  /// format version).
  bool holds_no_record() {
    if (!jobs)
      return false;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), jobs));
    it->SeekToFirst();
    return !it->Valid() && it->status().ok();
  }

  expected<void> check_format(bool fresh) {
    return detail::check_format(*db, meta, identity(dir), fresh, [&] { return holds_no_record(); });
  }
};

job_store::job_store(std::unique_ptr<impl> self) : self_(std::move(self)) {}

job_store::~job_store() = default;

expected<std::unique_ptr<job_store>> job_store::open(const std::filesystem::path& dir) {
  const std::vector<std::string> ours = {rocksdb::kDefaultColumnFamilyName, jobs_cf, by_state_cf,
                                         by_time_cf, counts_cf};
  auto opened = detail::open_database(
      dir, identity(dir), ours, [](const std::string&) { return rocksdb::ColumnFamilyOptions(); });
  if (!opened)
    return std::move(opened).error();
  const bool fresh = opened->fresh;
  auto self = std::make_unique<impl>();
  self->dir = dir;
  self->db = std::move(opened->db);
  self->handles = std::move(opened->handles);

  std::array<rocksdb::ColumnFamilyHandle**, 5> slots = {&self->meta, &self->jobs, &self->by_state,
                                                        &self->by_time, &self->counts};
  for (auto* handle : self->handles)
    for (std::size_t i = 0; i < ours.size(); ++i)
      if (handle->GetName() == ours[i])
        *slots[i] = handle;
  if (auto checked = self->check_format(fresh); !checked)
    return std::move(checked).error();
  for (auto* slot : slots)
    if (*slot == nullptr)
      return error(errc::corrupt, where(dir) + "job store lacks one of its column families");
  if (auto loaded = self->load_counts(); !loaded)
    return std::move(loaded).error();
  return std::unique_ptr<job_store>(new job_store(std::move(self)));
}

expected<void> job_store::put(const job_record& record) {
  return put_many(std::vector<job_record>{record});
}

expected<void> job_store::put_many(const std::vector<job_record>& records) {
  if (records.empty())
    return {};
  auto& s = *self_;
  // The last record of each id wins; lock each id's stripe, in stripe order, for the whole write.
  std::map<std::string_view, const job_record*> last;
  for (const auto& r : records)
    last[r.id] = &r;
  std::vector<std::size_t> stripe_ids;
  for (const auto& [id, r] : last)
    stripe_ids.push_back(std::hash<std::string_view>{}(id) % s.stripes.size());
  std::sort(stripe_ids.begin(), stripe_ids.end());
  stripe_ids.erase(std::unique(stripe_ids.begin(), stripe_ids.end()), stripe_ids.end());
  std::vector<std::unique_lock<std::mutex>> guards;
  guards.reserve(stripe_ids.size());
  for (auto i : stripe_ids)
    guards.emplace_back(s.stripes[i]);

  rocksdb::WriteBatch batch;
  std::vector<std::pair<std::string, int>> deltas;
  for (const auto& [id, r] : last)
    if (auto staged = s.stage_put(*r, batch, deltas); !staged)
      return staged;
  return s.write(batch, deltas, last.size() == 1 ? last.begin()->first : "(several jobs)");
}

expected<std::optional<job_record>> job_store::get(std::string_view id) {
  auto& s = *self_;
  rocksdb::PinnableSlice value;
  auto status = s.db->Get(rocksdb::ReadOptions(), s.jobs, id, &value);
  if (status.IsNotFound())
    return std::optional<job_record>();
  if (!status.ok())
    return s.fail("job '" + std::string(id) + "': cannot read the record", status);
  auto record = detail::decode_record(id, value.ToStringView());
  if (!record)
    return std::move(record).error();
  return std::optional<job_record>(std::move(*record));
}

expected<std::vector<job_record>> job_store::list(std::optional<std::string> state,
                                                  std::size_t limit, std::int64_t before_ms) {
  auto& s = *self_;
  std::vector<job_record> out;
  if (state && (state->empty() || state->find('\0') != std::string::npos))
    return error(errc::invalid_input, "cannot list jobs: a state must be non-empty and hold no "
                                      "NUL byte");
  if (limit == 0)
    return out;

  // One snapshot for the index and the records, so each entry meets the version it indexes.
  rocksdb::ManagedSnapshot snapshot(s.db.get());
  rocksdb::ReadOptions read;
  read.snapshot = snapshot.snapshot();

  const std::string prefix = state ? state_prefix(*state) : std::string();
  std::string upper; // one past every key with `prefix`: the NUL that ends the state becomes 1
  rocksdb::Slice upper_slice;
  if (state) {
    upper = prefix;
    upper.back() = '\1';
    upper_slice = upper;
    read.iterate_upper_bound = &upper_slice;
  }
  std::string start = prefix;
  if (before_ms > 0)
    start += inverted_time(before_ms - 1);

  std::unique_ptr<rocksdb::Iterator> it(s.db->NewIterator(read, state ? s.by_state : s.by_time));
  for (it->Seek(start); it->Valid() && out.size() < limit; it->Next()) {
    auto key = it->key().ToStringView();
    if (key.size() < prefix.size() + time_size)
      return error(errc::corrupt, where(s.dir) + "job index key is too short to hold a time");
    auto id = key.substr(prefix.size() + time_size);
    rocksdb::PinnableSlice value;
    auto status = s.db->Get(read, s.jobs, id, &value);
    if (status.IsNotFound())
      continue; // left behind by the erase of an undecodable record
    if (!status.ok())
      return s.fail("job '" + std::string(id) + "': cannot read the record", status);
    auto record = detail::decode_record(id, value.ToStringView());
    if (!record)
      return std::move(record).error();
    if (key.substr(prefix.size(), time_size) != inverted_time(record->updated_ms) ||
        (state && record->state != *state))
      continue; // likewise stale
    out.push_back(std::move(*record));
  }
  if (!it->status().ok())
    return s.fail("cannot list jobs", it->status());
  return out;
}

expected<job_page> job_store::page(const job_page_query& query) {
  auto& s = *self_;
  job_page out;
  const auto& state = query.state;
  if (state && (state->empty() || state->find('\0') != std::string::npos))
    return error(errc::invalid_input, "cannot list jobs: a state must be non-empty and hold no "
                                      "NUL byte");
  if (query.limit == 0)
    return out;

  rocksdb::ManagedSnapshot snapshot(s.db.get());
  rocksdb::ReadOptions read;
  read.snapshot = snapshot.snapshot();
  const std::string prefix = state ? state_prefix(*state) : std::string();
  std::string upper;
  rocksdb::Slice upper_slice;
  if (state) {
    upper = prefix;
    upper.back() = '\1';
    upper_slice = upper;
    read.iterate_upper_bound = &upper_slice;
  }
  // Index keys end with the id, so within one millisecond they sort by id: the entry after the
  // cursor's own key is the next one to show.
  std::string start = prefix;
  if (query.after)
    start += inverted_time(query.after->ms) + query.after->id;

  std::unique_ptr<rocksdb::Iterator> it(s.db->NewIterator(read, state ? s.by_state : s.by_time));
  std::size_t scanned = 0;
  list_cursor last; // the last entry looked at
  it->Seek(start);
  if (query.after && it->Valid() && it->key().ToStringView() == start)
    it->Next();
  for (; it->Valid(); it->Next()) {
    auto key = it->key().ToStringView();
    if (key.size() < prefix.size() + time_size)
      return error(errc::corrupt, where(s.dir) + "job index key is too short to hold a time");
    const auto updated_ms = time_of(key.substr(prefix.size(), time_size));
    if (updated_ms < query.since_ms)
      break; // older than asked for: the listing ends here
    if (out.records.size() == query.limit || scanned == query.max_scanned) {
      out.next = std::move(last); // there is more; the next page starts after what we saw
      break;
    }
    ++scanned;
    const auto id = key.substr(prefix.size() + time_size);
    last = list_cursor{updated_ms, std::string(id)};
    rocksdb::PinnableSlice value;
    auto status = s.db->Get(read, s.jobs, id, &value);
    if (status.IsNotFound())
      continue; // left behind by the erase of an undecodable record
    if (!status.ok())
      return s.fail("job '" + std::string(id) + "': cannot read the record", status);
    auto record = detail::decode_record(id, value.ToStringView());
    if (!record)
      return std::move(record).error();
    if (record->updated_ms != updated_ms || (state && record->state != *state))
      continue; // likewise stale
    if (query.keep && !query.keep(*record))
      continue;
    out.records.push_back(std::move(*record));
  }
  if (!it->status().ok())
    return s.fail("cannot list jobs", it->status());
  return out;
}

expected<std::map<std::string, std::uint64_t>> job_store::count_by_state() {
  std::lock_guard guard(self_->counts_mutex);
  return self_->counts_by_state;
}

expected<void> job_store::erase(std::string_view id) {
  auto& s = *self_;
  std::lock_guard guard(s.stripe(id));
  rocksdb::PinnableSlice old_value;
  auto status = s.db->Get(rocksdb::ReadOptions(), s.jobs, id, &old_value);
  if (status.IsNotFound())
    return {};
  if (!status.ok())
    return s.fail("job '" + std::string(id) + "': cannot read the record", status);
  rocksdb::WriteBatch batch;
  batch.Delete(s.jobs, id);
  auto old = detail::decode_record_head(id, old_value.ToStringView());
  if (!old) // it still goes; its index entries stay behind and list() passes over them
    return s.write(batch, {}, id);
  batch.Delete(s.by_state, by_state_key(old->state, old->updated_ms, id));
  batch.Delete(s.by_time, by_time_key(old->updated_ms, id));
  return s.write(batch, {{old->state, -1}}, id);
}

} // namespace boa::storage
