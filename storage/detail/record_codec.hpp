#pragma once

#include "protocol/expected.hpp"
#include "storage/job_record.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace boa::storage::detail {

/// The stored form of a job record (format 1), without the id, which is the record's key:
///   state workflow revision step parent_id folder created_ms updated_ms ended_ms body
/// Strings are a LEB128 varint length followed by the bytes; integers are zigzag LEB128 varints.
/// Nothing may follow `body`. A new field means a new store format.
std::string encode_record(const job_record& record);

/// Rebuilds the record stored under `id`; errc::corrupt naming the id if `bytes` is not exactly one
/// encoded record.
expected<job_record> decode_record(std::string_view id, std::string_view bytes);

/// The fields the store's indexes are built from.
struct record_head {
  std::string state;
  std::int64_t updated_ms = 0;
};

/// Decodes only up to `updated_ms`, so that the body of a large record is never copied.
expected<record_head> decode_record_head(std::string_view id, std::string_view bytes);

} // namespace boa::storage::detail
