#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace boa::storage::detail {

// The compact stored forms: strings are a LEB128 varint length followed by the bytes; unsigned
// integers are LEB128 varints; signed integers are zigzag LEB128 varints.

void put_varint(std::string& out, std::uint64_t value);
/// Zigzag, so that small negative numbers stay short.
void put_int(std::string& out, std::int64_t value);
void put_string(std::string& out, std::string_view value);

/// Reads fields in order; the first failure sticks and names the field it happened in
/// ("state: record ends early"), after which every read leaves its output untouched.
class binary_reader {
public:
  /// `unit` names what `bytes` hold ("record", "message") in the failures.
  binary_reader(std::string_view bytes, std::string_view unit) : rest_(bytes), unit_(unit) {}

  /// A string written by put_string.
  void read(const char* field, std::string& out);
  /// A signed integer written by put_int.
  void read(const char* field, std::int64_t& out);
  /// An unsigned integer written by put_varint; fails if it does not fit in 32 bits.
  void read(const char* field, std::uint32_t& out);
  /// Passes over a string written by put_string.
  void skip(const char* field);

  const std::optional<std::string>& failure() const { return failure_; }
  bool at_end() const { return rest_.empty(); }

private:
  std::optional<std::string_view> field_bytes(const char* field);
  std::optional<std::uint64_t> varint(const char* field);
  void fail(const char* field, std::string_view why);

  std::string_view rest_;
  std::string_view unit_;
  std::optional<std::string> failure_;
};

/// Appends `value` as 8 bytes, most significant first, so that byte order is numeric order (for
/// RocksDB keys and counters).
inline void append_be64(std::string& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>(value >> shift));
}

/// Reads 8 big-endian bytes; `bytes` must hold at least 8.
inline std::uint64_t read_be64(std::string_view bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i)
    value = (value << 8) | static_cast<std::uint8_t>(bytes[i]);
  return value;
}

} // namespace boa::storage::detail
